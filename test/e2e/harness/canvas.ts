// What a canvas shows, read back in the page: its size, how many distinct colours it holds, the spread of
// its brightness and a hash of its pixels, so that a test can say that a canvas is painted (not blank, not
// one uniform colour) and that a change of setting changed its pixels.
import type { Locator } from 'playwright-core';

export interface CanvasPixels {
  width: number;
  height: number;
  /** Distinct RGBA values (counted up to 4096). */
  colors: number;
  /** Standard deviation of the brightness (0..255) over all pixels. */
  spread: number;
  /** FNV-1a over every RGBA byte: equal pixels, equal hash. */
  hash: string;
}

/** The little of a canvas the page code below uses (this project compiles its tests without the DOM types). */
interface CanvasLike {
  width: number;
  height: number;
  getContext(kind: '2d'): { getImageData(x: number, y: number, w: number, h: number): { data: ArrayLike<number> } } | null;
}

export function canvasPixels(canvas: Locator): Promise<CanvasPixels> {
  return canvas.evaluate((el) => {
    const c = el as unknown as CanvasLike;
    const ctx = c.getContext('2d');
    if (!ctx || c.width === 0 || c.height === 0) return { width: c.width, height: c.height, colors: 0, spread: 0, hash: '' };
    const d = ctx.getImageData(0, 0, c.width, c.height).data;
    const seen = new Set<number>();
    let h = 0x811c9dc5;
    let sum = 0;
    let sum2 = 0;
    const n = d.length / 4;
    for (let i = 0; i < d.length; i += 4) {
      if (seen.size < 4096) seen.add(((d[i] << 24) | (d[i + 1] << 16) | (d[i + 2] << 8) | d[i + 3]) >>> 0);
      const y = (d[i] + d[i + 1] + d[i + 2]) / 3;
      sum += y;
      sum2 += y * y;
      for (let k = 0; k < 4; k++) h = Math.imul(h ^ d[i + k], 0x01000193) >>> 0;
    }
    const mean = sum / n;
    return { width: c.width, height: c.height, colors: seen.size, spread: Math.sqrt(Math.max(0, sum2 / n - mean * mean)), hash: h.toString(16) };
  });
}

/** Whether the pixels are a picture: several colours and some spread of brightness. */
export function isPainted(p: CanvasPixels): boolean {
  return p.width > 1 && p.height > 1 && p.colors >= 8 && p.spread > 2;
}
