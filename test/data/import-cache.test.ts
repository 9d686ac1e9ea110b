// The import cache: reused without reading any image when nothing changed, rebuilt when a file or the recipe
// changes, never left half-built; and order-independent: the same series under shuffled, renamed file names
// (and its JPEG 2000 original) gives the same cached sample.
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildImportCache, type BuildResult } from '../../src-main/data/import/build';
import { forkImportWorker, type ImportWorkerLauncher } from '../../src-main/data/import/worker-pool';
import { loadImportedDataset } from '../../src-main/data/import/imported-dataset';
import type { ImportManifest } from '../../src-main/data/import/import-manifest';
import { DICOM_20_J2K, DICOM_20_RAW, DICOM_GE_3, NIFTI_CT_SM, NIFTI_HEAD, checksumTree, copy, removeTempDirs, sliceFiles, tempDir } from '../helpers/import-fixtures';

afterAll(removeTempDirs);

/** The forking launcher, counting the worker processes it starts. */
function countingLauncher(): { launcher: ImportWorkerLauncher; count: () => number } {
  let n = 0;
  return {
    launcher: () => {
      n++;
      return forkImportWorker();
    },
    count: () => n,
  };
}

function sampleOf(built: BuildResult, id: string): Float32Array {
  const c = built.manifest.cases.find((k) => k.id === id);
  if (!c) throw new Error(`no case ${id}`);
  const m: ImportManifest = built.manifest;
  const bytes = fs.readFileSync(path.join(built.dir, m.shards[c.shard].file));
  return new Float32Array(bytes.buffer.slice(bytes.byteOffset + c.index * m.sampleValues * 4, bytes.byteOffset + (c.index + 1) * m.sampleValues * 4));
}

