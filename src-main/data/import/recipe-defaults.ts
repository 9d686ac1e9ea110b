// Turns the user's preprocessing choices (--shape, --window, --spacing) and the facts of every case into
// the one Recipe of a data set. Pure: the defaults are a function of the cases, so the same sources and the
// same options always give the same recipe (which is what lets the cache key on the options alone).
//
// Defaults (documented in the README):
//  - shape: required when cases differ in size; otherwise their common size, where every axis above 128
//    becomes 64 for volumes (128 for 2D images) so that a default never builds a data set too big to train;
//  - window: HU -1000..400 when every case is in HU; otherwise the data set's own min..max;
//  - channels: 3 when any case is colour, else 1;
//  - spacing: none (the whole scan is resampled to the shape).

import type { CaseInfo, Recipe, SkippedFile } from './types';

export interface RecipeOptions {
  /** [H, W] or [D, H, W]. */
  shape?: number[];
  window?: [number, number];
  /** Target voxel size in mm, in the order of shape. */
  spacing?: number[];
  channels?: 1 | 3;
}

export const HU_DEFAULT_WINDOW: [number, number] = [-1000, 400];
const MAX_DEFAULT_AXIS = 128;

const dimsOfRank = (rank: number): 2 | 3 => (rank === 2 ? 2 : 3);
const x = (s: number[]) => s.join('x');

/** Throws an Error with a plain message when the options contradict themselves. */
export function checkRecipeOptions(o: RecipeOptions): void {
  if (o.shape && (o.shape.length < 2 || o.shape.length > 3 || !o.shape.every((n) => Number.isInteger(n) && n > 0))) {
    throw new Error(`--shape must be HxW or DxHxW with positive whole numbers, got ${x(o.shape)}`);
  }
  if (o.window && !(Number.isFinite(o.window[0]) && Number.isFinite(o.window[1]) && o.window[0] < o.window[1])) {
    throw new Error(`--window must be two numbers low,high with low < high, got ${o.window.join(',')}`);
  }
  if (o.spacing) {
    if (!o.shape) throw new Error('--spacing needs --shape: the scan is resampled to the spacing, then cropped or padded to the shape');
    if (o.spacing.length !== o.shape.length || !o.spacing.every((v) => Number.isFinite(v) && v > 0)) {
      throw new Error(`--spacing ${x(o.spacing)} must give ${o.shape.length} positive sizes in mm, in the order of --shape ${x(o.shape)}`);
    }
  }
  if (o.channels !== undefined && o.channels !== 1 && o.channels !== 3) throw new Error(`channels must be 1 or 3, got ${o.channels}`);
}

/**
 * The recipe when the options fix it without looking at the data (shape and window given): then the workers
 * can preprocess every case in the same read that inspects it. Channels are assumed grey (1) unless given;
 * the build checks the assumption against the cases afterwards.
 */
export function tentativeRecipe(o: RecipeOptions): Recipe | undefined {
  if (!o.shape || !o.window) return undefined;
  const r: Recipe = { shape: o.shape.slice(), window: [o.window[0], o.window[1]], channels: o.channels ?? 1 };
  if (o.spacing) r.spacing = o.spacing.slice();
  return r;
}

/** Why a case of `dims` cannot go through `recipe`, or undefined when it can. */
export function rankMismatch(recipe: Pick<Recipe, 'shape'>, dims: 2 | 3): string | undefined {
  const want = dimsOfRank(recipe.shape.length);
  if (want === dims) return undefined;
  return dims === 2
    ? `is a 2D image, but the data set's shape ${x(recipe.shape)} is a volume (DxHxW)`
    : `is a volume, but the data set's shape ${x(recipe.shape)} is a 2D image (HxW)`;
}

/** A case's size in the order of a recipe shape: [H, W] for 2D images, [D, H, W] for volumes. */
export const shapeOf = (c: Pick<CaseInfo, 'dims' | 'size'>): number[] => (c.dims === 2 ? [c.size[1], c.size[0]] : [c.size[2], c.size[1], c.size[0]]);

export function sameRecipe(a: Recipe, b: Recipe): boolean {
  return JSON.stringify([a.shape, a.window, a.spacing ?? null, a.channels]) === JSON.stringify([b.shape, b.window, b.spacing ?? null, b.channels]);
}

