// The Results view's rows and speed-up (src-renderer/lib/results.ts) and the curves' data
// (src-renderer/lib/charts.ts).
import { describe, expect, it } from 'vitest';
import type { EvalView, RunSummaryView } from '../../src-main/api/contract';
import { curveSeries, lossAxisMax, seriesSignature } from '../../src-renderer/lib/charts';
import { mergeEpochs } from '../../src-renderer/lib/training';
import { localAccuracies, resultRows, speedUp } from '../../src-renderer/lib/results';

const metric = (accuracy: number, extra: object = {}) => ({ n: 10, accuracy, balancedAccuracy: accuracy - 0.05, confusion: [[5, 0], [0, 5]], perClassAccuracy: [1, 1], ...extra });
const ev: Pick<EvalView, 'models'> = {
  models: {
    cnnDnn: metric(0.9, { auc: 0.95, sensitivity: 0.8, specificity: 0.96 }),
    average: metric(0.85),
    vote: metric(0.8),
    global: metric(0.88, { auc: 0.93 }),
    'local-0': metric(0.7),
    'local-1': metric(0.75),
  },
};
const seconds: RunSummaryView['seconds'] = { global: 40, globalWall: 50, localMax: 12, localSum: 22, localWall: 15, coarse: 2, cnnDnnWall: 20, totalWall: 75 };
const summary = { seconds, params: { 'local-0': 100, 'local-1': 110, coarse: 30, global: 900 } };

describe('results table', () => {
  it('gives one row per model, CNN-DNN first, with its metrics, times and parameters', () => {
    const rows = resultRows(ev, summary, { 'local-0': 11, 'local-1': 12 });
    expect(rows.map((r) => r.key)).toEqual(['cnnDnn', 'global', 'average', 'vote', 'local-0', 'local-1']);
    expect(rows[0]).toMatchObject({ kind: 'cnnDnn', accuracy: 0.9, auc: 0.95, sensitivity: 0.8, specificity: 0.96, trainSeconds: 14, wallSeconds: 20, params: 240 });
    expect(rows[1]).toMatchObject({ kind: 'global', accuracy: 0.88, auc: 0.93, trainSeconds: 40, wallSeconds: 50, params: 900 });
    expect(rows[2]).toMatchObject({ kind: 'fusion', accuracy: 0.85, params: 210 });
    expect(rows[2].trainSeconds).toBeUndefined();
    expect(rows[5]).toMatchObject({ kind: 'local', label: 'Local 1', accuracy: 0.75, trainSeconds: 12, params: 110 });
  });

  it('leaves the global row out when no global model was trained', () => {
    const noGlobal = { models: { ...ev.models } };
    delete noGlobal.models.global;
    expect(resultRows(noGlobal, summary).map((r) => r.key)).not.toContain('global');
  });

  it('computes the speed-up as global time over CNN-DNN time', () => {
    expect(speedUp(seconds)).toEqual({ wall: 2.5, train: 40 / 14 });
    expect(speedUp({ ...seconds, global: undefined, globalWall: undefined })).toEqual({ wall: undefined, train: undefined });
    expect(speedUp({ ...seconds, cnnDnnWall: 0 }).wall).toBeUndefined();
  });

  it('maps each local model’s accuracy to its subdomain index', () => {
    expect([...localAccuracies(ev)]).toEqual([
      [0, 0.7],
      [1, 0.75],
    ]);
  });
});

const epoch = (e: number, loss: number, accuracy = 0.5) => ({ epoch: e, loss, accuracy, valLoss: loss + 0.1, valAccuracy: accuracy - 0.05, seconds: 1 });

describe('curves', () => {
  it('merges epoch lists, one summary per epoch, the later list winning', () => {
    const recorded = [epoch(1, 0.9), epoch(2, 0.8), epoch(2, 0.7)];
    const live = [epoch(3, 0.6), epoch(2, 0.75)];
    expect(mergeEpochs(recorded, undefined, live).map((e) => [e.epoch, e.loss])).toEqual([
      [1, 0.9],
      [2, 0.75],
      [3, 0.6],
    ]);
  });

  it('draws each epoch at its end and the epoch in progress as a last point', () => {
    const h = [epoch(1, 0.9, 0.6), epoch(2, 0.7, 0.7)];
    const done = curveSeries(h, { state: 'done', fraction: 1, epochs: 5, loss: 0.7, accuracy: 0.7, epochsDone: 2 });
    expect(done.loss).toEqual([
      { x: 1, y: 0.9 },
      { x: 2, y: 0.7 },
    ]);
    expect(done.valAccuracy.map((p) => p.y)).toEqual([expect.closeTo(0.55, 12), expect.closeTo(0.65, 12)]);
    expect(done.maxEpoch).toBe(5);
    const running = curveSeries(h, { state: 'running', fraction: 0.5, epochs: 5, loss: 0.65, accuracy: 0.72, epochsDone: 2 });
    expect(running.loss.at(-1)).toEqual({ x: 2.5, y: 0.65 });
    expect(running.accuracy.at(-1)).toEqual({ x: 2.5, y: 0.72 });
    expect(running.valLoss).toHaveLength(2);
    // A progress point behind the last summary (stale after the epoch event) is not drawn.
    expect(curveSeries(h, { state: 'running', fraction: 0.3, epochs: 5, loss: 1, accuracy: 0.1, epochsDone: 2 }).loss).toHaveLength(2);
    expect(curveSeries([], undefined).maxEpoch).toBe(1);
  });

  it('scales the loss axis to the largest loss', () => {
    expect(lossAxisMax({ loss: [{ x: 1, y: 0.5 }], valLoss: [{ x: 1, y: 2 }] })).toBe(2.2);
    expect(lossAxisMax({ loss: [], valLoss: [] })).toBe(1);
    expect(lossAxisMax({ loss: [{ x: 1, y: Infinity }], valLoss: [] })).toBe(1);
  });

  it('changes the signature of a series only when something drawn changes', () => {
    const h = [epoch(1, 0.9, 0.6)];
    const live = { state: 'running' as const, fraction: 0.3, epochs: 4, loss: 0.8, accuracy: 0.6, epochsDone: 1 };
    const a = seriesSignature(curveSeries(h, live));
    expect(seriesSignature(curveSeries([...h], { ...live }))).toBe(a);
    expect(seriesSignature(curveSeries(h, { ...live, fraction: 0.4 }))).not.toBe(a);
    expect(seriesSignature(curveSeries([...h, epoch(2, 0.7)], live))).not.toBe(a);
  });
});
