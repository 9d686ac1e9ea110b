// The Results view's ROC curves and the coarse model's reliability (calibration) plot, computed from
// eval.json's per-case probabilities. Pure, for the charts and their tests.
import type { EvalView } from '../../src-main/api/contract';
import { predictions, sampleProbs } from './confusion';

export interface RocPoint {
  /** 1 - specificity. */
  fpr: number;
  /** Sensitivity. */
  tpr: number;
}

/**
 * The ROC curve of scores for the positive class: one point per distinct threshold, from (0,0) to (1,1);
 * cases with equal scores move the curve diagonally together.
 */
export function rocCurve(scores: number[], positives: boolean[]): RocPoint[] {
  const order = scores.map((_, i) => i).sort((a, b) => scores[b] - scores[a]);
  const nPos = positives.filter(Boolean).length;
  const nNeg = positives.length - nPos;
  const points: RocPoint[] = [{ fpr: 0, tpr: 0 }];
  let tp = 0;
  let fp = 0;
  for (let a = 0; a < order.length; ) {
    let b = a;
    while (b + 1 < order.length && scores[order[b + 1]] === scores[order[a]]) b++;
    for (let t = a; t <= b; t++) positives[order[t]] ? tp++ : fp++;
    points.push({ fpr: nNeg === 0 ? 0 : fp / nNeg, tpr: nPos === 0 ? 0 : tp / nPos });
    a = b + 1;
  }
  return points;
}

export interface RocSeries {
  key: string;
  points: RocPoint[];
  /** Where the model's own decision (the larger probability) sits on its curve. */
  operating: RocPoint;
}

/** ROC curves of the given models of a two-class run, for the positive class `positive`. */
export function rocSeries(ev: Pick<EvalView, 'models' | 'samples'>, keys: string[], positive: number): RocSeries[] {
  const positives = ev.samples.map((s) => s.label === positive);
  return keys
    .filter((key) => ev.samples.every((s) => sampleProbs(ev, key, s) !== undefined))
    .map((key) => {
      const scores = ev.samples.map((s) => sampleProbs(ev, key, s)![positive]);
      const pred = predictions(ev, key);
      const nPos = positives.filter(Boolean).length;
      const tp = pred.filter((p, i) => p === positive && positives[i]).length;
      const fp = pred.filter((p, i) => p === positive && !positives[i]).length;
      return { key, points: rocCurve(scores, positives), operating: { fpr: fp / (positives.length - nPos), tpr: tp / nPos } };
    });
}

export interface CalibrationBin {
  /** Mean predicted probability of the positive class in the bin. */
  predicted: number;
  /** Share of the bin's cases that are positive. */
  observed: number;
  count: number;
}

/** Reliability: cases binned by predicted probability of the positive class into `bins` equal-width bins (empty bins left out). */
export function calibrationBins(probabilities: number[], positives: boolean[], bins = 10): CalibrationBin[] {
  const sum = new Array<number>(bins).fill(0);
  const pos = new Array<number>(bins).fill(0);
  const n = new Array<number>(bins).fill(0);
  probabilities.forEach((p, i) => {
    const b = Math.min(bins - 1, Math.floor(p * bins));
    sum[b] += p;
    n[b]++;
    if (positives[i]) pos[b]++;
  });
  return n.flatMap((c, b) => (c === 0 ? [] : [{ predicted: sum[b] / c, observed: pos[b] / c, count: c }]));
}
