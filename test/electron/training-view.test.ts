// The renderer's live view of a run (src-renderer/lib/training.ts), driven by the orchestrator's events.
import { describe, expect, it } from 'vitest';
import type { RunEventView, RunRecordView } from '../../src-main/api/contract';
import { applyRunEvent, isTraining, trainingFromRecord, trainingFromStart, type TrainingView } from '../../src-renderer/lib/training';

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
    v = apply(v, { type: 'done', model: 'local-2', trainSeconds: 6, params: 11, peakRssMB: 300, samplesPerSecond: 90 });
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
});
