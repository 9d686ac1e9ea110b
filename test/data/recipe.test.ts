// applyRecipe turns a Volume into a model input: resampling (to a shape, or to a spacing then centre
// crop/pad), window clipping and 0..1 scaling, channel conversion. Each step is checked on small volumes
// whose right answer can be worked out by hand; the display-window presets are checked against DESIGN.md.
import { describe, expect, it } from 'vitest';
import type { Recipe } from '../../src-main/data/import/types';
import { readNifti } from '../../src-main/data/formats/nifti';
import { applyRecipe, centreCropOrPad, recipeOutputSize, volumeRange } from '../../src-main/data/recipe';
import type { Volume } from '../../src-main/data/volume';
import { WINDOW_PRESETS, windowBounds } from '../../src-main/data/windows';

function volume(shape: [number, number, number], f: (z: number, y: number, x: number, c: number) => number, channels = 1, spacing: [number, number, number] = [1, 1, 1]): Volume {
  const [d, h, w] = shape;
  const data = new Float32Array(d * h * w * channels);
  let i = 0;
  for (let z = 0; z < d; z++) for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) for (let c = 0; c < channels; c++) data[i++] = f(z, y, x, c);
  return { data, shape, channels, spacing, dims: d === 1 ? 2 : 3, modality: 'unknown', units: 'stored', warnings: [] };
}

const close = (actual: ArrayLike<number>, expected: ArrayLike<number>, digits = 6): void => {
  expect(actual.length).toBe(expected.length);
  for (let i = 0; i < expected.length; i++) expect(actual[i], `index ${i}`).toBeCloseTo(expected[i], digits);
};

