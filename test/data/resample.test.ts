// Linear resampling (align-corners = false) on small handmade arrays, against hand values and a direct
// (non-separable) trilinear reference.
import { describe, expect, it } from 'vitest';
import type { SplitDataset } from '../../src-main/engine/types';
import { linearAxisWeights, resampleDataset, resampleSamples } from '../../src-main/data/resample';

const f32 = (values: number[]): Float32Array => Float32Array.from(values);

/** Direct trilinear interpolation of one channel-last volume at one output voxel, the textbook way. */
function trilinearAt(src: Float32Array, inShape: number[], channels: number, outShape: number[], out: number[], c: number): number {
  const corners = inShape.map((len, a) => {
    const pos = Math.min(Math.max((out[a] + 0.5) * (len / outShape[a]) - 0.5, 0), len - 1);
    const i0 = Math.floor(pos);
    return { i0, i1: Math.min(i0 + 1, len - 1), t: pos - i0 };
  });
  let sum = 0;
  for (let corner = 0; corner < 1 << inShape.length; corner++) {
    let weight = 1;
    let offset = 0;
    for (let a = 0; a < inShape.length; a++) {
      const upper = (corner >> a) & 1;
      const { i0, i1, t } = corners[a];
      weight *= upper ? t : 1 - t;
      offset = offset * inShape[a] + (upper ? i1 : i0);
    }
    sum += weight * src[offset * channels + c];
  }
  return sum;
}

describe('linearAxisWeights', () => {
  it('places output centres at (j + 0.5) * in/out - 0.5, clamped at the borders', () => {
    const down = linearAxisWeights(4, 2);
    expect(Array.from(down.lower)).toEqual([0, 2]);
    expect(Array.from(down.weight)).toEqual([0.5, 0.5]);
    const up = linearAxisWeights(2, 4);
    expect(Array.from(up.lower)).toEqual([0, 0, 0, 1]);
    expect(Array.from(up.weight)).toEqual([0, 0.25, 0.75, 0]);
  });
});

describe('resampleSamples', () => {
  it('is the identity at the same shape', () => {
    const x = Float32Array.from({ length: 2 * 3 * 4 * 5 * 2 }, (_, i) => Math.sin(i));
    expect(resampleSamples(x, 2, [3, 4, 5], 2, [3, 4, 5])).toEqual(x);
  });

  it('reproduces a linear ramp exactly inside the image (1D rows of a 2D image)', () => {
    // One row 0, 1, ..., 7 resampled to 4 and to 16 samples along W.
    const ramp = f32([0, 1, 2, 3, 4, 5, 6, 7]);
    expect(Array.from(resampleSamples(ramp, 1, [1, 8], 1, [1, 4]))).toEqual([0.5, 2.5, 4.5, 6.5]);
    const up = Array.from(resampleSamples(ramp, 1, [1, 8], 1, [1, 16]));
    // Interior output centres sit at j/2 - 0.25; the outermost are clamped to the border values.
    expect(up).toEqual([0, 0.25, 0.75, 1.25, 1.75, 2.25, 2.75, 3.25, 3.75, 4.25, 4.75, 5.25, 5.75, 6.25, 6.75, 7]);
  });

  it('halving a size averages pairs of pixels', () => {
    const img = f32([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16]); // 4x4
    expect(Array.from(resampleSamples(img, 1, [4, 4], 1, [2, 2]))).toEqual([3.5, 5.5, 11.5, 13.5]);
  });

  it('reproduces a bilinear function x + 10y exactly on interior points', () => {
    const img = Float32Array.from({ length: 6 * 6 }, (_, i) => (i % 6) + 10 * Math.floor(i / 6));
    const out = resampleSamples(img, 1, [6, 6], 1, [3, 2]);
    // Output centres: rows at (j + 0.5) * 2 - 0.5 = 0.5, 2.5, 4.5; columns at (j + 0.5) * 3 - 0.5 = 1, 4.
    expect(Array.from(out)).toEqual([5 + 1, 5 + 4, 25 + 1, 25 + 4, 45 + 1, 45 + 4]);
  });

  it('matches direct trilinear interpolation for volumes with two channels, several samples', () => {
    const inShape = [5, 4, 7];
    const outShape = [3, 6, 4];
    const channels = 2;
    const n = 2;
    const inSize = 5 * 4 * 7 * channels;
    const x = Float32Array.from({ length: n * inSize }, (_, i) => Math.cos(i * 0.37) + (i % 5));
    const out = resampleSamples(x, n, inShape, channels, outShape);
    expect(out.length).toBe(n * 3 * 6 * 4 * channels);
    let k = 0;
    for (let s = 0; s < n; s++) {
      const sample = x.subarray(s * inSize, (s + 1) * inSize);
      for (let d = 0; d < 3; d++)
        for (let h = 0; h < 6; h++)
          for (let w = 0; w < 4; w++)
            for (let c = 0; c < channels; c++) expect(out[k++]).toBeCloseTo(trilinearAt(sample, inShape, channels, outShape, [d, h, w], c), 5);
    }
  });

  it('rejects arrays that do not hold n samples', () => {
    expect(() => resampleSamples(new Float32Array(10), 1, [3, 3], 1, [2, 2])).toThrow(/do not hold/);
  });
});

describe('resampleDataset', () => {
  const ds: SplitDataset = {
    name: 'tiny volumes',
    spatialShape: [2, 2, 4],
    channels: 1,
    classes: ['a', 'b'],
    source: 'test',
    splitMethod: 'test',
    splits: {
      train: { x: Float32Array.from({ length: 32 }, (_, i) => i), y: Int32Array.from([0, 1]), groups: ['g1', 'g2'] },
      val: { x: new Float32Array(16).fill(3), y: Int32Array.from([1]) },
      test: { x: new Float32Array(0), y: new Int32Array(0) },
    },
  };

  it('resamples every split and keeps labels and groups', () => {
    const r = resampleDataset(ds, [1, 1, 2]);
    expect(r.spatialShape).toEqual([1, 1, 2]);
    // Sample 0 is values 0..15 as 2x2x4: mean of each half along W.
    expect(Array.from(r.splits.train.x)).toEqual([7.5 - 1, 7.5 + 1, 23.5 - 1, 23.5 + 1]);
    expect(Array.from(r.splits.val.x)).toEqual([3, 3]);
    expect(r.splits.test.x.length).toBe(0);
    expect(r.splits.train.y).toBe(ds.splits.train.y);
    expect(r.splits.train.groups).toEqual(['g1', 'g2']);
    expect(ds.spatialShape).toEqual([2, 2, 4]);
  });

  it('returns the data set unchanged at its own shape and rejects another rank', () => {
    expect(resampleDataset(ds, [2, 2, 4])).toBe(ds);
    expect(() => resampleDataset(ds, [2, 4])).toThrow(/rank/);
    expect(() => resampleDataset(ds, [2, 0, 4])).toThrow(/invalid target shape/);
  });
});
