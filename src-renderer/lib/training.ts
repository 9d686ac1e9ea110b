// The live view of one training run, built from the run's models and then from its events alone: a pure
// reducer, so the cards show exactly what the orchestrator reported and the logic is tested without a UI.
import type { ModelRole, ModelState, RunEventView, RunHistory, RunRecordView, RunStatus, TrainStartResponse } from '../../src-main/api/contract';

/**
 * One summary per epoch, in epoch order; a later list wins for an epoch both give (a trainer restarted
 * from its checkpoint repeats the epoch it was in, and metrics.jsonl keeps both lines).
 */
export function mergeEpochs(...lists: (EpochSummary[] | undefined)[]): EpochSummary[] {
  const byEpoch = new Map<number, EpochSummary>();
  for (const list of lists) for (const e of list ?? []) byEpoch.set(e.epoch, e);
  return [...byEpoch.values()].sort((a, b) => a.epoch - b.epoch);
}

/** What a finished epoch reports (metrics.jsonl's lines, the 'epoch' event). */
export type EpochSummary = RunHistory['models'][string][number];

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
  /** The epoch whose weights the model kept (its best by the run's validation criterion), once done. */
  bestEpoch?: number;
  /** The last error or restart reason, first line only. */
  message?: string;
  /** A cluster job's id and state (Slurm: PENDING with its reason, RUNNING on its node, ...). */
  job?: string;
  /** Every finished epoch of this model, in epoch order: the curves. */
  history: EpochSummary[];
}

export type TrainingStatus = RunStatus | 'stopping';

export interface TrainingView {
  runId: string;
  status: TrainingStatus;
  /** The stage the orchestrator is in: local models, coarse model, global model, evaluation. */
  phase?: 'local' | 'coarse' | 'global' | 'coherent' | 'transfer' | 'evaluate';
  backend?: { name: string; description: string; workers: number };
  models: ModelCardView[];
  error?: string;
  /** The coherent variants the run trains after the CNN-DNN: stages of their own (from the record, or their phase). */
  variants?: ('coherent' | 'transfer')[];
}

const ROLE_ORDER: Record<ModelRole, number> = { local: 0, fold: 1, coarse: 2, global: 3 };

/** local-0, local-1, ..., local-10, local-0-fold-0, ..., coarse, global. */
function byRoleThenIndex(a: { name: string; role: ModelRole }, b: { name: string; role: ModelRole }): number {
  const index = (n: string) => (/^local-(\d+)(?:-fold-(\d+))?$/.exec(n) ?? []).slice(1).map((d) => Number(d ?? 0));
  const [ia, ib] = [index(a.name), index(b.name)];
  return ROLE_ORDER[a.role] - ROLE_ORDER[b.role] || (ia[0] ?? 0) - (ib[0] ?? 0) || (ia[1] ?? 0) - (ib[1] ?? 0);
}

const card = (name: string, role: ModelRole, params: number): ModelCardView => ({ name, role, params, state: 'queued', attempt: 0, epochsDone: 0, fraction: 0, history: [] });

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
        bestEpoch: m.bestEpoch ?? base.bestEpoch,
        samplesPerSecond: m.samplesPerSecond ?? base.samplesPerSecond,
        etaSeconds: done ? undefined : base.etaSeconds,
        message: m.error?.split('\n')[0] ?? base.message,
      };
    })
    .sort(byRoleThenIndex);
  const view: TrainingView = { ...(previous ?? { runId: rec.id }), runId: rec.id, status: rec.status, error: rec.error, models };
  // After a page reload the 'backend' and 'phase' events of the run are gone: the record tells both.
  if (!view.backend && rec.backend) view.backend = { name: rec.backend.name, description: backendLine(rec.backend), workers: rec.config.workers ?? 0 };
  if (!view.phase && rec.status === 'running') view.phase = phaseOf(models);
  if (rec.config?.variants?.length) view.variants = rec.config.variants;
  return view;
}

/** One line about a recorded backend, e.g. "backend: wasm (node-gpu skipped: ...)". */
export function backendLine(info: NonNullable<RunRecordView['backend']>): string {
  const notes = [...(info.name === 'node-gpu' && !info.gpu ? ['no GPU device visible'] : []), ...info.skipped.map((s) => `${s.backend} skipped: ${s.reason}`)];
  return notes.length === 0 ? `backend: ${info.name}` : `backend: ${info.name} (${notes.join('; ')})`;
}

/** The stage a run is in, from its models' states (the orchestrator's order: locals, coarse, global). */
export function phaseOf(models: Pick<ModelCardView, 'role' | 'state'>[]): TrainingView['phase'] {
  const pending = (role: ModelRole) => models.some((m) => m.role === role && m.state !== 'done');
  if (pending('local')) return 'local';
  if (pending('coarse')) return 'coarse';
  if (pending('global')) return 'global';
  return 'evaluate';
}

