// Facts of a Volume computed by the tests themselves, not by the project's code, so that a reader's
// result is checked against an independent count.
import type { Volume } from '../../src-main/data/volume';

/** Smallest and largest voxel value. */
export function range(v: Volume): [number, number] {
  let min = Infinity;
  let max = -Infinity;
  for (const x of v.data) {
    if (x < min) min = x;
    if (x > max) max = x;
  }
  return [min, max];
}