describe('cache reuse and rebuild', () => {
  let src: string;
  let cacheRoot: string;
  let first: BuildResult;
  const options = { shape: [8, 16, 16], window: [-1000, 400] as [number, number] };
  beforeAll(async () => {
    src = path.join(tempDir(), 'scans');
    copy(DICOM_GE_3, path.join(src, 'chest/ge a'));
    copy(DICOM_GE_3, path.join(src, 'chest/ge b'));
    copy(NIFTI_HEAD, path.join(src, 'head/head.nii.gz'));
    copy(NIFTI_CT_SM, path.join(src, 'head/sm.nii.gz'));
    cacheRoot = path.join(tempDir(), 'datasets');
    first = await buildImportCache(src, options, { cacheRoot, workers: 2 });
  });

  it('reuses an unchanged cache without starting a single worker', async () => {
    expect(first.reused).toBe(false);
    const counting = countingLauncher();
    const t = performance.now();
    const again = await buildImportCache(src, options, { cacheRoot, workers: 2, launcher: counting.launcher });
    const seconds = (performance.now() - t) / 1000;
    expect(again.reused).toBe(true);
    expect(counting.count()).toBe(0);
    expect(again.dir).toBe(first.dir);
    expect(again.manifest.createdAt).toBe(first.manifest.createdAt);
    expect(seconds).toBeLessThan(1);
    // The cache serves as a Dataset: four cases, two classes, named after the source folder.
    const ds = loadImportedDataset(again.dir);
    expect(ds).toMatchObject({ name: 'scans', spatialShape: [8, 16, 16], channels: 1, classes: ['chest', 'head'], source: src });
    expect(Array.from(ds.splits.all!.y)).toEqual([0, 0, 1, 1]);
  });

  it('rebuilds when a file is touched or the recipe changes', async () => {
    const counting = countingLauncher();
    const file = path.join(src, 'head/head.nii.gz');
    const later = new Date(fs.statSync(file).mtimeMs + 60_000);
    fs.utimesSync(file, later, later);
    const touched = await buildImportCache(src, options, { cacheRoot, workers: 2, launcher: counting.launcher });
    expect(touched.reused).toBe(false);
    expect(counting.count()).toBeGreaterThan(0);
    expect(touched.dir).not.toBe(first.dir);
    expect(touched.manifest.fingerprint).not.toBe(first.manifest.fingerprint);
    // Same bytes, same recipe: the same samples.
    expect(sampleOf(touched, 'head/head.nii.gz')).toEqual(sampleOf(first, 'head/head.nii.gz'));

    const windowed = await buildImportCache(src, { ...options, window: [-200, 200] }, { cacheRoot, workers: 2 });
    expect(windowed.reused).toBe(false);
    expect(windowed.dir).not.toBe(touched.dir);
    expect(windowed.manifest.recipe.window).toEqual([-200, 200]);
    expect(sampleOf(windowed, 'chest/ge a')).not.toEqual(sampleOf(touched, 'chest/ge a'));
  });

  it('gives the same samples in two reads (default window) as in one (window given)', async () => {
    // The head CT is in raw scanner units, not HU, so the default window is the data set's own range.
    const twoReads = await buildImportCache(src, { shape: options.shape }, { cacheRoot, workers: 2 });
    expect(twoReads.manifest.stats.reads).toBe(2);
    const ranges = twoReads.manifest.cases.map((c) => c.range);
    const window: [number, number] = [Math.min(...ranges.map((r) => r[0])), Math.max(...ranges.map((r) => r[1]))];
    expect(window[1]).toBe(3926); // vtk_headsq_int16's maximum (ct-nifti/README.md)
    expect(twoReads.manifest.recipe.window).toEqual(window);
    expect(twoReads.manifest.recipeNotes.join('\n')).toMatch(/the data set's own value range/);
    const oneRead = await buildImportCache(src, { ...options, window }, { cacheRoot, workers: 2 });
    expect(oneRead.manifest.stats.reads).toBe(1);
    for (const c of oneRead.manifest.cases) expect(sampleOf(twoReads, c.id)).toEqual(sampleOf(oneRead, c.id));
  });

  it('never leaves a half-built cache: a build that fails leaves no new folder', async () => {
    const before = fs.readdirSync(cacheRoot).sort();
    // Workers that cannot start (here: they exit at once) make the build fail.
    const dead: ImportWorkerLauncher = () => {
      const w = forkImportWorker();
      w.kill();
      return w;
    };
    const file = path.join(src, 'chest/ge a', fs.readdirSync(path.join(src, 'chest/ge a'))[0]);
    const later = new Date(fs.statSync(file).mtimeMs + 120_000);
    fs.utimesSync(file, later, later);
    await expect(buildImportCache(src, options, { cacheRoot, workers: 2, launcher: dead })).rejects.toThrow(/import workers cannot start/);
    expect(fs.readdirSync(cacheRoot).sort()).toEqual(before);
  });
});

describe('order independence through the pipeline', () => {
  it('gives the same cached sample for a series under shuffled, renamed file names and for its JPEG 2000 original', async () => {
    const src = path.join(tempDir(), 'order');
    copy(DICOM_20_RAW, path.join(src, 'ct/original'));
    // The same slices under names that sort in a shuffled order (and no longer say anything about position).
    const files = sliceFiles(DICOM_20_RAW);
    const order = [13, 2, 19, 7, 0, 11, 5, 17, 3, 9, 15, 1, 18, 6, 12, 4, 16, 10, 8, 14];
    files.forEach((f, i) => copy(f, path.join(src, 'ct/shuffled', `image ${String(order[i]).padStart(2, '0')}.dcm`)));
    copy(DICOM_20_J2K, path.join(src, 'ct/jpeg2000'));
    copy(DICOM_GE_3, path.join(src, 'other/ge'));
    const before = checksumTree(src);
    const built = await buildImportCache(src, { shape: [20, 64, 64], window: [-1024, 1839] }, { cacheRoot: path.join(tempDir(), 'datasets'), workers: 2 });
    const original = sampleOf(built, 'ct/original');
    expect(original.length).toBe(20 * 64 * 64);
    // Not a blank volume: a real CT covers much of the window.
    expect(Math.max(...original) - Math.min(...original)).toBeGreaterThan(0.5);
    expect(sampleOf(built, 'ct/shuffled')).toEqual(original);
    expect(sampleOf(built, 'ct/jpeg2000')).toEqual(original);
    expect(checksumTree(src)).toEqual(before);
  });
});