/** The view with each model's recorded epochs (runs:history) merged under the ones the events brought. */
export function withHistory(view: TrainingView, history: RunHistory): TrainingView {
  const merge = (c: ModelCardView): ModelCardView => {
    const recorded = history.models[c.name];
    if (!recorded || recorded.length === 0) return c;
    const merged = mergeEpochs(recorded, c.history);
    const last = merged[merged.length - 1];
    // A reopened run has no events: its latest numbers are those of its last recorded epoch.
    return {
      ...c,
      history: merged,
      epochsDone: Math.max(c.epochsDone, last.epoch),
      loss: c.loss ?? last.loss,
      accuracy: c.accuracy ?? last.accuracy,
      valAccuracy: c.valAccuracy ?? last.valAccuracy,
    };
  };
  return { ...view, models: view.models.map(merge) };
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
      if ((e.phase === 'coherent' || e.phase === 'transfer') && !view.variants?.includes(e.phase)) return { ...view, phase: e.phase, variants: [...(view.variants ?? []), e.phase] };
      return { ...view, phase: e.phase };
    case 'launch':
      return updateModel(view, e.model, (c) => ({ ...c, state: e.attempt > 1 ? 'restarted' : 'running', attempt: e.attempt, etaSeconds: undefined }));
    case 'restart':
      return updateModel(view, e.model, (c) => ({ ...c, state: 'restarted', message: e.reason }));
    case 'job':
      return updateModel(view, e.model, (c) => ({ ...c, job: `${e.executor} job ${e.id} ${e.state}${e.node ? ` on ${e.node}` : ''}${e.reason ? ` (${e.reason})` : ''}` }));
    case 'attach':
      return updateModel(view, e.model, (c) => ({ ...c, job: `re-attached to job ${e.job}` }));
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
        history: mergeEpochs(c.history, [{ epoch: e.epoch, loss: e.loss, accuracy: e.accuracy, valLoss: e.valLoss, valAccuracy: e.valAccuracy, seconds: e.seconds }]),
      }));
    case 'done':
      return updateModel(view, e.model, (c) => ({
        ...c,
        state: 'done',
        fraction: 1,
        // An early stop ends a model before its last epoch.
        epochsDone: e.epochsRun,
        etaSeconds: undefined,
        trainSeconds: e.trainSeconds,
        bestEpoch: e.bestEpoch,
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

export interface RunProgress {
  /** 0..1 over the whole run, stages weighted by their expected time. */
  fraction: number;
  /** Seconds left, when they can be estimated. */
  etaSeconds?: number;
  /** Whether the ETA counts a global model that has not started yet (estimated from the local models). */
  estimated: boolean;
}

/** A model's expected training time in this execution: its recorded time, or elapsed + remaining. */
function expectedSeconds(c: ModelCardView): number | undefined {
  if (c.state === 'done' && c.trainSeconds !== undefined) return c.trainSeconds;
  if (c.etaSeconds !== undefined && c.fraction > 0.02 && c.fraction < 1) return c.etaSeconds / (1 - c.fraction);
  return undefined;
}

/**
 * Progress and ETA of the whole run. The local models train `workers` at a time, then the coarse model,
 * then the global model alone. By the width rule a local model does about 1/N of the global model's work,
 * so before the global model starts its time is estimated as N local models' time (and flagged as such);
 * the coarse model's, before it starts, as a tenth of a local model's.
 */
export function runProgress(view: TrainingView): RunProgress {
  if (view.status === 'completed') return { fraction: 1, etaSeconds: 0, estimated: false };
  const locals = view.models.filter((m) => m.role === 'local');
  const coarse = view.models.find((m) => m.role === 'coarse');
  const global = view.models.find((m) => m.role === 'global');
  const n = Math.max(1, locals.length);
  const workers = Math.max(1, Math.min(n, view.backend?.workers || n));
  const known = locals.map(expectedSeconds).filter((v): v is number => v !== undefined);
  const tau = known.length > 0 ? known.reduce((a, b) => a + b, 0) / known.length : undefined;
  const unit = tau ?? 1;
  const localStage = Math.ceil(n / workers) * unit;
  const coarseStage = (coarse && expectedSeconds(coarse)) ?? 0.1 * unit;
  const globalStage = global ? ((expectedSeconds(global) ?? n * unit)) : 0;
  const localFraction = locals.reduce((a, m) => a + (m.state === 'done' ? 1 : m.fraction), 0) / n;
  const frac = (m: ModelCardView | undefined) => (m === undefined ? 0 : m.state === 'done' ? 1 : m.fraction);
  const total = localStage + coarseStage + globalStage;
  const fraction = Math.min(1, (localFraction * localStage + frac(coarse) * coarseStage + frac(global) * globalStage) / total);
  if (tau === undefined || !(view.status === 'running' || view.status === 'created')) return { fraction, estimated: false };
  // Local stage: the running models' ETAs, and the queued ones shared among the workers.
  const running = locals.filter((m) => m.state !== 'done' && m.etaSeconds !== undefined).map((m) => m.etaSeconds!);
  const queued = locals.filter((m) => m.state !== 'done' && m.etaSeconds === undefined).length;
  const localLeft = locals.every((m) => m.state === 'done') ? 0 : Math.max(0, ...running) + Math.ceil(queued / workers) * tau;
  const left = (m: ModelCardView | undefined, stage: number) => (m === undefined || m.state === 'done' ? 0 : (m.etaSeconds ?? stage));
  const estimated = global !== undefined && global.state !== 'done' && global.etaSeconds === undefined;
  return { fraction, etaSeconds: localLeft + left(coarse, coarseStage) + left(global, globalStage), estimated };
}
