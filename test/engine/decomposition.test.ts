import { describe, expect, it } from 'vitest';
import { axisInterval, decompose, parseGrid } from '../../src-main/engine/decomposition';

/** How many subdomains cover each voxel (flat index over the spatial shape). */
function coverCount(shape: number[], grid: number[], overlap: number): Int32Array {
  const total = shape.reduce((a, b) => a * b, 1);
  const count = new Int32Array(total);
  for (const s of decompose(shape, grid, overlap)) {
    for (let i = 0; i < total; i++) {
      let rest = i;
      let inside = true;
      for (let a = shape.length - 1; a >= 0; a--) {
        const c = rest % shape[a];
        rest = Math.floor(rest / shape[a]);
        if (c < s.start[a] || c >= s.end[a]) inside = false;
      }
      if (inside) count[i]++;
    }
  }
  return count;
}

describe('decomposition', () => {
  it('parses grids and refuses bad ones', () => {
    expect(parseGrid('2x2')).toEqual([2, 2]);
    expect(parseGrid('3X2x4')).toEqual([3, 2, 4]);
    for (const bad of ['2', '2x', '0x2', '2x2x2x2', 'axb', '1.5x2']) expect(() => parseGrid(bad)).toThrow(/invalid decomposition/);
  });

  it('partitions every voxel exactly once without overlap, for even and uneven sizes', () => {
    for (const [shape, grid] of [
      [[28, 28], [2, 2]],
      [[29, 31], [3, 2]],
      [[7, 5], [5, 7]],
      [[13, 17, 11], [2, 3, 4]],
    ] as const) {
      const count = coverCount([...shape], [...grid], 0);
      expect(Array.from(count).every((c) => c === 1)).toBe(true);
    }
  });

  it('covers every voxel with overlap and grows interior sides only', () => {
    const shape = [28, 28];
    const subs = decompose(shape, [2, 2], 2);
    expect(subs.map((s) => [s.start, s.end])).toEqual([
      [[0, 0], [16, 16]],
      [[0, 12], [16, 28]],
      [[12, 0], [28, 16]],
      [[12, 12], [28, 28]],
    ]);
    // Overlap width between neighbours is 2 * delta.
    expect(subs[0].end[1] - subs[1].start[1]).toBe(4);
    const count = coverCount(shape, [2, 2], 2);
    expect(Math.min(...count)).toBeGreaterThanOrEqual(1);
    expect(Math.max(...count)).toBe(4); // the centre is shared by all four
  });

  it('orders subdomains x fastest and maps nx to the width axis', () => {
    const subs = decompose([10, 20], [4, 2], 0); // 4 along x (width 20), 2 along y (height 10)
    expect(subs).toHaveLength(8);
    expect(subs[1].start).toEqual([0, 5]);
    expect(subs[4].start).toEqual([5, 0]);
    expect(subs.every((s) => s.size[0] === 5 && s.size[1] === 5)).toBe(true);
  });

  it('decomposes volumes with nz along depth and clips overlap at the border', () => {
    const subs = decompose([15, 28, 28], [2, 2, 3], 1);
    expect(subs).toHaveLength(12);
    expect(subs[0].start).toEqual([0, 0, 0]);
    expect(subs[0].end).toEqual([6, 15, 15]);
    expect(subs[11].end).toEqual([15, 28, 28]);
    expect(Array.from(coverCount([15, 28, 28], [2, 2, 3], 1)).every((c) => c >= 1)).toBe(true);
  });

  it('handles uneven axis splits at the border exactly', () => {
    expect(axisInterval(10, 3, 0, 0)).toEqual([0, 3]);
    expect(axisInterval(10, 3, 1, 0)).toEqual([3, 6]);
    expect(axisInterval(10, 3, 2, 0)).toEqual([6, 10]);
    expect(axisInterval(10, 3, 2, 5)).toEqual([1, 10]);
  });

  it('refuses impossible decompositions with a clear message', () => {
    expect(() => decompose([28, 28], [2, 2, 2], 0)).toThrow(/does not fit 2D input/);
    expect(() => decompose([4, 4], [5, 2], 0)).toThrow(/cannot split an axis of 4 voxels into 5/);
    expect(() => decompose([8, 8], [2, 2], -1)).toThrow(/invalid overlap/);
  });
});
