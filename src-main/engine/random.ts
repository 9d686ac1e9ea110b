// Seeded randomness: the same seed gives the same shuffles and the same initial weights.
import seedrandom from 'seedrandom';

/** A stable 32-bit seed for a named model of a run, so that local-3 never starts like local-2. */
export function deriveSeed(seed: number, name: string): number {
  let h = (seed >>> 0) ^ 0x811c9dc5;
  for (let i = 0; i < name.length; i++) h = Math.imul(h ^ name.charCodeAt(i), 0x01000193) >>> 0;
  return h >>> 0;
}

/** Fisher-Yates permutation of 0..n-1 driven by a seeded generator. */
export function seededPermutation(n: number, seed: string | number): Int32Array {
  const rng = seedrandom(String(seed));
  const p = new Int32Array(n);
  for (let i = 0; i < n; i++) p[i] = i;
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(rng() * (i + 1));
    const t = p[i];
    p[i] = p[j];
    p[j] = t;
  }
  return p;
}
