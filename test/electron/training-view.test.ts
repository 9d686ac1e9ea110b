// The renderer's live view of a run (src-renderer/lib/training.ts), driven by the orchestrator's events.
import { describe, expect, it } from 'vitest';
import type { RunEventView, RunRecordView } from '../../src-main/api/contract';
import {
  applyRunEvent,
  backendLine,
  isTraining,
  phaseOf,
  runProgress,
  trainingFromRecord,
  trainingFromStart,
  withHistory,
  type ModelCardView,
  type TrainingView,
} from '../../src-renderer/lib/training';

const start = trainingFromStart({
  runId: '20261125-185227-demo-065dbe',
  models: [
    { name: 'global', role: 'global', params: 300 },
    { name: 'local-10', role: 'local', params: 10 },
    { name: 'coarse', role: 'coarse', params: 5 },
    { name: 'local-2', role: 'local', params: 10 },
  ],
});
const apply = (view: TrainingView, ...events: RunEventView[]) => events.reduce(applyRunEvent, view);
const model = (view: TrainingView, name: string) => view.models.find((m) => m.name === name)!;

describe('training view', () => {
  it('lists local models in index order, then coarse, then global, all queued', () => {
    expect(start.models.map((m) => m.name)).toEqual(['local-2', 'local-10', 'coarse', 'global']);
    expect(start.models.every((m) => m.state === 'queued' && m.fraction === 0)).toBe(true);
    expect(isTraining(start)).toBe(true);
  });

  it('follows a model through launch, progress, epochs and done', () => {
    let v = apply(
      start,
      { type: 'backend', info: { name: 'wasm', tfBackend: 'wasm', gpu: false, versions: {}, skipped: [{ backend: 'node', reason: 'not installed' }] }, workers: 2, description: 'wasm (tfjs-node skipped)' },
      { type: 'phase', phase: 'local', models: ['local-2', 'local-10'] },
      { type: 'launch', model: 'local-2', pid: 42, attempt: 1 },
      { type: 'progress', model: 'local-2', epoch: 0, epochs: 2, batch: 5, batches: 10, loss: 0.7, accuracy: 0.5, samplesPerSecond: 100, etaSeconds: 30 },
    );
    expect(v.status).toBe('running');
    expect(v.phase).toBe('local');
    expect(v.backend).toEqual({ name: 'wasm', description: 'wasm (tfjs-node skipped)', workers: 2 });
    expect(model(v, 'local-2')).toMatchObject({ state: 'running', attempt: 1, fraction: 0.25, loss: 0.7, accuracy: 0.5, etaSeconds: 30, epochs: 2 });
    v = apply(v, { type: 'epoch', model: 'local-2', epochs: 2, epoch: 1, loss: 0.6, accuracy: 0.6, valLoss: 0.65, valAccuracy: 0.55, seconds: 3 });
    expect(model(v, 'local-2')).toMatchObject({ epochsDone: 1, fraction: 0.5, valAccuracy: 0.55 });
    v = apply(v, { type: 'done', model: 'local-2', trainSeconds: 6, params: 11, peakRssMB: 300, samplesPerSecond: 90, epochsRun: 2 });
    expect(model(v, 'local-2')).toMatchObject({ state: 'done', fraction: 1, epochsDone: 2, trainSeconds: 6, params: 11, etaSeconds: undefined });
    expect(model(v, 'local-10').state).toBe('queued');
  });

  it('shows a crash, the restart and its attempt', () => {
    const v = apply(
      start,
      { type: 'launch', model: 'local-10', pid: 1, attempt: 1 },
      { type: 'error', model: 'local-10', message: 'RangeError: out of memory\n    at train' },
    );
    expect(model(v, 'local-10')).toMatchObject({ state: 'failed', message: 'RangeError: out of memory' });
    const r = apply(v, { type: 'restart', model: 'local-10', reason: 'RangeError: out of memory', attempt: 2 }, { type: 'launch', model: 'local-10', pid: 2, attempt: 2 });
    expect(model(r, 'local-10')).toMatchObject({ state: 'restarted', attempt: 2 });
  });

  it('ignores events of models it does not know, and leaves the others untouched', () => {
    const v = apply(start, { type: 'launch', model: 'local-99', pid: 1, attempt: 1 });
    expect(v.models).toEqual(start.models);
  });

  it('puts cut-off models back in the queue when the run is interrupted', () => {
    const v = apply(start, { type: 'launch', model: 'local-2', pid: 1, attempt: 1 }, { type: 'finished', status: 'interrupted' });
    expect(v.status).toBe('interrupted');
    expect(model(v, 'local-2').state).toBe('queued');
    expect(isTraining(v)).toBe(false);
  });

  it('settles states from the run record, keeping what the events taught', () => {
    const running = apply(
      start,
      { type: 'launch', model: 'local-2', pid: 1, attempt: 1 },
      { type: 'epoch', model: 'local-2', epochs: 2, epoch: 1, loss: 0.6, accuracy: 0.6, valLoss: 0.65, valAccuracy: 0.55, seconds: 3 },
      { type: 'finished', status: 'failed', error: 'local-10 failed 3 times' },
    );
    const rec = {
      id: start.runId,
      status: 'failed',
      error: 'local-10 failed 3 times',
      models: {
        'local-2': { role: 'local', state: 'queued', params: 10, attempts: 1 },
        'local-10': { role: 'local', state: 'failed', params: 10, attempts: 3, error: 'trainer exited with code 1\nmore' },
        coarse: { role: 'coarse', state: 'queued', params: 5, attempts: 0 },
        global: { role: 'global', state: 'queued', params: 300, attempts: 0 },
      },
    } as unknown as RunRecordView;
    const v = trainingFromRecord(rec, running);
    expect(v.status).toBe('failed');
    expect(model(v, 'local-10')).toMatchObject({ state: 'failed', attempt: 3, message: 'trainer exited with code 1' });
    expect(model(v, 'local-2')).toMatchObject({ state: 'queued', valAccuracy: 0.55, epochsDone: 1 });
    expect(v.models.map((m) => m.name)).toEqual(['local-2', 'local-10', 'coarse', 'global']);
  });

  it('keeps every finished epoch of a model for its curves, a repeated epoch replaced', () => {
    const epoch = (e: number, loss: number): RunEventView => ({ type: 'epoch', model: 'local-2', epochs: 3, epoch: e, loss, accuracy: 0.5, valLoss: loss, valAccuracy: 0.5, seconds: 1 });
    const v = apply(start, epoch(1, 0.9), epoch(2, 0.8), epoch(2, 0.75), epoch(3, 0.7));
    expect(model(v, 'local-2').history.map((h) => [h.epoch, h.loss])).toEqual([
      [1, 0.9],
      [2, 0.75],
      [3, 0.7],
    ]);
    expect(model(v, 'local-10').history).toEqual([]);
  });

  it('merges the recorded history (runs:history) under the epochs the events brought', () => {
    const live = apply(start, { type: 'epoch', model: 'local-2', epochs: 3, epoch: 3, loss: 0.5, accuracy: 0.8, valLoss: 0.6, valAccuracy: 0.7, seconds: 2 });
    const recorded = [1, 2, 3].map((epoch) => ({ epoch, loss: 1 - epoch / 10, accuracy: 0.5, valLoss: 1, valAccuracy: 0.5, seconds: 1 }));
    const v = withHistory(live, { models: { 'local-2': recorded, coarse: recorded.slice(0, 1), unknown: recorded } });
    expect(model(v, 'local-2').history.map((h) => [h.epoch, h.loss])).toEqual([
      [1, 0.9],
      [2, 0.8],
      [3, 0.5],
    ]);
    expect(model(v, 'coarse').history).toHaveLength(1);
    // The latest numbers: from the events where they exist, else from the last recorded epoch.
    expect(model(v, 'local-2')).toMatchObject({ loss: 0.5, valAccuracy: 0.7, epochsDone: 3 });
    expect(model(v, 'coarse')).toMatchObject({ loss: 0.9, accuracy: 0.5, valAccuracy: 0.5, epochsDone: 1 });
    expect(model(v, 'global').history).toEqual([]);
    expect(v.models).toHaveLength(4);
  });

  it('takes the backend and the stage from the record after a reload', () => {
    const rec = {
      id: start.runId,
      status: 'running',
      config: { workers: 4 },
      backend: { name: 'wasm', tfBackend: 'wasm', gpu: false, versions: {}, skipped: [{ backend: 'node-gpu', reason: 'not installed' }] },
      models: {
        'local-2': { role: 'local', state: 'done', params: 10, attempts: 1 },
        'local-10': { role: 'local', state: 'done', params: 10, attempts: 1 },
        coarse: { role: 'coarse', state: 'running', params: 5, attempts: 1 },
        global: { role: 'global', state: 'queued', params: 300, attempts: 0 },
      },
    } as unknown as RunRecordView;
    const v = trainingFromRecord(rec);
    expect(v.backend).toEqual({ name: 'wasm', description: 'backend: wasm (node-gpu skipped: not installed)', workers: 4 });
    expect(v.phase).toBe('coarse');
    expect(v.models.every((m) => Array.isArray(m.history))).toBe(true);
    // What the events said wins over the record.
    const withEvents = trainingFromRecord(rec, { ...v, phase: 'global', backend: { name: 'node', description: 'backend: node', workers: 2 } });
    expect(withEvents.phase).toBe('global');
    expect(withEvents.backend?.name).toBe('node');
    expect(backendLine({ name: 'node-gpu', tfBackend: 'tensorflow', gpu: false, versions: {}, skipped: [] })).toBe('backend: node-gpu (no GPU device visible)');
  });

  it('names the stage from the models’ states', () => {
    const m = (role: ModelCardView['role'], state: ModelCardView['state']) => ({ role, state });
    expect(phaseOf([m('local', 'running'), m('coarse', 'queued')])).toBe('local');
    expect(phaseOf([m('local', 'done'), m('coarse', 'queued'), m('global', 'queued')])).toBe('coarse');
    expect(phaseOf([m('local', 'done'), m('coarse', 'done'), m('global', 'running')])).toBe('global');
    expect(phaseOf([m('local', 'done'), m('coarse', 'done')])).toBe('evaluate');
  });
});

