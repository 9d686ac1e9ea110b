// Maps stored image values to the 0..1 intensities that LabeledSplit promises.
//
// uint8 (every MedMNIST file, LIDC, MNIST, photos) is divided by 255: the stored range is the meaning, so an
// image that never reaches 255 must stay darker than one that does. Every other dtype (float, int16 HU, ...)
// has no such fixed range, so it is min-max scaled with ONE min and max taken over all arrays of the file
// together (train, val and test alike): per-sample scaling would erase intensity differences between samples
// (tissue densities are the signal in CT), and per-split scaling would make test images differ from training.

import type { NpyArray, NumericArray } from './npz';

const UINT8_TO_UNIT = Float32Array.from({ length: 256 }, (_, v) => v / 255);

export function uint8ToUnit(src: Uint8Array): Float32Array<ArrayBuffer> {
  const out = new Float32Array(src.length);
  for (let i = 0; i < src.length; i++) out[i] = UINT8_TO_UNIT[src[i]];
  return out;
}

import type { IntensityScaling } from '../engine/types';

export type { IntensityScaling };

function valueRange(values: NumericArray): { min: number; max: number } {
  let min = Infinity;
  let max = -Infinity;
  if (values instanceof BigInt64Array || values instanceof BigUint64Array) {
    for (const v of values) {
      const x = Number(v);
      if (x < min) min = x;
      if (x > max) max = x;
    }
  } else {
    for (let i = 0; i < values.length; i++) {
      const x = values[i];
      // NaN fails both comparisons and so is left out of the range; it is mapped to 0 below.
      if (x < min) min = x;
      if (x > max) max = x;
    }
  }
  return { min, max };
}

/** Chooses the scaling for a set of image arrays that must be scaled alike (all splits of one file). */
export function chooseScaling(arrays: NpyArray[]): IntensityScaling {
  // Booleans (b1, read as 0/1 bytes) are masks: /255 would make them nearly black, so they take min-max.
  if (arrays.every((a) => a.dtype === 'u1')) return { kind: 'uint8/255', min: 0, max: 255 };
  let min = Infinity;
  let max = -Infinity;
  for (const a of arrays) {
    const r = valueRange(a.data as NumericArray);
    min = Math.min(min, r.min);
    max = Math.max(max, r.max);
  }
  if (!Number.isFinite(min) || !Number.isFinite(max)) {
    min = 0;
    max = 0;
  }
  return { kind: 'min-max', min, max };
}

/** Applies a scaling to one array; a constant file (max = min) becomes all zeros. */
export function applyScaling(values: NumericArray, scaling: IntensityScaling): Float32Array<ArrayBuffer> {
  if (scaling.kind === 'uint8/255' && values instanceof Uint8Array) return uint8ToUnit(values);
  const out = new Float32Array(values.length);
  const span = scaling.max - scaling.min;
  if (span <= 0) return out;
  const scale = 1 / span;
  const min = scaling.min;
  if (values instanceof BigInt64Array || values instanceof BigUint64Array) {
    for (let i = 0; i < values.length; i++) out[i] = (Number(values[i]) - min) * scale;
  } else {
    for (let i = 0; i < values.length; i++) {
      const x = (values[i] - min) * scale;
      out[i] = x === x ? x : 0;
    }
  }
  return out;
}
