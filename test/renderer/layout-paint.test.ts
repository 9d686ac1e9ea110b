// Geometry of the decomposition as the views draw it (src-renderer/lib/layout.ts) and the pixels of the
// confidence map (src-renderer/lib/paint.ts), checked against the engine's own decomposition.
import { describe, expect, it } from 'vitest';
import { decompose } from '../../src-main/engine/decomposition';
import { mapLayout, ownerAt, partitionOf, sliceOverlay, sliceRange } from '../../src-renderer/lib/layout';
import { magnification, paintSlice } from '../../src-renderer/lib/paint';
import type { Rgb } from '../../src-renderer/lib/colors';

describe('partition of the boxes', () => {
  const cases: [number[], number[], number][] = [
    [[28, 28], [2, 2], 2],
    [[28, 28], [3, 2], 0],
    [[29, 31], [3, 4], 3],
    [[28, 28, 28], [2, 2, 2], 2],
    [[24, 32, 30], [3, 2, 4], 1],
  ];

  it.each(cases)('recovers the engine’s cuts floor(i*L/n) for %j split %j with overlap %i', (shape, grid, overlap) => {
    const subs = decompose(shape, grid, overlap);
    const p = partitionOf(subs, shape);
    const perAxis = [...grid].reverse();
    perAxis.forEach((n, a) => expect(p.cuts[a]).toEqual(Array.from({ length: n + 1 }, (_, i) => Math.floor((i * shape[a]) / n))));
    // Every box's cell is its grid position, and every voxel has exactly the owner of its cell.
    subs.forEach((s, i) => expect(p.cells[i]).toEqual(s.cell));
    const probe = shape.map((L) => [0, Math.floor(L / 3), Math.floor(L / 2), L - 1]);
    const points = probe.reduce<number[][]>((acc, vals) => acc.flatMap((pt) => vals.map((v) => [...pt, v])), [[]]);
    for (const pt of points) {
      const owner = ownerAt(p, pt);
      expect(owner).toBeGreaterThanOrEqual(0);
      const s = subs[owner];
      pt.forEach((v, a) => {
        expect(v).toBeGreaterThanOrEqual(p.cuts[a][s.cell[a]]);
        expect(v).toBeLessThan(p.cuts[a][s.cell[a] + 1]);
        // The owner's box holds the voxel too.
        expect(v).toBeGreaterThanOrEqual(s.start[a]);
        expect(v).toBeLessThan(s.end[a]);
      });
    }
  });

  it('finds no owner outside the input', () => {
    const p = partitionOf(decompose([8, 8], [2, 2], 1), [8, 8]);
    expect(ownerAt(p, [-1, 0])).toBe(-1);
    expect(ownerAt(p, [0, 8])).toBe(-1);
    expect(ownerAt(p, [7.9, 7.9])).toBe(3);
  });
});

