// The dataset cache: round trip, crops equal to cropping in memory, sample reads, fingerprints, and clear
// errors for damaged caches.
import { mkdtempSync, readFileSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { Box, SplitDataset, SplitName } from '../../src-main/engine/types';
import {
  datasetFingerprint,
  readCachedSamples,
  readCachedSplit,
  readCacheManifest,
  writeDatasetCache,
} from '../../src-main/data/cache';
import { cropSamples } from '../../src-main/data/crop';

const root = mkdtempSync(join(tmpdir(), 'ddcnn-cache-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

function makeDataset(spatialShape: number[], channels: number, counts: Record<SplitName, number>): SplitDataset {
  const size = spatialShape.reduce((a, b) => a * b, 1) * channels;
  let next = 0;
  const split = (n: number, withGroups: boolean) => ({
    x: Float32Array.from({ length: n * size }, () => (next++ % 9973) / 9973),
    y: Int32Array.from({ length: n }, (_, i) => i % 2),
    ...(withGroups ? { groups: Array.from({ length: n }, (_, i) => `g${i >> 1}`) } : {}),
  });
  return {
    name: 'synthetic',
    spatialShape,
    channels,
    classes: ['neg', 'pos'],
    source: 'synthetic:cache-test',
    citation: 'nobody, 2024',
    splitMethod: 'test split',
    splits: { train: split(counts.train, true), val: split(counts.val, false), test: split(counts.test, false) },
  };
}

/** Crop of channel-last samples, element by element: the reference for the streaming reader. */
function naiveCrop(x: Float32Array, n: number, shape: number[], channels: number, box: Box): number[] {
  const out: number[] = [];
  const size = shape.reduce((a, b) => a * b, 1) * channels;
  const rec = (s: number, axis: number, offset: number): void => {
    if (axis === shape.length) {
      for (let c = 0; c < channels; c++) out.push(x[s * size + offset * channels + c]);
      return;
    }
    for (let i = box.start[axis]; i < box.end[axis]; i++) rec(s, axis + 1, offset * shape[axis] + i);
  };
  for (let s = 0; s < n; s++) rec(s, 0, 0);
  return out;
}

/** Index of the first difference (-1 if none): toEqual on a million-element array takes seconds. */
function firstDifference(actual: ArrayLike<number>, expected: ArrayLike<number>): number {
  if (actual.length !== expected.length) return Math.min(actual.length, expected.length);
  for (let i = 0; i < actual.length; i++) if (actual[i] !== expected[i]) return i;
  return -1;
}

describe('dataset cache round trip', () => {
  const ds3 = makeDataset([6, 5, 7], 2, { train: 13, val: 3, test: 4 });
  const dir3 = join(root, 'volumes');

  it('writes a manifest and binary files, and reads whole splits back', async () => {
    const manifest = await writeDatasetCache(dir3, ds3, { seed: 4, shape: [6, 5, 7] });
    expect(manifest.fingerprint).toMatch(/^[0-9a-f]{64}$/);
    const read = readCacheManifest(dir3);
    expect(read).toEqual(manifest);
    expect(read.spatialShape).toEqual([6, 5, 7]);
    expect(read.channels).toBe(2);
    expect(read.classes).toEqual(['neg', 'pos']);
    expect(read.citation).toBe('nobody, 2024');
    expect(read.splitMethod).toBe('test split');
    expect(read.splits.train.groups).toEqual(ds3.splits.train.groups);
    expect(read.splits.val.groups).toBeUndefined();
    expect(read.splits.test.labels).toEqual(Array.from(ds3.splits.test.y));
    expect(readFileSync(join(dir3, read.splits.train.file)).length).toBe(13 * 6 * 5 * 7 * 2 * 4);

    for (const name of ['train', 'val', 'test'] as const) {
      const s = readCachedSplit(dir3, name);
      expect(s.n).toBe(ds3.splits[name].y.length);
      expect(s.shape).toEqual([6, 5, 7]);
      expect(s.channels).toBe(2);
      expect(s.x).toEqual(ds3.splits[name].x);
      expect(s.y).toEqual(ds3.splits[name].y);
    }
  });

  it('reads crops equal to cropping in memory, for interior, border and full-row boxes', () => {
    const boxes: Box[] = [
      { start: [1, 1, 2], end: [4, 3, 6] },
      { start: [0, 0, 0], end: [6, 5, 1] },
      { start: [5, 4, 6], end: [6, 5, 7] },
      { start: [2, 0, 0], end: [4, 5, 7] },
      { start: [0, 2, 0], end: [6, 4, 7] },
    ];
    for (const box of boxes) {
      const s = readCachedSplit(dir3, 'train', box);
      expect(s.shape).toEqual(box.end.map((e, a) => e - box.start[a]));
      const expected = naiveCrop(ds3.splits.train.x, 13, [6, 5, 7], 2, box);
      expect(firstDifference(s.x, expected)).toBe(-1);
      expect(firstDifference(cropSamples(ds3.splits.train.x, 13, [6, 5, 7], 2, box), expected)).toBe(-1);
    }
  });

  it('streams files larger than one read chunk', async () => {
    // 2D, 3 channels, 64 KB per sample: 200 samples span two 8 MB chunks.
    const ds = makeDataset([64, 84], 3, { train: 200, val: 1, test: 1 });
    const dir = join(root, 'images');
    await writeDatasetCache(dir, ds, {});
    const box = { start: [10, 3], end: [40, 80] };
    const s = readCachedSplit(dir, 'train', box);
    expect(s.n).toBe(200);
    expect(s.shape).toEqual([30, 77]);
    expect(s.channels).toBe(3);
    expect(firstDifference(s.x, naiveCrop(ds.splits.train.x, 200, [64, 84], 3, box))).toBe(-1);
  });

  it('reads single samples by index', () => {
    const s = readCachedSamples(dir3, 'test', [3, 0]);
    const size = 6 * 5 * 7 * 2;
    expect(s.n).toBe(2);
    expect(s.shape).toEqual([6, 5, 7]);
    expect(s.x.subarray(0, size)).toEqual(ds3.splits.test.x.subarray(3 * size, 4 * size));
    expect(s.x.subarray(size)).toEqual(ds3.splits.test.x.subarray(0, size));
    expect(Array.from(s.y)).toEqual([ds3.splits.test.y[3], ds3.splits.test.y[0]]);
    expect(() => readCachedSamples(dir3, 'test', [4])).toThrow(/out of range/);
  });

  it('rejects boxes that do not fit the data', () => {
    expect(() => readCachedSplit(dir3, 'train', { start: [0, 0], end: [2, 2] })).toThrow(/rank/);
    expect(() => readCachedSplit(dir3, 'train', { start: [0, 0, 0], end: [7, 5, 7] })).toThrow(/does not fit/);
    expect(() => readCachedSplit(dir3, 'train', { start: [2, 0, 0], end: [2, 5, 7] })).toThrow(/does not fit/);
  });
});

describe('fingerprint', () => {
  const ds = makeDataset([4, 4], 1, { train: 4, val: 2, test: 2 });

  it('depends on the source and the options, not on the order of option keys', async () => {
    const a = await datasetFingerprint(ds, { seed: 1, limit: 10 });
    expect(await datasetFingerprint(ds, { limit: 10, seed: 1 })).toBe(a);
    expect(await datasetFingerprint(ds, { seed: 2, limit: 10 })).not.toBe(a);
    expect(await datasetFingerprint({ ...ds, source: 'other' }, { seed: 1, limit: 10 })).not.toBe(a);
    expect(await datasetFingerprint({ ...ds, spatialShape: [2, 8] }, { seed: 1, limit: 10 })).not.toBe(a);
  });

  it('hashes the bytes of a source file, so editing the file changes it', async () => {
    const file = join(root, 'source.bin');
    writeFileSync(file, 'version one');
    const a = await datasetFingerprint({ ...ds, source: file }, {});
    writeFileSync(file, 'version two');
    expect(await datasetFingerprint({ ...ds, source: file }, {})).not.toBe(a);
  });
});

describe('damaged caches fail with an error naming the file', () => {
  async function freshCache(name: string): Promise<string> {
    const dir = join(root, name);
    await writeDatasetCache(dir, makeDataset([3, 3], 1, { train: 4, val: 2, test: 2 }), {});
    return dir;
  }

  it('missing manifest', () => {
    const dir = join(root, 'nothing-here');
    expect(() => readCacheManifest(dir)).toThrow(`${join(dir, 'manifest.json')}: not found`);
  });

  it('manifest that is not JSON', async () => {
    const dir = await freshCache('bad-json');
    writeFileSync(join(dir, 'manifest.json'), '{ "schemaVersion": 1,');
    expect(() => readCachedSplit(dir, 'train')).toThrow(`${join(dir, 'manifest.json')}: not valid JSON`);
  });

  it('manifest that fails the schema', async () => {
    const dir = await freshCache('bad-schema');
    const manifest = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8'));
    manifest.splits.train.labels.pop();
    delete manifest.channels;
    writeFileSync(join(dir, 'manifest.json'), JSON.stringify(manifest));
    expect(() => readCacheManifest(dir)).toThrow(/manifest\.json: invalid dataset cache manifest: .*channels.*splits\.train/);
  });

  it('truncated split file', async () => {
    const dir = await freshCache('truncated');
    truncateSync(join(dir, 'train.f32'), 20);
    expect(() => readCachedSplit(dir, 'train')).toThrow(`${join(dir, 'train.f32')}: truncated`);
  });

  it('missing split file', async () => {
    const dir = await freshCache('missing-split');
    rmSync(join(dir, 'val.f32'));
    expect(() => readCachedSamples(dir, 'val', [0])).toThrow(`${join(dir, 'val.f32')}: not found`);
  });
});
