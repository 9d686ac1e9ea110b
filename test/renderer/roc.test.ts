// The Results view's ROC curves and reliability bins, against values worked out by hand.
import { describe, expect, it } from 'vitest';
import { calibrationBins, rocCurve, rocSeries } from '../../src-renderer/lib/roc';

const trapezoid = (pts: { fpr: number; tpr: number }[]) => pts.slice(1).reduce((a, p, i) => a + ((p.fpr - pts[i].fpr) * (p.tpr + pts[i].tpr)) / 2, 0);

describe('ROC curves', () => {
  it('steps through every threshold from (0,0) to (1,1), ties together', () => {
    const pts = rocCurve([0.9, 0.8, 0.7, 0.6], [true, false, true, false]);
    expect(pts).toEqual([
      { fpr: 0, tpr: 0 },
      { fpr: 0, tpr: 0.5 },
      { fpr: 0.5, tpr: 0.5 },
      { fpr: 0.5, tpr: 1 },
      { fpr: 1, tpr: 1 },
    ]);
    // Its area is the share of positive-negative pairs ranked right: 3 of 4.
    expect(trapezoid(pts)).toBe(0.75);
    // A tie of a positive and a negative moves diagonally: area counts it one half.
    expect(trapezoid(rocCurve([0.5, 0.5], [true, false]))).toBe(0.5);
  });

  it("puts each model's operating point at its own decisions' 1 - specificity and sensitivity", () => {
    // Positive class 0. CNN-DNN decisions: 0, 0, 1, 1 on labels 0, 1, 0, 1: sensitivity 1/2, specificity 1/2.
    const ev = {
      models: { cnnDnn: {}, 'local-0': {} } as never,
      samples: [
        { index: 0, label: 0, cnnDnn: [0.9, 0.1], local: [[0.6, 0.4]] },
        { index: 1, label: 1, cnnDnn: [0.7, 0.3], local: [[0.4, 0.6]] },
        { index: 2, label: 0, cnnDnn: [0.2, 0.8], local: [[0.7, 0.3]] },
        { index: 3, label: 1, cnnDnn: [0.1, 0.9], local: [[0.2, 0.8]] },
      ],
    };
    const [cnnDnn, average] = rocSeries(ev, ['cnnDnn', 'average', 'global'], 0);
    expect(cnnDnn.operating).toEqual({ fpr: 0.5, tpr: 0.5 });
    // One local model: averaging decides as it does (0, 1, 0, 1): every case right.
    expect(average.key).toBe('average');
    expect(average.operating).toEqual({ fpr: 0, tpr: 1 });
  });
});

describe('reliability bins', () => {
  it('bins cases by predicted probability and gives each bin its mean prediction and share of positives', () => {
    const bins = calibrationBins([0.05, 0.15, 0.12, 0.95, 1], [false, true, false, true, true], 10);
    expect(bins).toEqual([
      { predicted: 0.05, observed: 0, count: 1 },
      { predicted: (0.15 + 0.12) / 2, observed: 0.5, count: 2 },
      { predicted: (0.95 + 1) / 2, observed: 1, count: 2 },
    ]);
  });
});
