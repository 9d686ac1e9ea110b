// The Decomposition view's geometry (src-renderer/lib/grid-layout.ts) on boxes made by the engine itself.
import { describe, expect, it } from 'vitest';
import { decompose } from '../../src-main/engine/decomposition';
import { depthRanges, intersect, overlapRegions, scaleOf, sizeText, subdomainRects } from '../../src-renderer/lib/grid-layout';

describe('subdomain rectangles', () => {
  it('places the boxes of a 2x2 image decomposition in canvas pixels', () => {
    const boxes = decompose([28, 28], [2, 2], 2);
    const rects = subdomainRects(boxes, [28, 28], 280, 280);
    expect(rects).toHaveLength(4);
    // Box 1: x 12..28 (cell 1 grown left by 2), y 0..16.
    expect(rects[1]).toEqual({ x: 120, y: 0, width: 160, height: 160, indices: [1] });
    expect(rects[2]).toEqual({ x: 0, y: 120, width: 160, height: 160, indices: [2] });
  });

  it('merges the depth layers of a volume into one rectangle per in-plane box', () => {
    const boxes = decompose([28, 28, 28], [2, 1, 2], 1);
    const rects = subdomainRects(boxes, [28, 28, 28], 56, 56);
    expect(rects.map((r) => r.indices)).toEqual([
      [0, 2],
      [1, 3],
    ]);
    expect(rects[0]).toMatchObject({ x: 0, y: 0, width: 30, height: 56 });
  });

  it('scales width and height separately for non-square inputs', () => {
    expect(scaleOf([10, 20], 200, 50)).toEqual({ sx: 10, sy: 5 });
    const rects = subdomainRects([{ index: 0, start: [0, 5], end: [10, 20] }], [10, 20], 200, 50);
    expect(rects[0]).toMatchObject({ x: 50, y: 0, width: 150, height: 50 });
  });
});

describe('overlap regions', () => {
  it('are the strips and the centre where neighbouring boxes meet, each once', () => {
    const rects = subdomainRects(decompose([20, 20], [2, 2], 2), [20, 20], 20, 20);
    const regions = overlapRegions(rects);
    // Two vertical strips (x 8..12) above and below, two horizontal ones, all crossing at the centre.
    expect(regions).toContainEqual({ x: 8, y: 0, width: 4, height: 12 });
    expect(regions).toContainEqual({ x: 0, y: 8, width: 12, height: 4 });
    expect(regions).toContainEqual({ x: 8, y: 8, width: 4, height: 4 });
    expect(new Set(regions.map((r) => JSON.stringify(r))).size).toBe(regions.length);
  });

  it('are empty without overlap, and touching edges share no area', () => {
    expect(overlapRegions(subdomainRects(decompose([20, 20], [2, 2], 0), [20, 20], 20, 20))).toEqual([]);
    expect(intersect({ x: 0, y: 0, width: 10, height: 10 }, { x: 10, y: 0, width: 10, height: 10 })).toBeNull();
  });
});

describe('depth ranges and sizes', () => {
  it('lists the z ranges of a volume in order with their subdomains', () => {
    const boxes = decompose([28, 28, 28], [2, 2, 2], 2);
    expect(depthRanges(boxes)).toEqual([
      { start: 0, end: 16, indices: [0, 1, 2, 3] },
      { start: 12, end: 28, indices: [4, 5, 6, 7] },
    ]);
    expect(depthRanges(decompose([28, 28], [2, 2], 2))).toEqual([]);
  });

  it('writes sizes W x H (x D)', () => {
    expect(sizeText({ start: [0, 0, 12], end: [16, 10, 28] })).toBe('16×10×16');
    expect(sizeText({ start: [0, 0], end: [15, 28] })).toBe('28×15');
  });
});
