import { describe, expect, it } from 'vitest';
import { metricsFromProbs, rocAuc } from '../../src-main/engine/metrics';
import { averageProbs, concatLocalProbs, voteShares } from '../../src-main/engine/fusion';

describe('metrics', () => {
  it('computes accuracy, confusion matrix and per-class accuracy', () => {
    const probs = [0.9, 0.1, 0, 0.2, 0.7, 0.1, 0.1, 0.1, 0.8, 0.6, 0.3, 0.1];
    const m = metricsFromProbs(probs, [0, 1, 2, 2], 3);
    expect(m.accuracy).toBe(0.75);
    expect(m.confusion).toEqual([
      [1, 0, 0],
      [0, 1, 0],
      [1, 0, 1],
    ]);
    expect(m.perClassAccuracy).toEqual([1, 1, 0.5]);
    expect(m.auc).toBeUndefined();
  });

  it('computes ROC AUC with ties, sensitivity and specificity for two classes', () => {
    // scores of positives: 0.9, 0.5; negatives: 0.5, 0.1 -> pairs: (0.9>0.5), (0.9>0.1), (0.5=0.5 -> 1/2), (0.5>0.1) = 3.5/4
    expect(rocAuc([0.9, 0.5, 0.5, 0.1], [true, true, false, false])).toBe(0.875);
    expect(rocAuc([0.1, 0.2], [true, false])).toBe(0);
    expect(Number.isNaN(rocAuc([0.1, 0.2], [true, true]))).toBe(true);
    const m = metricsFromProbs([0.1, 0.9, 0.5, 0.5, 0.6, 0.4, 0.8, 0.2], [1, 1, 0, 1], 2);
    expect(m.sensitivity).toBeCloseTo(1 / 3);
    expect(m.specificity).toBe(1);
    expect(m.auc).toBeCloseTo(2 / 3);
  });
});

describe('balanced accuracy and the positive class', () => {
  it('gives always-the-common-class 50% balanced accuracy, not its accuracy', () => {
    // 8 normal (0), 2 hyperplasia (1); every case called normal.
    const labels = [0, 0, 0, 0, 0, 0, 0, 0, 1, 1];
    const probs = labels.flatMap(() => [0.9, 0.1]);
    const m = metricsFromProbs(probs, labels, 2);
    expect(m.accuracy).toBe(0.8);
    expect(m.balancedAccuracy).toBe(0.5);
    // Three classes, recalls 1, 0.5 and 0: their mean.
    expect(metricsFromProbs([1, 0, 0, 0, 1, 0, 1, 0, 0, 1, 0, 0], [0, 1, 1, 2], 3).balancedAccuracy).toBeCloseTo(0.5, 12);
  });

  it('reports sensitivity, specificity and AUC for the class named positive', () => {
    // Class 0 is the finding here. Scores for class 0: positives 0.8, 0.4; negatives 0.6, 0.3, 0.1.
    const labels = [0, 0, 1, 1, 1];
    const p0 = [0.8, 0.4, 0.6, 0.3, 0.1];
    const probs = p0.flatMap((p) => [p, 1 - p]);
    const m = metricsFromProbs(probs, labels, 2, 0);
    expect(m.positive).toBe(0);
    // Predicted class 0 where p0 > 0.5: cases 0 and 2. Positives found: 1 of 2; negatives found: 2 of 3.
    expect(m.sensitivity).toBe(0.5);
    expect(m.specificity).toBeCloseTo(2 / 3, 12);
    // Pairs (positive score > negative score): 0.8 beats all 3, 0.4 beats 0.3 and 0.1: 5 of 6.
    expect(m.auc).toBeCloseTo(5 / 6, 12);
    // The same data with class 1 positive swaps sensitivity and specificity and gives the same AUC for class 1's scores.
    const m1 = metricsFromProbs(probs, labels, 2, 1);
    expect(m1.sensitivity).toBeCloseTo(2 / 3, 12);
    expect(m1.specificity).toBe(0.5);
    expect(m1.auc).toBeCloseTo(5 / 6, 12);
  });

  it('chooses the training split\'s minority class by default, the named one when given, and names the classes when it is not one', async () => {
    const { choosePositiveClass } = await import('../../src-main/runs/create-run');
    expect(choosePositiveClass(['abnormal', 'normal'], [1, 1, 1, 0], undefined, 'x')).toBe('abnormal');
    expect(choosePositiveClass(['normal', 'hyperplasia'], [0, 0, 1], undefined, 'x')).toBe('hyperplasia');
    expect(choosePositiveClass(['a', 'b'], [0, 1], undefined, 'x')).toBe('b');
    expect(choosePositiveClass(['normal', 'hyperplasia'], [0, 0, 1], 'normal', 'x')).toBe('normal');
    expect(() => choosePositiveClass(['normal', 'hyperplasia'], [0, 1], 'tumour', 'demo')).toThrow('--positive tumour is not a class of demo: its classes are normal, hyperplasia');
    expect(() => choosePositiveClass(['0', '1', '2'], [0, 1, 2], '1', 'mnist')).toThrow('--positive applies to two classes');
  });
});