describe('whole-run progress', () => {
  const backend: RunEventView = { type: 'backend', info: { name: 'wasm', tfBackend: 'wasm', gpu: false, versions: {}, skipped: [] }, workers: 2, description: 'wasm' };
  const progress = (m: string, epoch: number, batch: number, eta: number): RunEventView => ({
    type: 'progress',
    model: m,
    epoch,
    epochs: 2,
    batch,
    batches: 10,
    loss: 0.5,
    accuracy: 0.5,
    samplesPerSecond: 100,
    etaSeconds: eta,
  });

  it('starts at 0 with no ETA, and is whole when the run completes', () => {
    const v = apply(start, backend);
    expect(runProgress(v)).toEqual({ fraction: 0, estimated: false });
    expect(runProgress({ ...v, status: 'completed' })).toEqual({ fraction: 1, etaSeconds: 0, estimated: false });
  });

  it('estimates the rest of the run from the local models, the global model as N local models', () => {
    // Two locals on two workers, each half way with 30 s to go (60 s per model).
    const v = apply(start, backend, progress('local-2', 0, 10, 30), progress('local-10', 0, 10, 30));
    const p = runProgress(v);
    // Stages weighted by expected time: locals 60 s, coarse 6 s (a tenth), global 2 x 60 s.
    expect(p.fraction).toBeCloseTo((0.5 * 60) / (60 + 6 + 120), 10);
    expect(p.etaSeconds).toBeCloseTo(30 + 6 + 120, 10);
    expect(p.estimated).toBe(true);
  });

  it('uses the models’ own times once known', () => {
    const v = apply(
      start,
      backend,
      { type: 'done', model: 'local-2', trainSeconds: 50, params: 10, peakRssMB: 1, samplesPerSecond: 1, epochsRun: 2 },
      { type: 'done', model: 'local-10', trainSeconds: 70, params: 10, peakRssMB: 1, samplesPerSecond: 1, epochsRun: 2 },
      { type: 'done', model: 'coarse', trainSeconds: 4, params: 5, peakRssMB: 1, samplesPerSecond: 1, epochsRun: 2 },
      progress('global', 1, 5, 25),
    );
    const p = runProgress(v);
    // The global model: 75% done with 25 s left, so 100 s in all.
    expect(p.fraction).toBeCloseTo((60 + 4 + 0.75 * 100) / (60 + 4 + 100), 10);
    expect(p.etaSeconds).toBe(25);
    expect(p.estimated).toBe(false);
  });

  it('shares queued local models among the workers', () => {
    const many = trainingFromStart({
      runId: start.runId,
      models: [...[0, 1, 2, 3, 4].map((i) => ({ name: `local-${i}`, role: 'local' as const, params: 1 })), { name: 'coarse', role: 'coarse' as const, params: 1 }],
    });
    const v = apply(many, backend, progress('local-0', 0, 10, 10), progress('local-1', 0, 10, 10));
    // Each model takes 20 s; after the two running ones (10 s), three more on two workers take 2 rounds.
    expect(runProgress(v).etaSeconds).toBeCloseTo(10 + 2 * 20 + 2, 10);
    expect(runProgress(v).estimated).toBe(false);
  });
});
