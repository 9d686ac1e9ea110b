// The run's split: seeded, stratified, group-aware, official splits kept, limits stratified.
import { describe, expect, it } from 'vitest';
import type { Dataset, LabeledSplit, SplitDataset, SplitName } from '../../src-main/engine/types';
import { splitDataset } from '../../src-main/data/split';
import { classQuotas } from '../../src-main/data/stratify';

const SPLITS: SplitName[] = ['train', 'val', 'test'];

/** n samples of 2x2 pixels; sample i holds the value i in every pixel, so its identity survives the split. */
function makeSplit(labels: number[], groups?: string[]): LabeledSplit {
  const x = new Float32Array(labels.length * 4);
  labels.forEach((_, i) => x.fill(i, i * 4, i * 4 + 4));
  const split: LabeledSplit = { x, y: Int32Array.from(labels) };
  if (groups) split.groups = groups;
  return split;
}

function makeDataset(splits: Dataset['splits'], classes = 2): Dataset {
  return {
    name: 'synthetic',
    spatialShape: [2, 2],
    channels: 1,
    classes: Array.from({ length: classes }, (_, c) => `class ${c}`),
    source: 'synthetic',
    splits,
  };
}

/** The ids (original indices) of a split's samples, read back from their pixels. */
const ids = (split: LabeledSplit): number[] => Array.from({ length: split.y.length }, (_, i) => split.x[i * 4]);

function count(split: LabeledSplit, c: number): number {
  return split.y.filter((y) => y === c).length;
}

// 300 samples, classes 0/1/2 in proportion 6:3:1.
const labels300 = Array.from({ length: 300 }, (_, i) => (i % 10 < 6 ? 0 : i % 10 < 9 ? 1 : 2));

describe('splitDataset without official splits', () => {
  const ds = makeDataset({ all: makeSplit(labels300) }, 3);

  it('is a partition of the samples, stratified by class', () => {
    const s = splitDataset(ds, { seed: 1 });
    const all = SPLITS.flatMap((n) => ids(s.splits[n])).sort((a, b) => a - b);
    expect(all).toEqual(Array.from({ length: 300 }, (_, i) => i));
    // Class sizes 180 / 90 / 30: each class gives 20% to test and 10% to val.
    expect([0, 1, 2].map((c) => count(s.splits.test, c))).toEqual([36, 18, 6]);
    expect([0, 1, 2].map((c) => count(s.splits.val, c))).toEqual([18, 9, 3]);
    expect([0, 1, 2].map((c) => count(s.splits.train, c))).toEqual([126, 63, 21]);
    // Labels travel with their samples.
    for (const n of SPLITS) ids(s.splits[n]).forEach((id, k) => expect(s.splits[n].y[k]).toBe(labels300[id]));
    expect(s.splitMethod).toMatch(/seed 1/);
    expect(s.splitMethod).toMatch(/stratified by class/);
    expect(s.splitMethod).toMatch(/train 210 \/ val 30 \/ test 60/);
  });

  it('gives the same split for the same seed and a different one for another seed', () => {
    const a = splitDataset(ds, { seed: 5 });
    const b = splitDataset(ds, { seed: 5 });
    const c = splitDataset(ds, { seed: 6 });
    for (const n of SPLITS) {
      expect(ids(a.splits[n])).toEqual(ids(b.splits[n]));
      expect(a.splits[n].x).toEqual(b.splits[n].x);
    }
    expect(ids(a.splits.test)).not.toEqual(ids(c.splits.test));
  });

  it('honours valFraction and testFraction', () => {
    const s = splitDataset(ds, { seed: 2, valFraction: 0.2, testFraction: 0.5 });
    expect(s.splits.test.y.length).toBe(150);
    expect(s.splits.val.y.length).toBe(60);
    expect(s.splits.train.y.length).toBe(90);
  });

  it('limits train, val and test to stratified subsets, leaving the carve unchanged', () => {
    const full = splitDataset(ds, { seed: 3 });
    const s = splitDataset(ds, { seed: 3, limit: 20, limitTest: 10, limitVal: 5 });
    expect(s.splits.train.y.length).toBe(20);
    expect(s.splits.test.y.length).toBe(10);
    expect(s.splits.val.y.length).toBe(5);
    expect([0, 1, 2].map((c) => count(s.splits.train, c))).toEqual([12, 6, 2]);
    expect([0, 1, 2].map((c) => count(s.splits.test, c))).toEqual([6, 3, 1]);
    // Limited sets are subsets of the unlimited ones: the limit does not move samples between splits.
    for (const n of SPLITS) {
      const allowed = new Set(ids(full.splits[n]));
      for (const id of ids(s.splits[n])) expect(allowed.has(id)).toBe(true);
    }
    expect(s.splitMethod).toMatch(/train limited to 20 of 210 samples/);
    // A limit at or above the size changes nothing.
    expect(splitDataset(ds, { seed: 3, limit: 1000 }).splits.train.y.length).toBe(210);
  });

  it('rejects bad options', () => {
    expect(() => splitDataset(ds, { seed: 1, valFraction: 1.2 })).toThrow(/valFraction/);
    expect(() => splitDataset(ds, { seed: 1, valFraction: 0.5, testFraction: 0.5 })).toThrow(/below 1/);
    expect(() => splitDataset(ds, { seed: 1, limit: 0 })).toThrow(/limit/);
    expect(() => splitDataset(ds, { seed: 1, limitTest: 2.5 })).toThrow(/limitTest/);
  });
});