/**
 * The data set's recipe from the options and the readable cases. `excluded` lists cases whose rank does not
 * fit the chosen shape (2D images in a volume data set or the reverse); they are skipped, not resampled.
 * Throws when no recipe fits: mixed sizes without --shape, mixed 2D/3D without --shape.
 */
export function resolveRecipe(cases: CaseInfo[], o: RecipeOptions): { recipe: Recipe; notes: string[]; excluded: SkippedFile[] } {
  checkRecipeOptions(o);
  if (cases.length === 0) throw new Error('no readable case to build a data set from');
  const notes: string[] = [];
  let dims: 2 | 3;
  if (o.shape) dims = dimsOfRank(o.shape.length);
  else {
    const n2 = cases.filter((c) => c.dims === 2).length;
    if (n2 > 0 && n2 < cases.length) {
      throw new Error(`the data set mixes ${n2} 2D image(s) and ${cases.length - n2} volume(s); give --shape HxW or DxHxW (cases of the other kind are then skipped)`);
    }
    dims = n2 > 0 ? 2 : 3;
  }
  // Without --shape, mixed ranks have thrown above, so only a given shape can exclude cases.
  const excluded: SkippedFile[] = [];
  const kept = cases.filter((c) => {
    if (c.dims === dims) return true;
    excluded.push({ file: c.id, reason: rankMismatch({ shape: o.shape! }, c.dims)! });
    return false;
  });
  if (kept.length === 0) throw new Error(`--shape ${x(o.shape!)} is ${dims === 2 ? 'a 2D image (HxW)' : 'a volume (DxHxW)'}, but every case is ${dims === 2 ? 'a volume' : 'a 2D image'}`);

  let shape: number[];
  if (o.shape) shape = o.shape.slice();
  else {
    const sizes = new Map<string, string>();
    for (const c of kept) if (!sizes.has(x(shapeOf(c)))) sizes.set(x(shapeOf(c)), c.id);
    if (sizes.size > 1) {
      const examples = [...sizes].slice(0, 3).map(([s, id]) => `${id}: ${s}`).join(', ');
      throw new Error(`the cases differ in size (${examples}${sizes.size > 3 ? ', ...' : ''}, written ${dims === 2 ? 'HxW' : 'DxHxW'}); give --shape ${dims === 2 ? 'HxW' : 'DxHxW'}`);
    }
    const common = shapeOf(kept[0]);
    const cap = dims === 2 ? 128 : 64;
    shape = common.map((n) => (n > MAX_DEFAULT_AXIS ? cap : n));
    notes.push(
      shape.some((n, a) => n !== common[a])
        ? `shape ${x(shape)}: the cases' common size ${x(common)}, with every axis above ${MAX_DEFAULT_AXIS} reduced to ${cap} (give --shape to choose)`
        : `shape ${x(shape)}: the cases' common size`,
    );
  }

  let window: [number, number];
  if (o.window) window = [o.window[0], o.window[1]];
  else if (kept.every((c) => c.units === 'HU')) {
    window = [...HU_DEFAULT_WINDOW];
    notes.push(`window ${window.join('..')} HU: every case is in Hounsfield units`);
  } else {
    let lo = Infinity;
    let hi = -Infinity;
    for (const c of kept) {
      lo = Math.min(lo, c.range[0]);
      hi = Math.max(hi, c.range[1]);
    }
    // A constant data set would make the scale 0/0; widen it so every voxel maps to 0.
    if (!(hi > lo)) hi = lo + 1;
    window = [lo, hi];
    notes.push(`window ${lo}..${hi}: the data set's own value range (not every case is in HU; give --window to choose)`);
  }

  const channels: 1 | 3 = o.channels ?? (kept.some((c) => c.channels >= 3) ? 3 : 1);
  if (o.channels === undefined) notes.push(channels === 3 ? 'channels 3: some cases are colour (grey cases are repeated)' : 'channels 1: every case is grey');
  const recipe: Recipe = { shape, window, channels };
  if (o.spacing) recipe.spacing = o.spacing.slice();
  return { recipe, notes, excluded };
}
