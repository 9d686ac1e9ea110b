// The live view of one training run, built from the run's models and then from its events alone: a pure
// reducer, so the cards show exactly what the orchestrator reported and the logic is tested without a UI.
import type { ModelRole, ModelState, RunEventView, RunRecordView, RunStatus, TrainStartResponse } from '../../src-main/api/contract';

export interface ModelCardView {
  name: string;
  role: ModelRole;
  params: number;
  state: ModelState;
  /** Which start of this model's trainer (restarts after a crash count up). */
  attempt: number;
  /** Completed epochs. */
  epochsDone: number;
  epochs?: number;
  /** 0..1 over all of this model's epochs. */
  fraction: number;
  loss?: number;
  accuracy?: number;
  valAccuracy?: number;
  etaSeconds?: number;
  samplesPerSecond?: number;
  trainSeconds?: number;
  /** The last error or restart reason, first line only. */
  message?: string;
}

export type TrainingStatus = RunStatus | 'stopping';

export interface TrainingView {
  runId: string;
  status: TrainingStatus;
  /** The stage the orchestrator is in: local models, coarse model, global model, evaluation. */
  phase?: 'local' | 'coarse' | 'global' | 'evaluate';
  backend?: { name: string; description: string; workers: number };
  models: ModelCardView[];
  error?: string;
}

const ROLE_ORDER: Record<ModelRole, number> = { local: 0, coarse: 1, global: 2 };

/** local-0, local-1, ..., local-10, coarse, global. */
function byRoleThenIndex(a: { name: string; role: ModelRole }, b: { name: string; role: ModelRole }): number {
  const index = (n: string) => Number(/(\d+)$/.exec(n)?.[1] ?? 0);
  return ROLE_ORDER[a.role] - ROLE_ORDER[b.role] || index(a.name) - index(b.name);
}

const card = (name: string, role: ModelRole, params: number): ModelCardView => ({ name, role, params, state: 'queued', attempt: 0, epochsDone: 0, fraction: 0 });

export function trainingFromStart(res: TrainStartResponse): TrainingView {
  return { runId: res.runId, status: 'created', models: res.models.map((m) => card(m.name, m.role, m.params)).sort(byRoleThenIndex) };
}

/** The view of a run from its record: after a reload of the page, and to settle states when a run ends. */
export function trainingFromRecord(rec: RunRecordView, previous?: TrainingView): TrainingView {
  const models = Object.entries(rec.models)
    .map(([name, m]): ModelCardView => {
      const before = previous?.models.find((c) => c.name === name);
      const base = before ?? card(name, m.role, m.params);
      const done = m.state === 'done';
      return {
        ...base,
        params: m.params,
        state: m.state,
        attempt: Math.max(base.attempt, m.attempts),
        fraction: done ? 1 : base.fraction,
        trainSeconds: m.trainSeconds ?? base.trainSeconds,
        samplesPerSecond: m.samplesPerSecond ?? base.samplesPerSecond,
        etaSeconds: done ? undefined : base.etaSeconds,
        message: m.error?.split('\n')[0] ?? base.message,
      };
    })
    .sort(byRoleThenIndex);
  return { ...(previous ?? { runId: rec.id }), runId: rec.id, status: rec.status, error: rec.error, models };
}

function updateModel(view: TrainingView, name: string, f: (c: ModelCardView) => ModelCardView): TrainingView {
  if (!view.models.some((c) => c.name === name)) return view;
  return { ...view, models: view.models.map((c) => (c.name === name ? f(c) : c)) };
}

export function applyRunEvent(view: TrainingView, e: RunEventView): TrainingView {
  switch (e.type) {
    case 'backend':
      return { ...view, status: view.status === 'stopping' ? 'stopping' : 'running', backend: { name: e.info.name, description: e.description, workers: e.workers } };
    case 'phase':
      return { ...view, phase: e.phase };
    case 'launch':
      return updateModel(view, e.model, (c) => ({ ...c, state: e.attempt > 1 ? 'restarted' : 'running', attempt: e.attempt, etaSeconds: undefined }));
    case 'restart':
      return updateModel(view, e.model, (c) => ({ ...c, state: 'restarted', message: e.reason }));
    case 'started':
      return updateModel(view, e.model, (c) => ({ ...c, params: e.params, epochsDone: Math.max(c.epochsDone, e.resumedFromEpoch) }));
    case 'progress':
      return updateModel(view, e.model, (c) => ({
        ...c,
        epochs: e.epochs,
        fraction: Math.min(1, (e.epoch + e.batch / e.batches) / e.epochs),
        loss: e.loss,
        accuracy: e.accuracy,
        etaSeconds: e.etaSeconds,
        samplesPerSecond: e.samplesPerSecond,
      }));
    case 'epoch':
      return updateModel(view, e.model, (c) => ({
        ...c,
        epochs: e.epochs,
        epochsDone: e.epoch,
        fraction: Math.max(c.fraction, Math.min(1, e.epoch / e.epochs)),
        loss: e.loss,
        accuracy: e.accuracy,
        valAccuracy: e.valAccuracy,
      }));
    case 'done':
      return updateModel(view, e.model, (c) => ({
        ...c,
        state: 'done',
        fraction: 1,
        epochsDone: c.epochs ?? c.epochsDone,
        etaSeconds: undefined,
        trainSeconds: e.trainSeconds,
        samplesPerSecond: e.samplesPerSecond,
        params: e.params,
      }));
    case 'error':
      // The orchestrator decides whether the trainer is restarted ('restart' follows) or the run fails.
      return updateModel(view, e.model, (c) => ({ ...c, state: 'failed', message: e.message.split('\n')[0] }));
    case 'stopped':
      return updateModel(view, e.model, (c) => ({ ...c, state: 'queued', etaSeconds: undefined }));
    case 'finished':
      return {
        ...view,
        status: e.status,
        error: e.error,
        // As the orchestrator records it: a model cut off in the middle waits to be resumed.
        models: view.models.map((c) => (c.state === 'running' || c.state === 'restarted' ? { ...c, state: 'queued', etaSeconds: undefined } : c)),
      };
    case 'checkpoint':
      return view;
  }
}

export function isTraining(view: TrainingView | null): boolean {
  return view !== null && (view.status === 'created' || view.status === 'running' || view.status === 'stopping');
}