describe('group-aware splitDataset', () => {
  // 120 groups of 1..4 samples each; a group's samples mostly share its label, some groups are mixed.
  const labels: number[] = [];
  const groups: string[] = [];
  for (let g = 0; g < 120; g++) {
    const size = 1 + (g % 4);
    for (let k = 0; k < size; k++) {
      labels.push(g % 3 === 0 ? (k === 3 ? 0 : 1) : 0);
      groups.push(`patient-${g}`);
    }
  }
  const ds = makeDataset({ all: makeSplit(labels, groups) });

  function groupOwners(s: SplitDataset): Map<string, SplitName> {
    const owner = new Map<string, SplitName>();
    for (const n of SPLITS) {
      for (const g of s.splits[n].groups!) {
        expect(owner.get(g) ?? n, `group ${g} is in two splits`).toBe(n);
        owner.set(g, n);
      }
    }
    return owner;
  }

  it('never puts a group in two splits, for many seeds', () => {
    for (let seed = 0; seed < 10; seed++) {
      const s = splitDataset(ds, { seed });
      expect(groupOwners(s).size).toBe(120);
      expect(SPLITS.reduce((n, name) => n + s.splits[name].y.length, 0)).toBe(labels.length);
    }
  });

  it('keeps the fractions and both classes in every split', () => {
    const s = splitDataset(ds, { seed: 4 });
    const n = labels.length;
    expect(Math.abs(s.splits.test.y.length - 0.2 * n)).toBeLessThanOrEqual(4);
    expect(Math.abs(s.splits.val.y.length - 0.1 * n)).toBeLessThanOrEqual(4);
    for (const name of SPLITS) expect(new Set(s.splits[name].y).size).toBe(2);
    expect(s.splitMethod).toMatch(/group-aware over 120 groups/);
  });

  it('is deterministic', () => {
    const a = splitDataset(ds, { seed: 9 });
    const b = splitDataset(ds, { seed: 9 });
    for (const n of SPLITS) expect(a.splits[n].groups).toEqual(b.splits[n].groups);
  });

  it('does not depend on the order of the samples in the file', () => {
    const order = labels.map((_, i) => i).reverse();
    const reversed = makeDataset({
      all: makeSplit(
        order.map((i) => labels[i]),
        order.map((i) => groups[i]),
      ),
    });
    const a = splitDataset(ds, { seed: 2 });
    const b = splitDataset(reversed, { seed: 2 });
    for (const n of SPLITS) expect(new Set(a.splits[n].groups)).toEqual(new Set(b.splits[n].groups));
  });
});

describe('splitDataset with official splits', () => {
  const train = makeSplit(labels300.slice(0, 200));
  const val = makeSplit(labels300.slice(200, 240));
  const test = makeSplit(labels300.slice(240));

  it('keeps official train/val/test as they are', () => {
    const s = splitDataset(makeDataset({ train, val, test }, 3), { seed: 1 });
    expect(s.splits.train).toBe(train);
    expect(s.splits.val).toBe(val);
    expect(s.splits.test).toBe(test);
    expect(s.splitMethod).toBe('official train/val/test splits: train 200 / val 40 / test 60');
  });

  it('carves val from train, stratified, when the source has none', () => {
    const s = splitDataset(makeDataset({ train, test }, 3), { seed: 1 });
    expect(s.splits.test).toBe(test);
    expect(s.splits.val.y.length).toBe(20);
    expect(s.splits.train.y.length).toBe(180);
    expect([0, 1, 2].map((c) => count(s.splits.val, c))).toEqual([12, 6, 2]);
    const trainIds = new Set(ids(s.splits.train));
    for (const id of ids(s.splits.val)) expect(trainIds.has(id)).toBe(false);
    expect(s.splitMethod).toMatch(/^official train\/test splits; val carved from train/);
  });

  it('carves test from train when the source has train and val only', () => {
    const s = splitDataset(makeDataset({ train, val }, 3), { seed: 1 });
    expect(s.splits.val).toBe(val);
    expect(s.splits.test.y.length).toBe(40);
    expect(s.splits.train.y.length).toBe(160);
    expect(s.splitMethod).toMatch(/^official train\/val splits; test carved from train/);
  });

  it('limits official splits too', () => {
    const s = splitDataset(makeDataset({ train, val, test }, 3), { seed: 1, limit: 10, limitTest: 7 });
    expect(s.splits.train.y.length).toBe(10);
    expect(s.splits.test.y.length).toBe(7);
    expect(s.splits.val).toBe(val);
  });
});

describe('classQuotas', () => {
  it('is proportional and keeps every class present when it can', () => {
    expect(classQuotas([90, 10], 10)).toEqual([9, 1]);
    expect(classQuotas([98, 1, 1], 10)).toEqual([8, 1, 1]);
    expect(classQuotas([5, 5], 20)).toEqual([5, 5]);
    expect(classQuotas([3, 3, 3], 2)).toEqual([1, 1, 0]);
    expect(classQuotas([0, 7, 3], 5).reduce((a, b) => a + b)).toBe(5);
  });
});
