// An import cache as the engine's Dataset: every preprocessed sample with its label, the CSV's groups (so
// that the run's split keeps each patient in one split) and the CSV's fixed splits when every case has one.

import { basename } from 'node:path';
import type { Dataset, LabeledSplit, SplitName } from '../../engine/types';
import { DataFileError } from '../errors';
import { readImportManifest, type ImportManifest } from './import-manifest';
import { readShards } from './shards';

/** The data set's name: the source folder's (or CSV's) name. */
export function importedName(manifest: Pick<ImportManifest, 'source'>): string {
  return basename(manifest.source).replace(/\.csv$/i, '');
}

export function loadImportedDataset(cacheDir: string): Dataset {
  const m = readImportManifest(cacheDir);
  const size = m.sampleValues;
  const x = readShards(cacheDir, m.shards, size);
  // Cases lie in the shards in manifest order; the position is checked, not assumed.
  const positions = m.cases.map((c) => m.shards.slice(0, c.shard).reduce((s, sh) => s + sh.samples, 0) + c.index);
  if (positions.some((p, k) => p !== k)) throw new DataFileError(cacheDir, 'import cache manifest: cases are not in shard order');

  // A case without a group of its own is its own group, so a partly grouped CSV still splits group-aware.
  const hasGroups = m.cases.some((c) => c.group !== undefined);
  const groupOf = (c: ImportManifest['cases'][number]) => c.group ?? `case:${c.id}`;
  const pick = (indices: number[]): LabeledSplit => {
    const xs = new Float32Array(indices.length * size);
    indices.forEach((i, k) => xs.set(x.subarray(i * size, (i + 1) * size), k * size));
    const split: LabeledSplit = { x: xs, y: Int32Array.from(indices, (i) => m.cases[i].label) };
    if (hasGroups) split.groups = indices.map((i) => groupOf(m.cases[i]));
    return split;
  };

  const splits: Dataset['splits'] = {};
  const all = m.cases.map((_, i) => i);
  if (m.cases.every((c) => c.split !== undefined)) {
    for (const name of ['train', 'val', 'test'] as SplitName[]) {
      const idx = all.filter((i) => m.cases[i].split === name);
      if (idx.length > 0) splits[name] = pick(idx);
    }
    if (!splits.train) throw new DataFileError(m.source, 'the CSV gives every case a split but none is train');
  } else {
    const split: LabeledSplit = { x, y: Int32Array.from(m.cases, (c) => c.label) };
    if (hasGroups) split.groups = m.cases.map(groupOf);
    splits.all = split;
  }
  return {
    name: importedName(m),
    spatialShape: m.recipe.shape.slice(),
    channels: m.recipe.channels,
    classes: m.classes.slice(),
    source: m.source,
    splits,
  };
}
