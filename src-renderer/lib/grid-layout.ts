// Where the Decomposition view draws a planned decomposition over a sample image: every subdomain's box
// (start inclusive, end exclusive, in the order of the input shape (D,) H, W) as a rectangle in canvas
// pixels on the in-plane axes (H down, W across), the overlap regions where neighbouring boxes share
// pixels, and for volumes the depth (z) ranges the boxes take. Pure.

export interface PlannedBox {
  index: number;
  start: number[];
  end: number[];
}

export interface Rect {
  x: number;
  y: number;
  width: number;
  height: number;
}

/** A rectangle on the canvas and the subdomains drawn in it (volumes: one per depth layer). */
export interface SubdomainRect extends Rect {
  indices: number[];
}

/** Canvas pixels per input pixel along W (sx) and H (sy), for an input of shape (D,) H, W on a canvas. */
export function scaleOf(shape: number[], canvasWidth: number, canvasHeight: number): { sx: number; sy: number } {
  const [h, w] = shape.slice(-2);
  return { sx: canvasWidth / w, sy: canvasHeight / h };
}

/**
 * One rectangle per distinct in-plane box, in canvas pixels: for images one per subdomain, for volumes
 * the boxes of all depth layers that cover the same H x W area share one rectangle. Sorted by index.
 */
export function subdomainRects(boxes: PlannedBox[], shape: number[], canvasWidth: number, canvasHeight: number): SubdomainRect[] {
  const { sx, sy } = scaleOf(shape, canvasWidth, canvasHeight);
  const rank = shape.length;
  const byArea = new Map<string, SubdomainRect>();
  for (const b of [...boxes].sort((p, q) => p.index - q.index)) {
    const [y0, x0] = b.start.slice(rank - 2);
    const [y1, x1] = b.end.slice(rank - 2);
    const key = `${y0},${x0},${y1},${x1}`;
    const hit = byArea.get(key);
    if (hit) hit.indices.push(b.index);
    else byArea.set(key, { x: x0 * sx, y: y0 * sy, width: (x1 - x0) * sx, height: (y1 - y0) * sy, indices: [b.index] });
  }
  return [...byArea.values()];
}

/** The intersection of two rectangles, or null when they share no area. */
export function intersect(a: Rect, b: Rect): Rect | null {
  const x = Math.max(a.x, b.x);
  const y = Math.max(a.y, b.y);
  const x1 = Math.min(a.x + a.width, b.x + b.width);
  const y1 = Math.min(a.y + a.height, b.y + b.height);
  return x1 - x > 1e-9 && y1 - y > 1e-9 ? { x, y, width: x1 - x, height: y1 - y } : null;
}

/**
 * The regions covered by two or more rectangles (the overlap to shade): every pairwise intersection,
 * each region once. Corners where four boxes meet appear in several pairs and are listed once.
 */
export function overlapRegions(rects: Rect[]): Rect[] {
  const out: Rect[] = [];
  const seen = new Set<string>();
  for (let i = 0; i < rects.length; i++) {
    for (let j = i + 1; j < rects.length; j++) {
      const r = intersect(rects[i], rects[j]);
      if (!r) continue;
      const key = [r.x, r.y, r.width, r.height].map((v) => v.toFixed(6)).join(',');
      if (seen.has(key)) continue;
      seen.add(key);
      out.push(r);
    }
  }
  return out;
}

/** For volumes: the distinct depth ranges [start, end) of the boxes, in depth order, with the subdomains in each. */
export function depthRanges(boxes: PlannedBox[]): { start: number; end: number; indices: number[] }[] {
  const byRange = new Map<string, { start: number; end: number; indices: number[] }>();
  for (const b of [...boxes].sort((p, q) => p.index - q.index)) {
    if (b.start.length < 3) continue;
    const key = `${b.start[0]},${b.end[0]}`;
    const hit = byRange.get(key);
    if (hit) hit.indices.push(b.index);
    else byRange.set(key, { start: b.start[0], end: b.end[0], indices: [b.index] });
  }
  return [...byRange.values()].sort((a, b) => a.start - b.start || a.end - b.end);
}

/** A box's size written like the input shape, W x H (x D): how sizes read in the UI. */
export function sizeText(b: { start: number[]; end: number[] }): string {
  const size = b.end.map((e, a) => e - b.start[a]);
  return [...size].reverse().join('×');
}
