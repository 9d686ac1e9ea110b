// 95% bootstrap intervals of the test metrics, and the paired comparison of two models' AUC: the test
// cases are resampled with replacement (seeded), every model is scored on the same resamples, and the
// 2.5th and 97.5th percentiles of each metric are its interval. Each resample is a vector of counts, so
// no probabilities are copied: accuracies come from the decisions, the AUC from one pass over the scores
// sorted once (a weighted Mann-Whitney statistic).
import seedrandom from 'seedrandom';
import { argmax, type Interval, type MetricIntervals, type PairedComparison } from './metrics';

export type { Interval, MetricIntervals, PairedComparison };

export interface BootstrapOptions {
  resamples?: number;
  seed?: number;
  /** Two classes: the index of the positive class. */
  positive?: number;
}

/** Resample counts: how often each of n cases is drawn in each of `resamples` draws of n. */
function resampleCounts(n: number, resamples: number, seed: number): Uint16Array[] {
  const rng = seedrandom(`bootstrap:${seed}`);
  return Array.from({ length: resamples }, () => {
    const w = new Uint16Array(n);
    for (let i = 0; i < n; i++) w[Math.floor(rng() * n)]++;
    return w;
  });
}

function percentileInterval(values: number[]): Interval {
  const v = values.filter((x) => !Number.isNaN(x)).sort((a, b) => a - b);
  if (v.length === 0) return [Number.NaN, Number.NaN];
  const at = (q: number) => v[Math.min(v.length - 1, Math.max(0, Math.round(q * (v.length - 1))))];
  return [at(0.025), at(0.975)];
}

/** Accuracy, balanced accuracy and the per-class recalls of decisions under resample weights. */
function weightedAccuracies(pred: Int32Array, labels: ArrayLike<number>, k: number, w: Uint16Array): { accuracy: number; balanced: number; recall: number[] } {
  const right = new Array<number>(k).fill(0);
  const total = new Array<number>(k).fill(0);
  let all = 0;
  let correct = 0;
  for (let i = 0; i < w.length; i++) {
    if (w[i] === 0) continue;
    total[labels[i]] += w[i];
    all += w[i];
    if (pred[i] === labels[i]) {
      right[labels[i]] += w[i];
      correct += w[i];
    }
  }
  const recall = total.map((t, c) => (t === 0 ? Number.NaN : right[c] / t));
  const present = recall.filter((r) => !Number.isNaN(r));
  return { accuracy: correct / all, balanced: present.reduce((a, b) => a + b, 0) / present.length, recall };
}

/** The AUC of scores (sorted ascending once, `order`) under resample weights; ties count one half. */
function weightedAuc(order: Int32Array, scores: ArrayLike<number>, isPositive: Uint8Array, w: Uint16Array): number {
  let negBelow = 0;
  let sum = 0;
  let pos = 0;
  let neg = 0;
  for (let a = 0; a < order.length; ) {
    let b = a;
    while (b + 1 < order.length && scores[order[b + 1]] === scores[order[a]]) b++;
    let tiePos = 0;
    let tieNeg = 0;
    for (let t = a; t <= b; t++) {
      const i = order[t];
      if (isPositive[i]) tiePos += w[i];
      else tieNeg += w[i];
    }
    sum += tiePos * (negBelow + tieNeg / 2);
    negBelow += tieNeg;
    pos += tiePos;
    neg += tieNeg;
    a = b + 1;
  }
  return pos === 0 || neg === 0 ? Number.NaN : sum / (pos * neg);
}

interface Scored {
  pred: Int32Array;
  score?: Float64Array;
  order?: Int32Array;
}

function scored(probs: ArrayLike<number>, n: number, k: number, positive: number): Scored {
  const pred = Int32Array.from({ length: n }, (_, i) => argmax(probs, i * k, k));
  if (k !== 2) return { pred };
  const score = Float64Array.from({ length: n }, (_, i) => probs[i * 2 + positive]);
  const order = Int32Array.from({ length: n }, (_, i) => i).sort((a, b) => score[a] - score[b]);
  return { pred, score, order };
}

/** 95% intervals of every model's metrics, all models on the same resamples of the test cases. */
export function bootstrapMetrics(models: Record<string, ArrayLike<number>>, labels: ArrayLike<number>, k: number, o: BootstrapOptions = {}): { intervals: Record<string, MetricIntervals>; comparison?: (a: string, b: string) => PairedComparison } {
  const n = labels.length;
  const positive = o.positive ?? 1;
  const draws = resampleCounts(n, o.resamples ?? 1000, o.seed ?? 1);
  const isPositive = Uint8Array.from({ length: n }, (_, i) => (labels[i] === positive ? 1 : 0));
  const byModel = Object.fromEntries(Object.entries(models).map(([name, p]) => [name, scored(p, n, k, positive)]));
  const aucs: Record<string, number[]> = {};
  const intervals: Record<string, MetricIntervals> = {};
  for (const [name, s] of Object.entries(byModel)) {
    const acc: number[] = [];
    const bal: number[] = [];
    const sens: number[] = [];
    const spec: number[] = [];
    const auc: number[] = [];
    for (const w of draws) {
      const a = weightedAccuracies(s.pred, labels, k, w);
      acc.push(a.accuracy);
      bal.push(a.balanced);
      if (k === 2) {
        sens.push(a.recall[positive]);
        spec.push(a.recall[1 - positive]);
        auc.push(weightedAuc(s.order!, s.score!, isPositive, w));
      }
    }
    intervals[name] = { accuracy: percentileInterval(acc), balancedAccuracy: percentileInterval(bal) };
    if (k === 2) Object.assign(intervals[name], { auc: percentileInterval(auc), sensitivity: percentileInterval(sens), specificity: percentileInterval(spec) });
    aucs[name] = auc;
  }
  if (k !== 2) return { intervals };
  const ones = new Uint16Array(n).fill(1);
  const comparison = (a: string, b: string): PairedComparison => {
    const observed = weightedAuc(byModel[a].order!, byModel[a].score!, isPositive, ones) - weightedAuc(byModel[b].order!, byModel[b].score!, isPositive, ones);
    const diffs = aucs[a].map((v, r) => v - aucs[b][r]).filter((d) => !Number.isNaN(d));
    const below = diffs.filter((d) => d <= 0).length / diffs.length;
    const above = diffs.filter((d) => d >= 0).length / diffs.length;
    const ci95 = percentileInterval(diffs);
    return { difference: observed, ci95, p: Math.min(1, 2 * Math.min(below, above)), significant: ci95[0] > 0 || ci95[1] < 0 };
  };
  return { intervals, comparison };
}
