// The run's train / validation / test split of a Dataset: seeded, stratified by class, group-aware where the
// data has groups, keeping official splits where the source defines them.

import seedrandom from 'seedrandom';
import type { Dataset, LabeledSplit, SplitDataset, SplitName } from '../engine/types';
import { groupedPartition, stratifiedPartition, stratifiedSubset, type Random } from './stratify';

export interface SplitOptions {
  seed: number;
  /** Fraction carved out for validation where the source has no val split (default 0.1). */
  valFraction?: number;
  /** Fraction carved out for testing where the source has no test split (default 0.2). */
  testFraction?: number;
  /** At most this many training samples, chosen stratified (fast experiments and tests). */
  limit?: number;
  /** At most this many validation samples, chosen stratified. */
  limitVal?: number;
  /** At most this many test samples, chosen stratified. */
  limitTest?: number;
}

export function sampleSize(ds: Pick<Dataset, 'spatialShape' | 'channels'>): number {
  return ds.spatialShape.reduce((a, b) => a * b, 1) * ds.channels;
}

/** The samples `indices` of a split, in that order, as a new split. */
export function selectSamples(split: LabeledSplit, indices: number[], size: number): LabeledSplit {
  const x = new Float32Array(indices.length * size);
  const y = new Int32Array(indices.length);
  indices.forEach((i, k) => {
    x.set(split.x.subarray(i * size, (i + 1) * size), k * size);
    y[k] = split.y[i];
  });
  const out: LabeledSplit = { x, y };
  if (split.groups) out.groups = indices.map((i) => split.groups![i]);
  return out;
}

function checkFraction(name: string, f: number): void {
  if (!(f >= 0 && f < 1)) throw new Error(`splitDataset: ${name} must be in [0, 1), got ${f}`);
}

function checkLimit(name: string, n: number | undefined): void {
  if (n !== undefined && !(Number.isInteger(n) && n > 0)) throw new Error(`splitDataset: ${name} must be a positive integer, got ${n}`);
}

function checkSplit(ds: Dataset, name: string, split: LabeledSplit, size: number): void {
  if (split.x.length !== split.y.length * size) {
    throw new Error(`${ds.name}: split '${name}' holds ${split.x.length} values for ${split.y.length} samples of ${size}`);
  }
  if (split.groups && split.groups.length !== split.y.length) {
    throw new Error(`${ds.name}: split '${name}' has ${split.groups.length} groups for ${split.y.length} samples`);
  }
}

const range = (n: number): number[] => Array.from({ length: n }, (_, i) => i);
const percent = (f: number): string => `${Math.round(f * 1000) / 10}%`;

/** Divides `pool` into the named parts (by fraction) and 'train' (the rest); describes what it did. */
function carve(
  pool: LabeledSplit,
  parts: { name: SplitName; fraction: number }[],
  size: number,
  random: Random,
): { splits: Partial<Record<SplitName, LabeledSplit>>; how: string } {
  const fractions = parts.map((p) => p.fraction);
  const all = range(pool.y.length);
  const indices = pool.groups
    ? groupedPartition(pool.y, pool.groups, all, fractions, random)
    : stratifiedPartition(pool.y, all, fractions, random);
  const splits: Partial<Record<SplitName, LabeledSplit>> = {};
  parts.forEach((p, k) => (splits[p.name] = selectSamples(pool, indices[k], size)));
  splits.train = selectSamples(pool, indices[parts.length], size);
  const targets = parts.map((p) => `${p.name} ${percent(p.fraction)}`).join(', ');
  const how = pool.groups
    ? `stratified by class and group-aware over ${new Set(pool.groups).size} groups (no group in two splits; ` +
      `groups stratified by majority label), targets ${targets}`
    : `stratified by class, targets ${targets}`;
  return { splits, how };
}

/**
 * Splits a data set into train / val / test. Official splits are kept; a missing val or test split is carved
 * from the training data (or from `all` for sources without splits). Same data and seed give the same split.
 */
export function splitDataset(ds: Dataset, opts: SplitOptions): SplitDataset {
  const valFraction = opts.valFraction ?? 0.1;
  const testFraction = opts.testFraction ?? 0.2;
  checkFraction('valFraction', valFraction);
  checkFraction('testFraction', testFraction);
  checkLimit('limit', opts.limit);
  checkLimit('limitVal', opts.limitVal);
  checkLimit('limitTest', opts.limitTest);
  if (!Number.isFinite(opts.seed)) throw new Error(`splitDataset: seed must be a number, got ${opts.seed}`);

  const size = sampleSize(ds);
  for (const [name, split] of Object.entries(ds.splits)) if (split) checkSplit(ds, name, split, size);

  const { all, train, val, test } = ds.splits;
  const pool = all ?? train;
  if (!pool) throw new Error(`${ds.name}: no samples (neither an 'all' nor a 'train' split)`);
  const carveRandom = seedrandom(`${opts.seed}:carve`);

  let splits: Record<SplitName, LabeledSplit>;
  const steps: string[] = [];
  if (all) {
    if (valFraction + testFraction >= 1) throw new Error('splitDataset: valFraction + testFraction must be below 1');
    const parts = [
      { name: 'test' as const, fraction: testFraction },
      { name: 'val' as const, fraction: valFraction },
    ];
    const carved = carve(all, parts, size, carveRandom);
    splits = carved.splits as Record<SplitName, LabeledSplit>;
    steps.push(`seeded split (seed ${opts.seed}) of ${all.y.length} samples, ${carved.how}`);
  } else {
    const missing: { name: SplitName; fraction: number }[] = [];
    if (!test) missing.push({ name: 'test', fraction: testFraction });
    if (!val) missing.push({ name: 'val', fraction: valFraction });
    const official = (['train', 'val', 'test'] as const).filter((s) => ds.splits[s]);
    if (missing.length === 0) {
      splits = { train: train!, val: val!, test: test! };
      steps.push('official train/val/test splits');
    } else {
      if (missing.reduce((s, m) => s + m.fraction, 0) >= 1) throw new Error('splitDataset: carved fractions must add up to below 1');
      const carved = carve(train!, missing, size, carveRandom);
      splits = { train: carved.splits.train!, val: val ?? carved.splits.val!, test: test ?? carved.splits.test! };
      const names = missing.map((m) => m.name).join(' and ');
      steps.push(`official ${official.join('/')} splits; ${names} carved from train (seed ${opts.seed}), ${carved.how}`);
    }
  }

  const limits: [SplitName, number | undefined][] = [
    ['train', opts.limit],
    ['val', opts.limitVal],
    ['test', opts.limitTest],
  ];
  for (const [name, limit] of limits) {
    const split = splits[name];
    if (limit === undefined || limit >= split.y.length) continue;
    const chosen = stratifiedSubset(split.y, range(split.y.length), limit, seedrandom(`${opts.seed}:limit-${name}`));
    steps.push(`${name} limited to ${chosen.length} of ${split.y.length} samples (stratified)`);
    splits[name] = selectSamples(split, chosen, size);
  }
  const counts = `train ${splits.train.y.length} / val ${splits.val.y.length} / test ${splits.test.y.length}`;

  const { splits: _source, ...rest } = ds;
  return { ...rest, splits, splitMethod: `${steps.join('; ')}: ${counts}` };
}