describe('overlay of a slice', () => {
  const shape = [28, 28, 28];
  const subs = decompose(shape, [2, 2, 2], 2);

  it('shows a box on every slice it covers, its partition cell only on the slices of its layer', () => {
    // z layers: boxes [0,16) and [12,28); the cut lies at 14.
    expect(subs.map((s) => sliceRange(s, shape))).toEqual([...Array(4).fill([0, 15]), ...Array(4).fill([12, 27])]);
    expect(sliceOverlay(subs, shape, 0, 280, 280).map((o) => o.box)).toEqual([0, 1, 2, 3]);
    const mid = sliceOverlay(subs, shape, 13, 280, 280);
    expect(mid.map((o) => o.box)).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    expect(mid.filter((o) => o.core).map((o) => o.box)).toEqual([0, 1, 2, 3]);
    expect(sliceOverlay(subs, shape, 14, 280, 280).filter((o) => o.core).map((o) => o.box)).toEqual([4, 5, 6, 7]);
    expect(sliceOverlay(subs, shape, 27, 280, 280).map((o) => o.box)).toEqual([4, 5, 6, 7]);
  });

  it('gives canvas rectangles of the whole box and of its cell', () => {
    // Subdomain 1: x second (x fastest), y first: box x [12,28), y [0,16); cell x [14,28), y [0,14).
    const o = sliceOverlay(subs, shape, 0, 280, 140).find((b) => b.box === 1)!;
    expect(o.rect).toEqual({ x: 120, y: 0, w: 160, h: 80 });
    expect(o.core).toEqual({ x: 140, y: 0, w: 140, h: 70 });
  });

  it('draws every box of an image, whatever the slice', () => {
    const img = decompose([10, 20], [2, 1], 0);
    const o = sliceOverlay(img, [10, 20], 5, 200, 100);
    expect(o).toEqual([
      { box: 0, rect: { x: 0, y: 0, w: 100, h: 100 }, core: { x: 0, y: 0, w: 100, h: 100 } },
      { box: 1, rect: { x: 100, y: 0, w: 100, h: 100 }, core: { x: 100, y: 0, w: 100, h: 100 } },
    ]);
    expect(sliceRange(img[0], [10, 20])).toEqual([0, 0]);
  });
});

describe('decomposition map layout', () => {
  it('draws an image as one panel with cells in proportion to the cuts', () => {
    const shape = [30, 60];
    const l = mapLayout(decompose(shape, [3, 2], 2), shape, { panelWidth: 120 });
    expect(l.panels).toHaveLength(1);
    expect(l).toMatchObject({ width: 120, height: 60 });
    expect(l.cells.map((c) => c.rect)).toEqual([
      { x: 0, y: 0, w: 40, h: 30 },
      { x: 40, y: 0, w: 40, h: 30 },
      { x: 80, y: 0, w: 40, h: 30 },
      { x: 0, y: 30, w: 40, h: 30 },
      { x: 40, y: 30, w: 40, h: 30 },
      { x: 80, y: 30, w: 40, h: 30 },
    ]);
    // The outline of a box includes its overlap (2 voxels = 4 px on interior sides).
    expect(l.cells[1].outer).toEqual({ x: 36, y: 0, w: 48, h: 34 });
  });

  it('draws a volume as one small grid per z-layer, side by side, wrapping after perRow', () => {
    const shape = [28, 28, 28];
    const subs = decompose(shape, [2, 2, 3], 1);
    const l = mapLayout(subs, shape, { panelWidth: 100, gap: 10, labelHeight: 20, perRow: 2 });
    expect(l.panels.map((p) => [p.layer, p.slices, p.x, p.y])).toEqual([
      [0, [0, 8], 0, 20],
      [1, [9, 17], 110, 20],
      [2, [18, 27], 0, 150],
    ]);
    expect(l.width).toBe(210);
    expect(l.height).toBe(250);
    // Each layer holds its four subdomains, x fastest.
    expect(l.cells.filter((c) => c.layer === 1).map((c) => c.box)).toEqual([4, 5, 6, 7]);
    expect(l.cells[5].rect).toEqual({ x: 160, y: 20, w: 50, h: 50 });
  });
});

