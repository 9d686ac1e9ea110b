// Shared pieces of the gradient checks (wasm against cpu).
//
// Error measure: max|a - b| / max(max|b|, 1e-6), a the wasm result and b the cpu result, over the
// whole tensor (a normwise relative error). Per-element relative error would be ill-conditioned:
// gradient entries that nearly cancel make it explode without anything being wrong. A gradient
// routed to the wrong element, or lost, changes the max-norm difference by the size of a typical
// entry, i.e. a relative error of order 1; float32 rounding differences stay near 1e-6.
import { expect } from 'vitest';

export const TOLERANCE = 1e-4;

/** Seeded uniform values in [shift-1, shift+1) times scale (mulberry32): identical inputs on both backends. */
export function seeded(n: number, seed: number, shift = 0, scale = 1): Float32Array {
  let s = seed >>> 0;
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = Math.imul(s ^ (s >>> 15), 1 | s);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    out[i] = ((((t ^ (t >>> 14)) >>> 0) / 4294967296) * 2 - 1 + shift) * scale;
  }
  return out;
}

export function relativeError(a: Float32Array, b: Float32Array): number {
  expect(a.length).toBe(b.length);
  let diff = 0;
  let scale = 1e-6;
  for (let i = 0; i < a.length; i++) {
    diff = Math.max(diff, Math.abs(a[i] - b[i]));
    scale = Math.max(scale, Math.abs(b[i]));
  }
  return Number.isNaN(diff) ? Infinity : diff / scale;
}
