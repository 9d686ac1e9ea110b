// Classification metrics of predicted class probabilities against true labels.

export interface Metrics {
  n: number;
  accuracy: number;
  /** confusion[true][predicted] = count */
  confusion: number[][];
  perClassAccuracy: number[];
  /** Two classes only: class 1 is the positive class. */
  auc?: number;
  sensitivity?: number;
  specificity?: number;
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

/** Metrics from hard predictions plus, for two classes, the positive-class score used for the AUC. */
export function metricsFromPredictions(pred: ArrayLike<number>, labels: ArrayLike<number>, k: number, positiveScore?: ArrayLike<number>): Metrics {
  const n = labels.length;
  if (pred.length !== n) throw new Error(`metrics: ${pred.length} predictions for ${n} labels`);
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
  const m: Metrics = { n, accuracy: n === 0 ? NaN : correct / n, confusion, perClassAccuracy };
  if (k === 2) {
    m.sensitivity = perClassAccuracy[1];
    m.specificity = perClassAccuracy[0];
    if (positiveScore) m.auc = rocAuc(positiveScore, Array.from(labels, (l) => l === 1));
  }
  return m;
}

/** Metrics of a probability matrix (n x k, row-major). */
export function metricsFromProbs(probs: ArrayLike<number>, labels: ArrayLike<number>, k: number): Metrics {
  const n = labels.length;
  if (probs.length !== n * k) throw new Error(`metrics: ${probs.length} probabilities for ${n} samples x ${k} classes`);
  const pred = Array.from({ length: n }, (_, i) => argmax(probs, i * k, k));
  const score = k === 2 ? Array.from({ length: n }, (_, i) => probs[i * 2 + 1]) : undefined;
  return metricsFromPredictions(pred, labels, k, score);
}
