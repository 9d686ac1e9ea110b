// Decomposition of an image (H x W) or volume (D x H x W) into a grid of overlapping subdomains.
//
// The grid is given as nx x ny (x nz) like the papers do; nx splits the width, ny the height and nz
// the depth. Boxes first partition the input (boundaries at floor(i * L / n), so uneven sizes still
// cover every voxel exactly once) and then grow by `overlap` voxels on every interior side, clipped
// at the border.
import type { Box } from './types';

export interface Subdomain extends Box {
  /** Index in the run: x varies fastest, then y, then z. */
  index: number;
  /** Grid position per spatial axis, in the order of spatialShape ((z,) y, x). */
  cell: number[];
  /** Size per spatial axis (end - start). */
  size: number[];
}

/** Parses "2x2" or "2x2x2" (nx x ny [x nz]). */
export function parseGrid(text: string): number[] {
  const parts = text.trim().toLowerCase().split('x');
  const grid = parts.map((p) => Number(p));
  if (parts.length < 2 || parts.length > 3 || grid.some((g) => !Number.isInteger(g) || g < 1)) {
    throw new Error(`invalid decomposition "${text}": expected nx x ny or nx x ny x nz with positive integers, e.g. 2x2 or 2x2x2`);
  }
  return grid;
}

/** The grid (nx, ny[, nz]) reordered to the axes of spatialShape ((D,) H, W). */
export function gridPerAxis(grid: number[], spatialShape: number[]): number[] {
  if (grid.length !== spatialShape.length) {
    throw new Error(
      `a ${grid.join('x')} decomposition does not fit ${spatialShape.length}D input of shape ${spatialShape.join('x')}: give ${spatialShape.length} grid counts`,
    );
  }
  return [...grid].reverse();
}

/** Start/end of cell i of n along an axis of length len, with overlap, clipped to [0, len). */
export function axisInterval(len: number, n: number, i: number, overlap: number): [number, number] {
  const start = Math.floor((i * len) / n);
  const end = Math.floor(((i + 1) * len) / n);
  return [Math.max(0, start - (i > 0 ? overlap : 0)), Math.min(len, end + (i < n - 1 ? overlap : 0))];
}

export function decompose(spatialShape: number[], grid: number[], overlap: number): Subdomain[] {
  if (!Number.isInteger(overlap) || overlap < 0) throw new Error(`invalid overlap ${overlap}: expected a whole number of voxels >= 0`);
  const perAxis = gridPerAxis(grid, spatialShape);
  perAxis.forEach((n, a) => {
    if (n > spatialShape[a]) {
      throw new Error(`cannot split an axis of ${spatialShape[a]} voxels into ${n} subdomains (shape ${spatialShape.join('x')})`);
    }
  });
  const total = perAxis.reduce((a, b) => a * b, 1);
  const subdomains: Subdomain[] = [];
  for (let index = 0; index < total; index++) {
    // x (last axis) varies fastest.
    const cell = new Array<number>(perAxis.length);
    let rest = index;
    for (let a = perAxis.length - 1; a >= 0; a--) {
      cell[a] = rest % perAxis[a];
      rest = Math.floor(rest / perAxis[a]);
    }
    const intervals = cell.map((c, a) => axisInterval(spatialShape[a], perAxis[a], c, overlap));
    const start = intervals.map((iv) => iv[0]);
    const end = intervals.map((iv) => iv[1]);
    subdomains.push({ index, cell, start, end, size: end.map((e, a) => e - start[a]) });
  }
  return subdomains;
}

export function describeSubdomain(s: Subdomain): string {
  return s.start.map((st, a) => `${st}..${s.end[a] - 1}`).join(' x ');
}
