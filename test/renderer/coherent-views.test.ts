// The coherent variants in the views: their rows in the Results table, their confusion matrices from the
// per-sample probabilities eval.json keeps, and their rows when two runs are compared.
import { describe, expect, it } from 'vitest';
import type { EvalView, RunSummaryView } from '../../src-main/api/contract';
import { metricsFromProbs } from '../../src-main/engine/metrics';
import { resultRows } from '../../src-renderer/lib/results';
import { confusionFrom, modelKeys, modelLabel, predictions } from '../../src-renderer/lib/confusion';
import { applyRunEvent, trainingFromStart } from '../../src-renderer/lib/training';

const metric = (accuracy: number) => ({ n: 4, accuracy, balancedAccuracy: accuracy, confusion: [[2, 0], [0, 2]], perClassAccuracy: [1, 1] });

describe('the coherent variants in the views', () => {
  it('get Results rows after the CNN-DNN and the global model, with their own train and wall times and the whole model\'s parameters', () => {
    const ev: Pick<EvalView, 'models'> = { models: { cnnDnn: metric(0.9), global: metric(0.8), coherent: metric(0.85), transfer: metric(0.95), average: metric(0.7), vote: metric(0.6), 'local-0': metric(0.5), 'local-1': metric(0.5) } };
    const seconds: RunSummaryView['seconds'] = { global: 40, globalWall: 50, localMax: 12, localSum: 22, localWall: 15, coarse: 2, cnnDnnWall: 20, totalWall: 140, coherent: 30, coherentWall: 36, transfer: 9, transferWall: 13 };
    const rows = resultRows(ev, { seconds, params: { 'local-0': 100, 'local-1': 110, coarse: 30, global: 900, coherent: 240, transfer: 240 } });
    expect(rows.map((r) => r.key)).toEqual(['cnnDnn', 'global', 'coherent', 'transfer', 'average', 'vote', 'local-0', 'local-1']);
    expect(rows[2]).toMatchObject({ kind: 'coherent', accuracy: 0.85, trainSeconds: 30, wallSeconds: 36, params: 240 });
    expect(rows[3]).toMatchObject({ kind: 'coherent', accuracy: 0.95, trainSeconds: 9, wallSeconds: 13, params: 240 });
  });

  it('have confusion matrices from their per-sample probabilities, equal to the engine\'s from the same probabilities', () => {
    const coherent = [[0.9, 0.1], [0.3, 0.7], [0.6, 0.4], [0.2, 0.8], [0.55, 0.45]];
    const labels = [0, 1, 1, 1, 0];
    const samples = coherent.map((p, index) => ({ index, label: labels[index], cnnDnn: [0.5, 0.5], local: [[0.5, 0.5]], coherent: p }));
    const ev = { models: { cnnDnn: metric(0.5), coherent: metric(0.8), 'local-0': metric(0.5) }, samples } as unknown as EvalView;
    expect(modelKeys(ev)).toEqual(['cnnDnn', 'coherent', 'local-0']);
    expect(modelLabel('coherent')).toBe('Coherent CNN-DNN');
    const engine = metricsFromProbs(Float32Array.from(coherent.flat()), Int32Array.from(labels), 2);
    expect(confusionFrom(predictions(ev, 'coherent'), labels, 2)).toEqual(engine.confusion);
    // A run without transfer learning has no decisions for it.
    expect(predictions(ev, 'transfer')).toEqual([-1, -1, -1, -1, -1]);
  });

  it('become stages of the Training view when the orchestrator enters them', () => {
    let view = trainingFromStart({ runId: 'r', models: [{ name: 'local-0', role: 'local', params: 10 }, { name: 'coarse', role: 'coarse', params: 5 }] });
    expect(view.variants).toBeUndefined();
    view = applyRunEvent(view, { type: 'phase', phase: 'coherent', models: ['coherent'] });
    view = applyRunEvent(view, { type: 'phase', phase: 'transfer', models: ['transfer'] });
    view = applyRunEvent(view, { type: 'phase', phase: 'transfer', models: ['transfer'] });
    expect(view).toMatchObject({ phase: 'transfer', variants: ['coherent', 'transfer'] });
  });
});