describe('painting the confidence map', () => {
  const red: Rgb = [255, 0, 0];
  const blue: Rgb = [0, 0, 255];
  // A 2x4 image: left half boxes[0], right half boxes[1]; values 0, 0.25, 0.5, 1 per column.
  const shape = [2, 4];
  const boxes = decompose(shape, [2, 1], 0);
  const values = [0, 0.25, 0.5, 1, 0, 0.25, 0.5, 1];
  const pixel = (img: { width: number; data: Uint8ClampedArray }, x: number, y: number) => Array.from(img.data.slice((y * img.width + x) * 4, (y * img.width + x) * 4 + 4));

  it('shows the input in grey at opacity 0', () => {
    const img = paintSlice({ values, shape, channels: 1, slice: 0, scale: 1, boxes, colors: [red, blue], opacity: 0 });
    expect([img.width, img.height]).toEqual([4, 2]);
    expect([0, 1, 2, 3].map((x) => pixel(img, x, 1))).toEqual([
      [0, 0, 0, 255],
      [64, 64, 64, 255],
      [128, 128, 128, 255],
      [255, 255, 255, 255],
    ]);
  });

  it('tints each voxel with its subdomain’s colour at the chosen opacity, and leaves null colours alone', () => {
    const full = paintSlice({ values, shape, channels: 1, slice: 0, scale: 1, boxes, colors: [red, blue], opacity: 1 });
    expect(pixel(full, 1, 0)).toEqual([255, 0, 0, 255]);
    expect(pixel(full, 2, 0)).toEqual([0, 0, 255, 255]);
    const half = paintSlice({ values, shape, channels: 1, slice: 0, scale: 1, boxes, colors: [red, null], opacity: 0.5 });
    expect(pixel(half, 0, 0)).toEqual([128, 0, 0, 255]);
    expect(pixel(half, 3, 0)).toEqual([255, 255, 255, 255]);
  });

  it('magnifies by whole pixels and paints the same bytes every time', () => {
    const a = paintSlice({ values, shape, channels: 1, slice: 0, scale: 3, boxes, colors: [red, blue], opacity: 0.4 });
    const b = paintSlice({ values, shape, channels: 1, slice: 0, scale: 3, boxes, colors: [red, blue], opacity: 0.4 });
    expect([a.width, a.height]).toEqual([12, 6]);
    expect(a.data).toEqual(b.data);
    for (let y = 0; y < 3; y++) for (let x = 3; x < 6; x++) expect(pixel(a, x, y)).toEqual(pixel(a, 3, 0));
  });

  it('paints the chosen slice of a volume, averaging channels (RGB shown as colour)', () => {
    const vshape = [2, 1, 2];
    const vboxes = decompose(vshape, [2, 1, 2], 0);
    // Two channels per voxel; slice 1 holds (1, 0.5) -> grey 0.75.
    const vol = [0, 0, 0, 0, 1, 0.5, 1, 0.5];
    const img = paintSlice({ values: vol, shape: vshape, channels: 2, slice: 1, scale: 1, boxes: vboxes, colors: vboxes.map(() => null), opacity: 0.5 });
    expect(pixel(img, 0, 0)).toEqual([191, 191, 191, 255]);
    const rgb = paintSlice({ values: [1, 0, 0, 0, 1, 0], shape: [1, 2], channels: 3, slice: 0, scale: 1, boxes: decompose([1, 2], [2, 1], 0), colors: [null, null], opacity: 0 });
    expect([pixel(rgb, 0, 0), pixel(rgb, 1, 0)]).toEqual([
      [255, 0, 0, 255],
      [0, 255, 0, 255],
    ]);
  });

  it('tints a volume slice by the subdomains of its layer', () => {
    const vshape = [4, 2, 2];
    const vboxes = decompose(vshape, [1, 1, 2], 1);
    const colors: Rgb[] = [red, blue];
    const vol = new Array(16).fill(0);
    const at = (z: number) => pixel(paintSlice({ values: vol, shape: vshape, channels: 1, slice: z, scale: 1, boxes: vboxes, colors, opacity: 1 }), 0, 0);
    // Layers cut at z = 2; boxes [0,3) and [1,4) overlap on slices 1 and 2.
    expect([0, 1, 2, 3].map(at)).toEqual([
      [255, 0, 0, 255],
      [255, 0, 0, 255],
      [0, 0, 255, 255],
      [0, 0, 255, 255],
    ]);
  });

  it('magnifies small inputs to about 336 pixels, large ones not at all', () => {
    expect(magnification([28, 28])).toBe(12);
    expect(magnification([28, 28, 28])).toBe(12);
    expect(magnification([64, 32])).toBe(5);
    expect(magnification([512, 512])).toBe(1);
    expect(magnification([4, 4])).toBe(16);
  });
});
