// The 95% bootstrap intervals and the paired AUC comparison, against a plain bootstrap written out here
// (its own generator, explicit resampled arrays, AUC by counting pairs).
import seedrandom from 'seedrandom';
import { describe, expect, it } from 'vitest';
import { bootstrapMetrics } from '../../src-main/engine/bootstrap';

/** 300 cases, 90 positive (class 1); a score that separates them imperfectly. */
function data(seed: string) {
  const rng = seedrandom(seed);
  const labels = Array.from({ length: 300 }, (_, i) => (i % 10 < 3 ? 1 : 0));
  const p1 = labels.map((l) => Math.min(0.999, Math.max(0.001, 0.5 + (l ? 0.18 : -0.18) + (rng() - 0.5) * 0.8)));
  return { labels, probs: p1.flatMap((p) => [1 - p, p]) };
}

function pairAuc(score: number[], labels: number[]): number {
  let wins = 0;
  let pairs = 0;
  for (let i = 0; i < score.length; i++)
    for (let j = 0; j < score.length; j++) {
      if (labels[i] !== 1 || labels[j] !== 0) continue;
      pairs++;
      wins += score[i] > score[j] ? 1 : score[i] === score[j] ? 0.5 : 0;
    }
  return wins / pairs;
}

function plainBootstrap(probs: number[], labels: number[], resamples: number) {
  const rng = seedrandom('independent');
  const acc: number[] = [];
  const bal: number[] = [];
  const auc: number[] = [];
  for (let r = 0; r < resamples; r++) {
    const idx = labels.map(() => Math.floor(rng() * labels.length));
    const y = idx.map((i) => labels[i]);
    const s = idx.map((i) => probs[i * 2 + 1]);
    const pred = s.map((v, t) => (v > probs[idx[t] * 2] ? 1 : 0));
    const recall = (c: number) => y.filter((l, t) => l === c && pred[t] === c).length / y.filter((l) => l === c).length;
    acc.push(y.filter((l, t) => l === pred[t]).length / y.length);
    bal.push((recall(0) + recall(1)) / 2);
    auc.push(pairAuc(s, y));
  }
  const q = (v: number[]) => {
    const sorted = [...v].sort((a, b) => a - b);
    return [sorted[Math.round(0.025 * (v.length - 1))], sorted[Math.round(0.975 * (v.length - 1))]];
  };
  return { accuracy: q(acc), balancedAccuracy: q(bal), auc: q(auc) };
}

describe('bootstrap intervals', () => {
  it('agree with a plain bootstrap of the same data within Monte Carlo error', () => {
    const { labels, probs } = data('a');
    const { intervals } = bootstrapMetrics({ m: probs }, labels, 2, { resamples: 1000, seed: 4 });
    const plain = plainBootstrap(probs, labels, 400);
    for (const metric of ['accuracy', 'balancedAccuracy', 'auc'] as const) {
      const [lo, hi] = intervals.m[metric]!;
      expect(lo, metric).toBeLessThan(hi);
      expect(Math.abs(lo - plain[metric][0]), metric).toBeLessThan(0.02);
      expect(Math.abs(hi - plain[metric][1]), metric).toBeLessThan(0.02);
    }
  });

  it('are a point for a perfect classifier, and the same for the same seed', () => {
    const labels = [0, 1, 0, 1, 1, 0];
    const probs = labels.flatMap((l) => (l ? [0.1, 0.9] : [0.8, 0.2]));
    const a = bootstrapMetrics({ m: probs }, labels, 2, { resamples: 200, seed: 9 });
    expect(a.intervals.m.accuracy).toEqual([1, 1]);
    expect(a.intervals.m.auc).toEqual([1, 1]);
    const noisy = data('b');
    const x = bootstrapMetrics({ m: noisy.probs }, noisy.labels, 2, { resamples: 200, seed: 9 });
    const y = bootstrapMetrics({ m: noisy.probs }, noisy.labels, 2, { resamples: 200, seed: 9 });
    expect(y.intervals).toEqual(x.intervals);
  });

  it('finds no difference between a model and itself and a significant one against a far better model', () => {
    const { labels, probs } = data('c');
    const better = labels.flatMap((l, i) => (l ? [0.2, 0.8] : i % 7 === 0 ? [0.45, 0.55] : [0.9, 0.1]));
    const { comparison } = bootstrapMetrics({ a: probs, same: probs, better }, labels, 2, { resamples: 500, seed: 2 });
    const self = comparison!('a', 'same');
    expect(self.difference).toBe(0);
    expect(self.ci95).toEqual([0, 0]);
    expect(self.significant).toBe(false);
    const vsBetter = comparison!('better', 'a');
    expect(vsBetter.difference).toBeCloseTo(pairAuc(labels.map((_, i) => better[i * 2 + 1]), labels) - pairAuc(labels.map((_, i) => probs[i * 2 + 1]), labels), 12);
    expect(vsBetter.significant).toBe(true);
    expect(vsBetter.p).toBeLessThan(0.01);
  });
});
