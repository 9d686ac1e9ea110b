// Linear resampling of images (bilinear) and volumes (trilinear) to a new spatial shape, e.g. LIDC from
// 48x64x64 to 24x32x32 so that a CT benchmark trains in minutes.
//
// Convention: align-corners = false, as PyTorch's interpolate(mode='(bi|tri)linear', align_corners=False)
// and TensorFlow's resize with half_pixel_centers: voxel centres sit at i + 0.5, so output voxel j samples
// the input at (j + 0.5) * in/out - 0.5, clamped to [0, in - 1] (the border voxel extends outwards). Halving
// a size therefore averages each pair of voxels. No anti-aliasing filter is applied when shrinking by more
// than 2 (as in PyTorch's default).
//
// Linear interpolation is separable: one 1D pass per axis gives exactly the bi/trilinear result, at a cost
// proportional to the output of each pass instead of 2^rank reads per output voxel.

import type { LabeledSplit, SplitDataset, SplitName } from '../engine/types';

/** Per output index along one axis: the two input indices and the weight of the second. */
export interface AxisWeights {
  lower: Int32Array;
  upper: Int32Array;
  weight: Float32Array;
}

export function linearAxisWeights(inLength: number, outLength: number): AxisWeights {
  const lower = new Int32Array(outLength);
  const upper = new Int32Array(outLength);
  const weight = new Float32Array(outLength);
  const scale = inLength / outLength;
  for (let j = 0; j < outLength; j++) {
    const src = Math.min(Math.max((j + 0.5) * scale - 0.5, 0), inLength - 1);
    const i0 = Math.floor(src);
    lower[j] = i0;
    upper[j] = Math.min(i0 + 1, inLength - 1);
    weight[j] = src - i0;
  }
  return { lower, upper, weight };
}

/** Resamples one axis of `src`, viewed as [outer, inLength, inner], into `dst` as [outer, outLength, inner]. */
function resampleAxis(src: Float32Array, dst: Float32Array, outer: number, inLength: number, inner: number, w: AxisWeights): void {
  const outLength = w.lower.length;
  for (let o = 0; o < outer; o++) {
    const srcBase = o * inLength * inner;
    const dstBase = o * outLength * inner;
    for (let j = 0; j < outLength; j++) {
      const a = srcBase + w.lower[j] * inner;
      const b = srcBase + w.upper[j] * inner;
      const t = w.weight[j];
      const d = dstBase + j * inner;
      for (let k = 0; k < inner; k++) dst[d + k] = src[a + k] + t * (src[b + k] - src[a + k]);
    }
  }
}

const product = (xs: number[]): number => xs.reduce((a, b) => a * b, 1);

/**
 * Resamples n samples stored one after another (layout (D,)H,W,C each) from inShape to outShape. Axes that
 * shrink most go first, so that later passes run on less data.
 */
export function resampleSamples(
  x: Float32Array,
  n: number,
  inShape: number[],
  channels: number,
  outShape: number[],
): Float32Array<ArrayBuffer> {
  const inSize = product(inShape) * channels;
  const outSize = product(outShape) * channels;
  if (x.length !== n * inSize) throw new Error(`resample: ${x.length} values do not hold ${n} samples of ${inShape.join('x')}x${channels}`);
  const axes = inShape.map((_, a) => a).filter((a) => inShape[a] !== outShape[a]);
  axes.sort((a, b) => outShape[a] / inShape[a] - outShape[b] / inShape[b]);
  const weights = inShape.map((len, a) => linearAxisWeights(len, outShape[a]));

  // Shapes after each pass, to size the two scratch buffers that the passes alternate between.
  const shapes: number[][] = [inShape.slice()];
  for (const a of axes) {
    const s = shapes[shapes.length - 1].slice();
    s[a] = outShape[a];
    shapes.push(s);
  }
  const scratchSize = Math.max(...shapes.slice(1, -1).map((s) => product(s) * channels), 0);
  const scratch = [new Float32Array(scratchSize), new Float32Array(scratchSize)];

  const out = new Float32Array(n * outSize);
  for (let s = 0; s < n; s++) {
    let src = x.subarray(s * inSize, (s + 1) * inSize);
    const target = out.subarray(s * outSize, (s + 1) * outSize);
    if (axes.length === 0) target.set(src);
    axes.forEach((a, p) => {
      const shape = shapes[p];
      const dst = p === axes.length - 1 ? target : scratch[p % 2];
      const outer = product(shape.slice(0, a));
      const inner = product(shape.slice(a + 1)) * channels;
      resampleAxis(src, dst, outer, shape[a], inner, weights[a]);
      src = dst;
    });
  }
  return out;
}

/**
 * Resamples every sample of every split to `shape` (same rank as ds.spatialShape). Labels and groups are
 * unchanged; at the same shape the input's arrays are returned as they are.
 */
export function resampleDataset(ds: SplitDataset, shape: number[]): SplitDataset {
  if (shape.length !== ds.spatialShape.length) {
    throw new Error(`resample: target shape ${shape.join('x')} has rank ${shape.length}; ${ds.name} has ${ds.spatialShape.join('x')}`);
  }
  if (!shape.every((d) => Number.isInteger(d) && d > 0)) throw new Error(`resample: invalid target shape ${shape.join('x')}`);
  if (shape.every((d, a) => d === ds.spatialShape[a])) return ds;

  const splits = {} as Record<SplitName, LabeledSplit>;
  for (const name of ['train', 'val', 'test'] as const) {
    const split = ds.splits[name];
    const x = resampleSamples(split.x, split.y.length, ds.spatialShape, ds.channels, shape);
    splits[name] = split.groups ? { x, y: split.y, groups: split.groups } : { x, y: split.y };
  }
  return { ...ds, spatialShape: shape.slice(), splits };
}
