import { describe, expect, it } from 'vitest';
import { augmentCropInto, augmentPreset, augmentRegion, sampleTransform, type AugmentSettings, type SampleTransform } from '../../src-main/engine/augment';
import { cropSamples } from '../../src-main/data/crop';
import type { Box } from '../../src-main/engine/types';

/** A sample whose every value names its position: v = 1 + index in the flat channel-last layout. */
function indexed(shape: number[], channels: number, n = 1): Float32Array {
  const size = shape.reduce((a, b) => a * b, 1) * channels;
  return Float32Array.from({ length: n * size }, (_, i) => 1 + (i % size));
}

const whole = (shape: number[]): Box => ({ start: shape.map(() => 0), end: shape.slice() });

function augmentWhole(x: Float32Array, shape: number[], channels: number, t: SampleTransform, index = 0): Float32Array {
  const out = new Float32Array(shape.reduce((a, b) => a * b, 1) * channels);
  augmentCropInto({ x, region: whole(shape), shape, channels }, index, whole(shape), t, out, 0);
  return out;
}

const none = (rank: number): SampleTransform => ({ shift: new Array(rank).fill(0), flip: new Array(rank).fill(false), angle: 0, scale: 1, offset: 0 });

describe('augmentation', () => {
  it('an identity transform copies the sample unchanged', () => {
    const shape = [3, 4, 5];
    const x = indexed(shape, 2);
    expect(Array.from(augmentWhole(x, shape, 2, none(3)))).toEqual(Array.from(x));
  });

  it('a shift moves every value by the shift and fills the uncovered border with 0 (checked value by value)', () => {
    const shape = [4, 6];
    const x = indexed(shape, 1);
    const t = { ...none(2), shift: [1, -2] };
    const out = augmentWhole(x, shape, 1, t);
    for (let r = 0; r < 4; r++)
      for (let c = 0; c < 6; c++) {
        const sr = r - 1;
        const sc = c + 2;
        const expected = sr >= 0 && sr < 4 && sc >= 0 && sc < 6 ? 1 + sr * 6 + sc : 0;
        expect(out[r * 6 + c]).toBe(expected);
      }
  });

  it('a flip mirrors its axis only, and intensity jitter is v * scale + offset', () => {
    const shape = [2, 3, 4];
    const x = indexed(shape, 1);
    const t = { ...none(3), flip: [false, false, true], scale: 2, offset: 0.5 };
    const out = augmentWhole(x, shape, 1, t);
    for (let d = 0; d < 2; d++)
      for (let h = 0; h < 3; h++)
        for (let w = 0; w < 4; w++) expect(out[(d * 3 + h) * 4 + w]).toBe((1 + (d * 3 + h) * 4 + (3 - w)) * 2 + 0.5);
  });

  it('a rotation by 90 degrees about the centre maps rows to columns exactly', () => {
    const shape = [5, 5];
    const x = indexed(shape, 1);
    const out = augmentWhole(x, shape, 1, { ...none(2), angle: Math.PI / 2 });
    // The value at (r, c) comes from the inverse rotation of (r, c) about (2, 2): (r', c') = (c, 4 - r).
    for (let r = 0; r < 5; r++) for (let c = 0; c < 5; c++) expect(out[r * 5 + c]).toBeCloseTo(1 + c * 5 + (4 - r), 4);
  });

  it('a small rotation with a shift is, value by value and channel by channel, the bilinear interpolation of the inverse-rotated position (0 outside)', () => {
    const shape = [7, 9];
    const channels = 2;
    const x = Float32Array.from({ length: 7 * 9 * channels }, (_, i) => Math.cos(i * 0.71) * 3);
    const angle = (11 * Math.PI) / 180;
    const t = { ...none(2), shift: [1, -1], angle, scale: 1.5, offset: -0.25 };
    const out = augmentWhole(x, shape, channels, t);
    const source = (r: number, c: number, ch: number) => (r >= 0 && r < 7 && c >= 0 && c < 9 ? x[(r * 9 + c) * channels + ch] : 0);
    for (let r = 0; r < 7; r++)
      for (let c = 0; c < 9; c++) {
        // Undo the shift, then rotate back about the centre (3, 4): row' = cos*dr + sin*dc, col' = -sin*dr + cos*dc.
        const dr = r - 1 - 3;
        const dc = c + 1 - 4;
        const sr = Math.cos(angle) * dr + Math.sin(angle) * dc + 3;
        const sc = -Math.sin(angle) * dr + Math.cos(angle) * dc + 4;
        const r0 = Math.floor(sr);
        const c0 = Math.floor(sc);
        const [fr, fc] = [sr - r0, sc - c0];
        for (let ch = 0; ch < channels; ch++) {
          const bilinear = (1 - fr) * (1 - fc) * source(r0, c0, ch) + (1 - fr) * fc * source(r0, c0 + 1, ch) +
            fr * (1 - fc) * source(r0 + 1, c0, ch) + fr * fc * source(r0 + 1, c0 + 1, ch);
          expect(out[(r * 9 + c) * channels + ch]).toBeCloseTo(bilinear * 1.5 - 0.25, 5);
        }
      }
  });

  it("a local model's augmented crop, read from its region only, equals the crop of the augmented whole input (2D rotation, 3D shift and flip, 3D in-plane rotation)", () => {
    const cases: { shape: number[]; channels: number; box: Box; s: AugmentSettings }[] = [
      { shape: [12, 10], channels: 1, box: { start: [5, 0], end: [12, 6] }, s: { shift: 2, flipAxes: [1], rotateDegrees: 15, intensityJitter: 0.1 } },
      { shape: [6, 8, 7], channels: 2, box: { start: [0, 3, 2], end: [4, 8, 6] }, s: { shift: 2, flipAxes: [0, 2], rotateDegrees: 0, intensityJitter: 0.05 } },
      { shape: [6, 8, 7], channels: 2, box: { start: [2, 0, 3], end: [6, 5, 7] }, s: { shift: 1, flipAxes: [1], rotateDegrees: 12, intensityJitter: 0.05 } },
    ];
    for (const { shape, channels, box, s } of cases) {
      const n = 3;
      const x = Float32Array.from({ length: n * shape.reduce((a, b) => a * b, 1) * channels }, (_, i) => Math.sin(i * 0.37) + 1);
      const region = augmentRegion(s, box, shape);
      const regionX = cropSamples(x, n, shape, channels, region);
      const cropSize = box.start.reduce((p, st, a) => p * (box.end[a] - st), 1) * channels;
      for (let epoch = 0; epoch < 4; epoch++)
        for (let i = 0; i < n; i++) {
          const t = sampleTransform(s, shape.length, 7, epoch, i);
          const full = new Float32Array(shape.reduce((a, b) => a * b, 1) * channels);
          augmentCropInto({ x, region: whole(shape), shape, channels }, i, whole(shape), t, full, 0);
          const expected = cropSamples(full, 1, shape, channels, box);
          const crop = new Float32Array(cropSize);
          augmentCropInto({ x: regionX, region, shape, channels }, i, box, t, crop, 0);
          expect(Array.from(crop)).toEqual(Array.from(expected));
        }
    }
  });

  it('transforms depend on the seed, epoch and case only, stay within the settings, and differ between epochs', () => {
    const s = augmentPreset('strong', 2);
    const a = sampleTransform(s, 2, 3, 1, 5);
    expect(sampleTransform(s, 2, 3, 1, 5)).toEqual(a);
    const draws = Array.from({ length: 200 }, (_, i) => sampleTransform(s, 2, 3, i, 5));
    expect(new Set(draws.map((d) => JSON.stringify(d))).size).toBe(200);
    for (const d of draws) {
      for (const v of d.shift) expect(Math.abs(v)).toBeLessThanOrEqual(s.shift);
      expect(Math.abs(d.angle)).toBeLessThanOrEqual((s.rotateDegrees * Math.PI) / 180);
      expect(Math.abs(d.scale - 1)).toBeLessThanOrEqual(s.intensityJitter);
      expect(d.flip).toEqual([false, false]);
    }
    // Every shift value from -4 to 4 occurs.
    expect(new Set(draws.flatMap((d) => d.shift)).size).toBe(2 * s.shift + 1);
  });
});
