// Cropping a box out of samples stored channel-last: the geometry shared by the cache reader and in-memory
// crops. A box's crop of one sample is a set of equally long contiguous runs of values; planning them once
// lets a reader copy many samples with a few subarray/set calls each.

import type { Box } from '../engine/types';

export function checkBox(box: Box, spatialShape: number[], where: string): void {
  const rank = spatialShape.length;
  if (box.start.length !== rank || box.end.length !== rank) {
    throw new Error(`${where}: box has rank ${box.start.length}/${box.end.length}; the data has spatial shape ${spatialShape.join('x')}`);
  }
  for (let a = 0; a < rank; a++) {
    const s = box.start[a];
    const e = box.end[a];
    if (!Number.isInteger(s) || !Number.isInteger(e) || s < 0 || e > spatialShape[a] || s >= e) {
      throw new Error(`${where}: box [${box.start.join(',')}]..[${box.end.join(',')}) does not fit spatial shape ${spatialShape.join('x')}`);
    }
  }
}

export interface CropPlan {
  /** Spatial shape of the crop. */
  shape: number[];
  /** Values per cropped sample. */
  size: number;
  /** Start of every run, in values from the start of the sample. */
  runStarts: Int32Array;
  /** Values per run. */
  runLength: number;
}

/**
 * Plans the runs of a crop. Trailing axes that the box covers fully merge into one run with the innermost
 * partly covered axis, so a crop of whole rows (or whole slices) copies in fewer, longer pieces.
 */
export function planCrop(spatialShape: number[], channels: number, box: Box): CropPlan {
  const rank = spatialShape.length;
  const shape = spatialShape.map((_, a) => box.end[a] - box.start[a]);
  // strides[a]: values between neighbours along axis a.
  const strides = new Array<number>(rank);
  let stride = channels;
  for (let a = rank - 1; a >= 0; a--) {
    strides[a] = stride;
    stride *= spatialShape[a];
  }
  let k = rank - 1;
  while (k > 0 && shape[k] === spatialShape[k]) k--;
  const runLength = shape[k] * strides[k];

  const outerShape = shape.slice(0, k);
  const runCount = outerShape.reduce((p, d) => p * d, 1);
  const runStarts = new Int32Array(runCount);
  const index = new Array<number>(k).fill(0);
  for (let r = 0; r < runCount; r++) {
    let offset = box.start[k] * strides[k];
    for (let a = 0; a < k; a++) offset += (box.start[a] + index[a]) * strides[a];
    runStarts[r] = offset;
    for (let a = k - 1; a >= 0; a--) {
      if (++index[a] < outerShape[a]) break;
      index[a] = 0;
    }
  }
  return { shape, size: runCount * runLength, runStarts, runLength };
}

/** Copies the crop of one sample (`src` from `srcOffset`) to `dst` at `dstOffset`. */
export function copyCrop(src: Float32Array, srcOffset: number, dst: Float32Array, dstOffset: number, plan: CropPlan): void {
  const { runStarts, runLength } = plan;
  let d = dstOffset;
  if (runLength >= 32) {
    for (let r = 0; r < runStarts.length; r++) {
      const s = srcOffset + runStarts[r];
      dst.set(src.subarray(s, s + runLength), d);
      d += runLength;
    }
  } else {
    // For short runs (a narrow subdomain of one channel) a plain loop beats creating a view per run.
    for (let r = 0; r < runStarts.length; r++) {
      const s = srcOffset + runStarts[r];
      for (let i = 0; i < runLength; i++) dst[d + i] = src[s + i];
      d += runLength;
    }
  }
}

/** The crop of every sample of an in-memory array; the reference the cache reader is tested against. */
export function cropSamples(x: Float32Array, n: number, spatialShape: number[], channels: number, box: Box): Float32Array<ArrayBuffer> {
  checkBox(box, spatialShape, 'crop');
  const plan = planCrop(spatialShape, channels, box);
  const sampleSize = spatialShape.reduce((p, d) => p * d, 1) * channels;
  const out = new Float32Array(n * plan.size);
  for (let i = 0; i < n; i++) copyCrop(x, i * sampleSize, out, i * plan.size, plan);
  return out;
}
