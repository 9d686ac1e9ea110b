// The fusion rules on plain arrays (src-renderer/lib/fusion-view.ts) against the engine's own
// (src-main/engine/fusion.ts, metrics.ts), and the test cases behind confusion-matrix cells
// (src-renderer/lib/confusion.ts).
import { describe, expect, it } from 'vitest';
import type { EvalView } from '../../src-main/api/contract';
import { averageProbs, voteShares } from '../../src-main/engine/fusion';
import { metricsFromProbs } from '../../src-main/engine/metrics';
import { casesInCell, confusionFrom, filterCases, localKeys, modelKeys, modelLabel, predictions, rowShare } from '../../src-renderer/lib/confusion';
import { argmax, averageOf, decisionRows, subdomainConfidence, subdomainIndex, voteCounts, voteOf } from '../../src-renderer/lib/fusion-view';

/** A seeded stream of numbers in 0..1 (no dependency on Math.random). */
function lcg(seed: number) {
  let s = seed >>> 0;
  return () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32);
}

function softmaxRow(rand: () => number, k: number): number[] {
  const e = Array.from({ length: k }, () => Math.exp(4 * rand()));
  const sum = e.reduce((a, b) => a + b, 0);
  return e.map((v) => Math.round((v / sum) * 1e4) / 1e4);
}

/** An eval.json of n samples, N local models and k classes, with probabilities rounded as evaluate.ts does. */
function fakeEval(n: number, N: number, k: number, seed = 7, global = true): EvalView {
  const rand = lcg(seed);
  const samples = Array.from({ length: n }, (_, index) => ({
    index,
    label: Math.floor(rand() * k),
    cnnDnn: softmaxRow(rand, k),
    global: global ? softmaxRow(rand, k) : undefined,
    local: Array.from({ length: N }, () => softmaxRow(rand, k)),
  }));
  const labels = Int32Array.from(samples.map((s) => s.label));
  const flat = (rows: number[][]) => Float32Array.from(rows.flat());
  const locals = Array.from({ length: N }, (_, i) => flat(samples.map((s) => s.local[i])));
  const models: EvalView['models'] = {
    cnnDnn: metricsFromProbs(flat(samples.map((s) => s.cnnDnn)), labels, k),
    average: metricsFromProbs(averageProbs(locals, n, k), labels, k),
    vote: metricsFromProbs(voteShares(locals, n, k), labels, k),
  };
  if (global) models.global = metricsFromProbs(flat(samples.map((s) => s.global!)), labels, k);
  locals.forEach((p, i) => (models[`local-${i}`] = metricsFromProbs(p, labels, k)));
  return { runId: 'r', classes: Array.from({ length: k }, (_, c) => `class ${c}`), nTest: n, models, samples };
}

describe('fusion on plain arrays', () => {
  it('argmax gives ties to the lower class, like the engine', () => {
    expect(argmax([0.2, 0.5, 0.3])).toBe(1);
    expect(argmax([0.4, 0.4, 0.2])).toBe(0);
    expect(argmax([0.1, 0.45, 0.45])).toBe(1);
  });

  it('averages the local probabilities in float32, as the engine does for eval.json', () => {
    expect(averageOf([[0.2, 0.8], [0.6, 0.4]])).toEqual([Math.fround(0.4), Math.fround(Math.fround(0.8 + 0.4) / 2)]);
    expect(averageOf([])).toEqual([]);
  });

  it('counts votes and gives them as shares, a tie broken by the averaged probability', () => {
    // Two votes each for classes 0 and 1; the average favours class 1.
    const locals = [
      [0.55, 0.45],
      [0.51, 0.49],
      [0.1, 0.9],
      [0.3, 0.7],
    ];
    expect(voteCounts(locals)).toEqual([2, 2]);
    const shares = voteOf(locals);
    expect(shares[0]).toBeCloseTo(0.5, 5);
    expect(shares[1]).toBeCloseTo(0.5, 5);
    expect(argmax(shares)).toBe(1);
    // Without the tie the majority wins whatever the average says.
    expect(argmax(voteOf([[0.51, 0.49], [0.52, 0.48], [0.0, 1.0]]))).toBe(0);
  });

  it('equals engine/fusion.ts sample by sample', () => {
    const ev = fakeEval(200, 8, 3, 11);
    const n = ev.samples.length;
    const locals = Array.from({ length: 8 }, (_, i) => Float32Array.from(ev.samples.flatMap((s) => s.local[i])));
    const avg = averageProbs(locals, n, 3);
    const vote = voteShares(locals, n, 3);
    ev.samples.forEach((s, i) => {
      averageOf(s.local).forEach((v, c) => expect(v).toBeCloseTo(avg[i * 3 + c], 6));
      voteOf(s.local).forEach((v, c) => expect(v).toBeCloseTo(vote[i * 3 + c], 6));
    });
  });

  it('names subdomains and lists their confidence for a class in subdomain order', () => {
    expect(subdomainIndex('local-12')).toBe(12);
    expect(() => subdomainIndex('coarse')).toThrow();
    const box = { start: [0, 0], end: [1, 1] };
    const conf = subdomainConfidence(
      [
        { model: 'local-10', box, probs: [0.2, 0.8] },
        { model: 'local-2', box, probs: [0.9, 0.1] },
      ],
      1,
    );
    expect(conf).toEqual([
      { index: 2, model: 'local-2', value: 0.1, decision: 0 },
      { index: 10, model: 'local-10', value: 0.8, decision: 1 },
    ]);
  });

  it('lists the final decisions, the global model only when trained', () => {
    const c = { cnnDnn: [0.3, 0.7], average: [0.6, 0.4], vote: [0.5, 0.5], global: undefined };
    expect(decisionRows(c).map((r) => [r.key, r.decision])).toEqual([
      ['cnnDnn', 1],
      ['average', 0],
      ['vote', 0],
    ]);
    expect(decisionRows({ ...c, global: [0.1, 0.9] }).at(-1)).toMatchObject({ key: 'global', decision: 1 });
  });
});