describe('fusion', () => {
  const a = Float32Array.from([0.6, 0.4, 0.2, 0.8]);
  const b = Float32Array.from([0.3, 0.7, 0.1, 0.9]);
  const c = Float32Array.from([0.9, 0.1, 0.4, 0.6]);
  it('averages local probabilities', () => {
    expect(Array.from(averageProbs([a, b], 2, 2)).map((v) => +v.toFixed(4))).toEqual([0.45, 0.55, 0.15, 0.85]);
  });
  it('votes by majority and breaks ties by the averaged probability', () => {
    const v = voteShares([a, b, c], 2, 2);
    expect(v[0]).toBeGreaterThan(v[1]); // sample 0: votes 0,1,0
    expect(v[3]).toBeGreaterThan(v[2]); // sample 1: votes 1,1,1
    const tie = voteShares([a, b], 2, 2); // sample 0: one vote each, average favours class 1
    expect(tie[1]).toBeGreaterThan(tie[0]);
  });
  it('concatenates local probabilities per sample for the coarse model', () => {
    expect(Array.from(concatLocalProbs([a, b], 2, 2)).map((v) => +v.toFixed(2))).toEqual([0.6, 0.4, 0.3, 0.7, 0.2, 0.8, 0.1, 0.9]);
  });
});

describe('coarse features', () => {
  it('standardise log-probabilities with statistics of the training split', async () => {
    const { coarseFeatures, fitCoarseScaling } = await import('../../src-main/engine/fusion');
    // Three samples of two inputs; the second input never varies.
    const train = Float32Array.from([0.9, 0.5, 0.1, 0.5, 1e-9, 0.5]);
    const scaling = fitCoarseScaling(train, 2);
    const logs = [Math.log(0.9), Math.log(0.1), Math.log(1e-7)];
    const mean = logs.reduce((a, b) => a + b) / 3;
    expect(scaling.mean[0]).toBeCloseTo(mean, 5);
    expect(scaling.mean[1]).toBeCloseTo(Math.log(0.5), 5);
    expect(scaling.std[1]).toBeCloseTo(1e-3, 6);
    const f = coarseFeatures(train, scaling);
    expect(f[0] + f[2] + f[4]).toBeCloseTo(0, 4);
    expect(f[1]).toBeCloseTo(0, 3);
    expect(f[0]).toBeGreaterThan(f[2]);
    expect(f[2]).toBeGreaterThan(f[4]);
  });
});

describe('coarse batch', () => {
  it('grows on large training sets and keeps at least 50 steps per epoch', async () => {
    const { coarseBatch } = await import('../../src-main/runs/execute-run');
    expect(coarseBatch(64, 54000)).toBe(256);
    expect(coarseBatch(64, 6000)).toBe(120);
    expect(coarseBatch(32, 617)).toBe(32);
    expect(coarseBatch(512, 54000)).toBe(512);
  });
});