describe('applyRecipe', () => {
  it('identity recipe (same shape) returns the windowed values exactly', () => {
    const vol = volume([2, 3, 4], (z, y, x) => 100 * z + 10 * y + x - 50);
    const out = applyRecipe(vol, { shape: [2, 3, 4], window: [-64, 192], channels: 1 });
    // A power-of-two window width makes (v - low) / width exact in float32.
    expect(Array.from(out)).toEqual(Array.from(vol.data, (v) => (Math.min(Math.max(v, -64), 192) + 64) / 256));
    // The same with a spacing equal to the volume's: no resampling, no crop.
    const same = applyRecipe(vol, { shape: [2, 3, 4], window: [-64, 192], spacing: [1, 1, 1], channels: 1 });
    expect(Array.from(same)).toEqual(Array.from(out));
    expect(out).not.toBe(vol.data);
    expect(recipeOutputSize({ shape: [2, 3, 4], window: [0, 1], channels: 3 })).toBe(72);
  });

  it('window clipping: below low -> 0, above high -> 1, linear between; NaN -> 0', () => {
    const vol = volume([1, 1, 6], (_z, _y, x) => [-2000, -1000, -600, 150, 3000, NaN][x]);
    const [low, high] = windowBounds({ width: 1500, level: -600 }); // lung: -1350..150
    const out = applyRecipe(vol, { shape: [1, 6], window: [low, high], channels: 1 });
    close(out, [0, 350 / 1500, 750 / 1500, 1, 1, 0]);
  });

  it('a linear ramp resampled to half size averages pairs', () => {
    // W ramp 0..7 -> 4 values: (0+1)/2, (2+3)/2, ...
    const vol = volume([1, 2, 8], (_z, _y, x) => x);
    close(applyRecipe(vol, { shape: [2, 4], window: [0, 8], channels: 1 }), [0.5, 2.5, 4.5, 6.5, 0.5, 2.5, 4.5, 6.5].map((v) => v / 8));
    // D ramp over 4 slices -> 2 slices, in a 3D recipe.
    const vol3 = volume([4, 2, 2], (z) => 10 * z);
    close(applyRecipe(vol3, { shape: [2, 2, 2], window: [0, 40], channels: 1 }), [5, 5, 5, 5, 25, 25, 25, 25].map((v) => v / 40));
  });

  it('resampling to a spacing: new size = round(size * spacing / target)', () => {
    // 4 x 8 pixels of 1 x 0.5 mm -> 1 x 1 mm is 4 x 4: pairs along W average.
    const vol = volume([1, 4, 8], (_z, y, x) => 8 * y + x, 1, [1, 1, 0.5]);
    const out = applyRecipe(vol, { shape: [4, 4], window: [0, 32], spacing: [1, 1], channels: 1 });
    const expected: number[] = [];
    for (let y = 0; y < 4; y++) for (let x = 0; x < 4; x++) expected.push((8 * y + 2 * x + 0.5) / 32);
    close(out, expected);
  });

  it('centre crop after resampling to a spacing', () => {
    // 6 x 6 at 1 mm, target 1 mm, shape 2 x 4: rows 2..3, columns 1..4.
    const vol = volume([1, 6, 6], (_z, y, x) => 10 * y + x);
    const out = applyRecipe(vol, { shape: [2, 4], window: [0, 100], spacing: [1, 1], channels: 1 });
    close(out, [21, 22, 23, 24, 31, 32, 33, 34].map((v) => v / 100));
    // An odd difference crops the extra voxel at the end: 5 -> 2 keeps indices 1..2.
    const odd = volume([1, 1, 5], (_z, _y, x) => x);
    close(applyRecipe(odd, { shape: [1, 2], window: [0, 10], spacing: [1, 1], channels: 1 }), [0.1, 0.2]);
  });

  it('centre pad with the window low value (0 after scaling), in 3D', () => {
    const vol = volume([1, 2, 2], (_z, y, x) => 1 + 2 * y + x); // 1 2 / 3 4
    const out = applyRecipe(vol, { shape: [3, 4, 4], window: [-1000, 1000], spacing: [1, 1, 1], channels: 1 });
    expect(out.length).toBe(48);
    const inside = (v: number): number => (v + 1000) / 2000;
    const expected = new Array(48).fill(0);
    // D 1 -> 3 pads one slice each side; H and W 2 -> 4 pad one row/column each side.
    [[1, 1, 1], [1, 1, 2], [1, 2, 1], [1, 2, 2]].forEach(([z, y, x], k) => (expected[(z * 4 + y) * 4 + x] = inside(k + 1)));
    close(out, expected);
  });

  it('centreCropOrPad puts the extra padding at the end when the difference is odd', () => {
    const out = centreCropOrPad(Float32Array.from([7, 8]), [1, 2], 1, [1, 5], -1);
    expect(Array.from(out)).toEqual([-1, 7, 8, -1, -1]);
  });

  it('colour -> grey by luminance (0.299, 0.587, 0.114)', () => {
    const rgb = [[255, 0, 0], [0, 255, 0], [0, 0, 255], [10, 20, 30]];
    const vol = volume([1, 2, 2], (_z, y, x, c) => rgb[2 * y + x][c], 3);
    const out = applyRecipe(vol, { shape: [2, 2], window: [0, 255], channels: 1 });
    close(out, rgb.map(([r, g, b]) => (0.299 * r + 0.587 * g + 0.114 * b) / 255));
  });

  it('grey -> 3 channels repeats the value; colour stays colour', () => {
    const vol = volume([1, 1, 3], (_z, _y, x) => x * 100);
    const out = applyRecipe(vol, { shape: [1, 3], window: [0, 200], channels: 3 });
    close(out, [0, 0, 0, 0.5, 0.5, 0.5, 1, 1, 1]);
    const colour = volume([1, 1, 2], (_z, _y, x, c) => 10 * x + c, 3);
    close(applyRecipe(colour, { shape: [1, 2], window: [0, 100], channels: 3 }), [0, 0.01, 0.02, 0.1, 0.11, 0.12]);
  });

  it('a 2D recipe on a volume of several slices throws; a 3D recipe takes a 2D image as D = 1', () => {
    const vol = volume([3, 2, 2], (z) => z);
    expect(() => applyRecipe(vol, { shape: [2, 2], window: [0, 1], channels: 1 })).toThrow(/2D recipe.*3 slices/);
    const img = volume([1, 2, 2], (_z, y, x) => 2 * y + x);
    const out = applyRecipe(img, { shape: [3, 2, 2], window: [0, 4], channels: 1 });
    // One slice resampled to three: every slice is the image.
    close(out, [0, 1, 2, 3, 0, 1, 2, 3, 0, 1, 2, 3].map((v) => v / 4));
  });

  it('rejects invalid recipes', () => {
    const vol = volume([1, 2, 2], () => 0);
    const bad: Recipe[] = [
      { shape: [2], window: [0, 1], channels: 1 },
      { shape: [2, 0], window: [0, 1], channels: 1 },
      { shape: [2, 2], window: [1, 1], channels: 1 },
      { shape: [2, 2], window: [0, 1], spacing: [1], channels: 1 },
      { shape: [2, 2], window: [0, 1], channels: 2 as 1 },
    ];
    for (const r of bad) expect(() => applyRecipe(vol, r), JSON.stringify(r)).toThrow(/applyRecipe: invalid/);
  });

  it('a real CT (example_ct.nii.gz) to 32x64x64 at the mediastinum window', async () => {
    const vol = await readNifti('/work/shared/data/ct-nifti/totalsegmentator/example_ct.nii.gz');
    const mediastinum = WINDOW_PRESETS.find((p) => p.name === 'mediastinum')!;
    const t0 = performance.now();
    const out = applyRecipe(vol, { shape: [32, 64, 64], window: windowBounds(mediastinum), channels: 1 });
    const ms = performance.now() - t0;
    expect(out.length).toBe(32 * 64 * 64);
    expect(out.reduce((a, b) => Math.min(a, b), Infinity)).toBe(0); // air (about -1000 HU) is below -125
    expect(out.reduce((a, b) => Math.max(a, b), -Infinity)).toBe(1); // bone is above 225
    expect(ms).toBeLessThan(2000);
  });
});

describe('windows and ranges', () => {
  it('presets are the DESIGN.md windows', () => {
    expect(WINDOW_PRESETS).toEqual([
      { name: 'lung', width: 1500, level: -600 },
      { name: 'mediastinum', width: 350, level: 50 },
      { name: 'bone', width: 2000, level: 500 },
      { name: 'brain', width: 80, level: 40 },
    ]);
    expect(WINDOW_PRESETS.map(windowBounds)).toEqual([[-1350, 150], [-125, 225], [-500, 1500], [0, 80]]);
  });

  it('volumeRange ignores NaN', () => {
    expect(volumeRange(volume([1, 1, 4], (_z, _y, x) => [3, NaN, -7, 2][x]))).toEqual([-7, 3]);
    expect(volumeRange(volume([1, 1, 1], () => NaN))).toEqual([0, 0]);
  });
});
