// Classification metrics of predicted class probabilities against true labels.

export interface Metrics {
  n: number;
  accuracy: number;
  /**
   * Mean of the per-class accuracies (recalls) over the classes present: what always answering the
   * common class scores 1/K on, whatever the imbalance.
   */
  balancedAccuracy: number;
  /** confusion[true][predicted] = count */
  confusion: number[][];
  perClassAccuracy: number[];
  /** Two classes only: the index of the positive class that AUC, sensitivity and specificity refer to. */
  positive?: number;
  auc?: number;
  /** Accuracy on the positive class's cases. */
  sensitivity?: number;
  /** Accuracy on the other class's cases. */
  specificity?: number;
}

/** 95% bootstrap intervals (src-main/engine/bootstrap.ts), here with the metrics they bound. */
export type Interval = [number, number];

export interface MetricIntervals {
  accuracy: Interval;
  balancedAccuracy: Interval;
  /** Two classes only. */
  auc?: Interval;
  sensitivity?: Interval;
  specificity?: Interval;
}

export interface PairedComparison {
  /** AUC of a minus AUC of b on the test split. */
  difference: number;
  ci95: Interval;
  /** Two-sided bootstrap p-value: twice the smaller share of resamples on either side of 0 (at most 1). */
  p: number;
  /** Whether the interval of the difference excludes 0. */
  significant: boolean;
}

/** Index of the largest value in probs[offset .. offset + k). Ties go to the lower class index. */
export function argmax(probs: ArrayLike<number>, offset: number, k: number): number {
  let best = 0;
  for (let c = 1; c < k; c++) if (probs[offset + c] > probs[offset + best]) best = c;
  return best;
}

/** Area under the ROC curve by the rank-sum (Mann-Whitney) statistic; tied scores count one half. */
export function rocAuc(scores: ArrayLike<number>, positive: ArrayLike<boolean>): number {
  const idx = Array.from({ length: scores.length }, (_, i) => i).sort((a, b) => scores[a] - scores[b]);
  let nPos = 0;
  let rankSum = 0;
  for (let i = 0; i < idx.length; ) {
    let j = i;
    while (j + 1 < idx.length && scores[idx[j + 1]] === scores[idx[i]]) j++;
    const midRank = (i + j) / 2 + 1; // 1-based average rank of the tie group
    for (let t = i; t <= j; t++) {
      if (positive[idx[t]]) {
        nPos++;
        rankSum += midRank;
      }
    }
    i = j + 1;
  }
  const nNeg = scores.length - nPos;
  if (nPos === 0 || nNeg === 0) return NaN;
  return (rankSum - (nPos * (nPos + 1)) / 2) / (nPos * nNeg);
}

/**
 * Metrics from hard predictions plus, for two classes, the positive class's score used for the AUC.
 * `positive` is the index of the positive class (two classes only; default 1).
 */
export function metricsFromPredictions(pred: ArrayLike<number>, labels: ArrayLike<number>, k: number, positiveScore?: ArrayLike<number>, positive = 1): Metrics {
  const n = labels.length;
  if (pred.length !== n) throw new Error(`metrics: ${pred.length} predictions for ${n} labels`);
  if (k === 2 && positive !== 0 && positive !== 1) throw new Error(`metrics: positive class ${positive} of 2 classes`);
  const confusion = Array.from({ length: k }, () => new Array<number>(k).fill(0));
  let correct = 0;
  for (let i = 0; i < n; i++) {
    confusion[labels[i]][pred[i]]++;
    if (pred[i] === labels[i]) correct++;
  }
  const perClassAccuracy = confusion.map((row, c) => {
    const total = row.reduce((a, b) => a + b, 0);
    return total === 0 ? NaN : row[c] / total;
  });
  const present = perClassAccuracy.filter((a) => !Number.isNaN(a));
  const balancedAccuracy = present.length === 0 ? NaN : present.reduce((a, b) => a + b, 0) / present.length;
  const m: Metrics = { n, accuracy: n === 0 ? NaN : correct / n, balancedAccuracy, confusion, perClassAccuracy };
  if (k === 2) {
    m.positive = positive;
    m.sensitivity = perClassAccuracy[positive];
    m.specificity = perClassAccuracy[1 - positive];
    if (positiveScore) m.auc = rocAuc(positiveScore, Array.from(labels, (l) => l === positive));
  }
  return m;
}

/** Metrics of a probability matrix (n x k, row-major); `positive` as for metricsFromPredictions. */
export function metricsFromProbs(probs: ArrayLike<number>, labels: ArrayLike<number>, k: number, positive = 1): Metrics {
  const n = labels.length;
  if (probs.length !== n * k) throw new Error(`metrics: ${probs.length} probabilities for ${n} samples x ${k} classes`);
  const pred = Array.from({ length: n }, (_, i) => argmax(probs, i * k, k));
  const score = k === 2 ? Array.from({ length: n }, (_, i) => probs[i * 2 + positive]) : undefined;
  return metricsFromPredictions(pred, labels, k, score, positive);
}
