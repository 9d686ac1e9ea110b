// Applies a preprocessing Recipe to a Volume: the one function that turns a raw scan into a model input, at
// dataset build and again at prediction time, so both see identical values.
//
// Steps, in this order:
//   1. colour -> grey by luminance (0.299 R + 0.587 G + 0.114 B) when the recipe wants 1 channel; first,
//      because it is linear (so it commutes with resampling) and makes the later steps 3x cheaper;
//   2. linear resampling (resample.ts, align-corners = false): with recipe.spacing, to that voxel size
//      (new size = round(size * spacing / target)) and then a centre crop or pad to recipe.shape, padding with
//      the window's low value (which maps to 0); without it, straight to recipe.shape;
//   3. clipping to recipe.window and scaling to 0..1 — after resampling, since interpolating clipped values
//      would blur edges that cross the window limits differently from interpolating the true values;
//   4. grey repeated into 3 channels when the recipe wants 3.
// Centring: when the sizes differ by an odd number, the extra voxel is cropped from (or padded at) the end.

import type { Recipe } from './import/types';
import { resampleSamples } from './resample';
import type { Volume } from './volume';

const LUMA = [0.299, 0.587, 0.114];

/** The number of values applyRecipe returns: prod(shape) * channels. */
export function recipeOutputSize(recipe: Recipe): number {
  return recipe.shape.reduce((a, b) => a * b, 1) * recipe.channels;
}

/** Output layout (D,)H,W,C with values in 0..1. */
export function applyRecipe(vol: Volume, recipe: Recipe): Float32Array {
  checkRecipe(recipe);
  const rank = recipe.shape.length;
  const [d, h, w] = vol.shape;
  if (vol.channels !== 1 && vol.channels !== 3) throw new Error(`applyRecipe: volumes with ${vol.channels} channels are not supported (1 or 3)`);
  if (vol.data.length !== d * h * w * vol.channels) {
    throw new Error(`applyRecipe: volume data holds ${vol.data.length} values, its shape ${d}x${h}x${w}x${vol.channels} needs ${d * h * w * vol.channels}`);
  }
  if (rank === 2 && d !== 1) {
    throw new Error(
      `applyRecipe: a 2D recipe (shape ${recipe.shape.join('x')}) cannot take a volume of ${d} slices; use a 3D recipe [D, H, W] for volumes`,
    );
  }
  // A 2D image under a 3D recipe is a volume of one slice (D = 1), resampled in D like any other axis.
  const inShape = rank === 2 ? [h, w] : [d, h, w];
  const inSpacing = rank === 2 ? vol.spacing.slice(1) : vol.spacing.slice();

  let x: Float32Array = vol.data;
  let channels = vol.channels;
  if (channels === 3 && recipe.channels === 1) {
    x = toGrey(x);
    channels = 1;
  }

  const [low, high] = recipe.window;
  let out: Float32Array;
  if (recipe.spacing) {
    const target = recipe.spacing;
    const scaled = inShape.map((n, a) => Math.max(1, Math.round((n * inSpacing[a]) / target[a])));
    const resampled = resampleSamples(x, 1, inShape, channels, scaled);
    out = centreCropOrPad(resampled, scaled, channels, recipe.shape, low);
  } else {
    out = resampleSamples(x, 1, inShape, channels, recipe.shape);
  }
  // resampleSamples always returns a new array, so `out` can be changed in place.
  applyWindow(out, low, high);
  return channels === 1 && recipe.channels === 3 ? repeatGrey(out) : out;
}

function checkRecipe(recipe: Recipe): void {
  const { shape, window, spacing, channels } = recipe;
  if ((shape.length !== 2 && shape.length !== 3) || !shape.every((n) => Number.isInteger(n) && n > 0)) {
    throw new Error(`applyRecipe: invalid shape [${shape.join(', ')}] (expected [H, W] or [D, H, W] of positive integers)`);
  }
  if (!(Number.isFinite(window[0]) && Number.isFinite(window[1]) && window[1] > window[0])) {
    throw new Error(`applyRecipe: invalid window [${window.join(', ')}] (low must be below high)`);
  }
  if (spacing && (spacing.length !== shape.length || !spacing.every((s) => Number.isFinite(s) && s > 0))) {
    throw new Error(`applyRecipe: invalid spacing [${spacing.join(', ')}] (one positive value per axis of shape [${shape.join(', ')}])`);
  }
  if (channels !== 1 && channels !== 3) throw new Error(`applyRecipe: invalid channels ${channels} (1 or 3)`);
}

function toGrey(rgb: Float32Array): Float32Array {
  const n = rgb.length / 3;
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = LUMA[0] * rgb[3 * i] + LUMA[1] * rgb[3 * i + 1] + LUMA[2] * rgb[3 * i + 2];
  return out;
}

function repeatGrey(grey: Float32Array): Float32Array {
  const out = new Float32Array(grey.length * 3);
  for (let i = 0; i < grey.length; i++) out[3 * i] = out[3 * i + 1] = out[3 * i + 2] = grey[i];
  return out;
}

/** Clips to [low, high] and maps it to [0, 1]. NaN (possible in float NIfTI) becomes 0, like the low value. */
function applyWindow(x: Float32Array, low: number, high: number): void {
  const scale = 1 / (high - low);
  for (let i = 0; i < x.length; i++) {
    const v = x[i];
    x[i] = v > low ? (v < high ? (v - low) * scale : 1) : 0;
  }
}

/**
 * Cuts the centre of `x` (spatial shape `shape`, rank 2 or 3) to `outShape`, or pads it with `fill`, per axis:
 * output index i reads input index i + trunc((in - out) / 2), so an odd extra voxel is cropped from, or
 * padded at, the end either way.
 */
export function centreCropOrPad(x: Float32Array, shape: number[], channels: number, outShape: number[], fill: number): Float32Array {
  if (shape.every((n, a) => n === outShape[a])) return x;
  const [inD, inH, inW] = shape.length === 3 ? shape : [1, ...shape];
  const [outD, outH, outW] = outShape.length === 3 ? outShape : [1, ...outShape];
  const offset = [inD - outD, inH - outH, inW - outW].map((diff) => Math.trunc(diff / 2));
  const out = new Float32Array(outD * outH * outW * channels).fill(fill);
  // Along W the overlap of input and output is one contiguous run per row: copy it with subarray/set.
  const w0 = Math.max(0, -offset[2]);
  const w1 = Math.min(outW, inW - offset[2]);
  if (w1 <= w0) return out;
  for (let z = 0; z < outD; z++) {
    const sz = z + offset[0];
    if (sz < 0 || sz >= inD) continue;
    for (let y = 0; y < outH; y++) {
      const sy = y + offset[1];
      if (sy < 0 || sy >= inH) continue;
      const src = ((sz * inH + sy) * inW + w0 + offset[2]) * channels;
      out.set(x.subarray(src, src + (w1 - w0) * channels), ((z * outH + y) * outW + w0) * channels);
    }
  }
  return out;
}

/** Smallest and largest value, NaN ignored; [0, 0] when there is none. */
export function valueRange(data: ArrayLike<number>, from = 0, to = data.length): [number, number] {
  let min = Infinity;
  let max = -Infinity;
  for (let i = from; i < to; i++) {
    const v = data[i];
    if (v < min) min = v;
    if (v > max) max = v;
  }
  return min <= max ? [min, max] : [0, 0];
}

/** Smallest and largest voxel value, NaN ignored; [0, 0] for a volume without numbers. */
export function volumeRange(vol: Volume): [number, number] {
  return valueRange(vol.data);
}