describe('confusion-matrix cells and their cases', () => {
  const ev = fakeEval(300, 4, 3);
  const labels = ev.samples.map((s) => s.label);

  it('orders the models CNN-DNN, global, average, vote, locals', () => {
    expect(modelKeys(ev)).toEqual(['cnnDnn', 'global', 'average', 'vote', 'local-0', 'local-1', 'local-2', 'local-3']);
    expect(localKeys(ev)).toEqual(['local-0', 'local-1', 'local-2', 'local-3']);
    expect(modelKeys(fakeEval(5, 2, 2, 3, false))).not.toContain('global');
    expect(modelLabel('local-3')).toBe('Local 3');
    expect(modelLabel('cnnDnn')).toBe('CNN-DNN');
  });

  it('recomputes every model’s confusion matrix exactly as eval.json has it', () => {
    for (const key of modelKeys(ev)) expect(confusionFrom(predictions(ev, key), labels, 3), key).toEqual(ev.models[key].confusion);
  });

  it('lists, for every cell, as many cases as the cell counts, each with that label and decision', () => {
    for (const key of modelKeys(ev)) {
      const pred = predictions(ev, key);
      for (let t = 0; t < 3; t++) {
        for (let p = 0; p < 3; p++) {
          const cases = casesInCell(ev, key, t, p);
          expect(cases.length, `${key} ${t},${p}`).toBe(ev.models[key].confusion[t][p]);
          for (const i of cases) expect([labels[i], pred[i]]).toEqual([t, p]);
        }
      }
    }
  });

  it('uses the case indices of eval.json, not array positions', () => {
    const shifted: EvalView = { ...ev, samples: ev.samples.slice(0, 3).map((s, i) => ({ ...s, index: 100 + i, label: 0, cnnDnn: [1, 0, 0] })) };
    expect(casesInCell(shifted, 'cnnDnn', 0, 0)).toEqual([100, 101, 102]);
  });

  it('shades a cell by its share of the true class', () => {
    const m = [
      [3, 1],
      [0, 0],
    ];
    expect(rowShare(m, 0, 0)).toBe(0.75);
    expect(rowShare(m, 1, 1)).toBe(0);
  });

  it('filters the case list by true class and by the CNN-DNN’s mistakes', () => {
    const all = filterCases(ev.samples, {});
    expect(all).toHaveLength(300);
    const wrong = filterCases(ev.samples, { wrong: true });
    expect(wrong.length).toBe(300 - ev.models.cnnDnn.confusion.reduce((a, row, t) => a + row[t], 0));
    expect(wrong.every((c) => c.predicted !== c.label)).toBe(true);
    const ones = filterCases(ev.samples, { label: 1, wrong: true });
    expect(ones.every((c) => c.label === 1 && c.predicted !== 1)).toBe(true);
    expect(ones.length).toBe(ev.models.cnnDnn.confusion[1].reduce((a, b) => a + b, 0) - ev.models.cnnDnn.confusion[1][1]);
    const first = all[0];
    expect(first.confidence).toBe(ev.samples[0].cnnDnn[first.predicted]);
  });
});
