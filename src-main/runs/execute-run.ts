// The run orchestrator: schedules one trainer process per model (local models in parallel, then the
// coarse model, then the global model alone so that its time is not shared with other trainers),
// restarts crashed trainers from their last checkpoint, and evaluates the finished run.
import fs from 'node:fs';
import os from 'node:os';
import { initBackend, type BackendInfo } from '../engine/backend';
import { countGpus, trainerDeviceEnv } from '../engine/gpu-devices';
import { checkRunFits } from '../engine/device-limits';
import { coarseHiddenUnits } from '../engine/architecture';
import { augmentSettingsOf, localLearningRate } from './training-settings';
import { RUN_DEFAULTS } from './run-config';
import { evaluateRun } from './evaluate';
import { peakRssMB } from '../data/peak-memory';
import { readRunRecord, writeRunRecord, type RunRecord } from './run-record';
import { runLayout } from './layout';
import { acquireRunLock } from './run-lock';
import type { TrainerJob } from './protocol';
import type { RunEvent, TrainingStage } from './run-types';
import type { TrainerLauncher } from './launcher';
import type { Executor, Trainer, TrainerEnd, TrainerSubmission } from './executor';
import { createExecutor } from './executors';
import { runCoherentStage } from './coherent-stage';

/** How often a crashed trainer is restarted from its checkpoint before the run fails. */
export const MAX_RESTARTS = 2;
/**
 * Batch of the coarse model: a dense network on N*K numbers, whose steps cost almost nothing beyond
 * their fixed overhead. On large training sets it takes batches of up to 256, as long as an epoch
 * still has at least 50 steps; on small ones (a few hundred CT cases) it keeps the run's batch, since
 * a handful of steps per epoch would leave it untrained (seen on LIDC: AUC 0.52 with batch 256).
 */
export function coarseBatch(runBatch: number, nTrain: number): number {
  return Math.max(runBatch, Math.min(256, Math.floor(nTrain / 50)));
}

export type { RunEvent };

export interface ExecuteOptions {
  launcher: TrainerLauncher;
  workers?: number;
  onEvent?: (e: RunEvent) => void;
  /**
   * Finds the backend the trainers will use (they each load it themselves). In this process by default;
   * the app probes in a job process, so that its main process never loads TensorFlow or binds a GPU.
   */
  probeBackend?: (force: string | undefined) => Promise<BackendInfo>;
}

export interface RunHandle {
  /** Resolves with the final run record (completed, interrupted or failed). */
  done: Promise<RunRecord>;
  /** Asks every trainer to stop; running trainers are killed if they have not stopped within 3 s. */
  stop(): void;
}

/** One trainer per GPU on a GPU backend, else one per core. */
export function defaultWorkers(backend: BackendInfo): number {
  return backend.gpu ? countGpus(backend) : Math.max(1, os.availableParallelism());
}

export function executeRun(runDir: string, opts: ExecuteOptions): RunHandle {
  const L = runLayout(runDir);
  // A completed run is shown, never executed again: with nothing left to train, a second execution would
  // only overwrite the run's real stage times and memory peaks with those of an empty pass.
  const shown = (r: RunRecord): RunHandle => ({ done: Promise.resolve(r), stop: () => {} });
  const before = readRunRecord(runDir);
  if (before.status === 'completed') return shown(before);
  // One owner at a time; throws RunLockedError while another live process trains this run. The record
  // is read again under the lock: its owner may have finished it in the meantime.
  const releaseLock = acquireRunLock(runDir);
  const rec = readRunRecord(runDir);
  if (rec.status === 'completed') {
    releaseLock();
    return shown(rec);
  }
  const emit = opts.onEvent ?? (() => {});
  const running = new Map<string, Trainer>();
  /** The stages of this execution, in order, for their wall times. */
  const stages: Stage[] = [];
  let executor: Executor | undefined;
  let stopping = false;
  const startedAt = performance.now();
  /** Clock seconds of this execution and the earlier ones of the same run. */
  const executedSeconds = () => (rec.executedSeconds ?? 0) + (performance.now() - startedAt) / 1000;
  let orchestratorPeak = 0;
  const memTimer = setInterval(() => (orchestratorPeak = Math.max(orchestratorPeak, process.memoryUsage().rss / 2 ** 20)), 1000);
  memTimer.unref();

  const save = () => writeRunRecord(runDir, rec);
  // Resolved when the run was created; a record without one is not a run this code made.
  const runBatch = rec.config.batch ?? RUN_DEFAULTS.batch;
  const isLocal = (model: string) => rec.models[model].role === 'local' || rec.models[model].role === 'fold';
  const batchOf = (model: string) => (rec.models[model].role === 'coarse' ? coarseBatch(runBatch, rec.dataset.nTrain) : isLocal(model) ? (rec.config.localBatch ?? runBatch) : runBatch);
  const appendMetric = (m: object) => fs.appendFileSync(L.metrics, JSON.stringify({ t: new Date().toISOString(), ...m }) + '\n');

  function jobFor(model: string, backend: BackendInfo): TrainerJob {
    const m = rec.models[model];
    const localNames = Object.keys(rec.models).filter((n) => rec.models[n].role === 'local');
    return {
      runDir,
      cacheDir: L.cache,
      model,
      role: m.role,
      box: m.box,
      arch: m.arch,
      coarse:
        m.role === 'coarse'
          ? { locals: localNames, hidden: coarseHiddenUnits(localNames.length, rec.dataset.classes.length), ...(rec.config.coarseInputs === 'out-of-fold' ? { folds: rec.config.folds } : {}) }
          : undefined,
      classes: rec.dataset.classes.length,
      epochs: m.role === 'coarse' ? (rec.config.coarseEpochs ?? rec.config.epochs) : rec.config.epochs,
      batch: batchOf(model),
      learningRate: isLocal(model) ? localLearningRate(rec.config) : (rec.config.learningRate ?? RUN_DEFAULTS.learningRate),
      seed: rec.config.seed,
      backend: backend.name,
      classWeight: rec.config.classWeight ?? 'none',
      select: rec.config.select ?? 'loss',
      patience: rec.config.patience,
      // Runs made before these settings train as they did: no augmentation, constant rate, train-split coarse inputs.
      augment: m.role === 'coarse' ? undefined : augmentSettingsOf(rec.config, rec.decomposition.grid.length),
      schedule: m.role === 'coarse' ? 'constant' : (rec.config.schedule ?? 'constant'),
      warmup: rec.config.warmup ?? 0,
      weightDecay: m.role === 'coarse' ? 0 : (rec.config.weightDecay ?? 0),
      dropout: m.role === 'coarse' ? 0 : (rec.config.dropout ?? 0),
      fold: m.fold,
      coarseInputs: rec.config.coarseInputs ?? 'train',
    };
  }

  /**
   * A stage's clock time over all its executions: from its first trainer running to its last one's end in
   * this execution, plus what earlier executions recorded. A stage that had finished keeps its time.
   */
  function stageSeconds(s: Stage): number {
    const recorded = rec.stageWall?.[s.name];
    if (recorded?.done) return recorded.seconds;
    const ran = s.startedAt === undefined ? 0 : ((s.endedAt ?? performance.now()) - s.startedAt) / 1000;
    return (recorded?.seconds ?? 0) + ran;
  }

  /**
   * Records a stage's time in run.json when it ends, finished or cut off, so that a resume adds the rest to
   * what ran before instead of timing the stage anew (a completed stage is not timed again).
   */
  function recordStageWall(s: Stage, done: boolean): void {
    if (rec.stageWall?.[s.name]?.done) return;
    rec.stageWall = { ...rec.stageWall, [s.name]: { seconds: stageSeconds(s), done } };
    save();
  }

  const submission = (model: string, backend: BackendInfo): TrainerSubmission => ({ model, job: jobFor(model, backend), logFile: L.log(model) });

  /** A stage's models, submitted as one group; `done` resolves when every one of them has finished. */
  interface Stage {
    name: TrainingStage;
    models: string[];
    done: Promise<void>;
    /** The trainers of its models that have not finished yet: what a later stage waits for. */
    unfinished(): Trainer[];
    /** When its first trainer started running, and when its last one finished (performance.now()). */
    startedAt?: number;
    endedAt?: number;
  }

  /**
   * Trains the models of one stage through the executor: one submission for all of them (re-attaching to the
   * jobs an earlier execution left queued or running), then each one followed to its end and resubmitted from
   * its checkpoint after a fault, at most MAX_RESTARTS times.
   */
  async function runStage(name: TrainingStage, models: string[], backend: BackendInfo, after?: Stage): Promise<Stage> {
    const todo = models.filter((n) => rec.models[n].state !== 'done');
    const current = new Map<string, Trainer>();
    const stage: Stage = { name, models, done: Promise.resolve(), unfinished: () => todo.filter((n) => rec.models[n].state !== 'done').flatMap((n) => current.get(n) ?? []) };
    stages.push(stage);
    const fresh: string[] = [];
    for (const name of todo) {
      const job = rec.models[name].job;
      const t = job && !stopping ? await executor!.attach(submission(name, backend), job) : undefined;
      if (t) {
        current.set(name, t);
        rec.models[name].attempts = 1;
        emit({ type: 'attach', model: name, job: job!.id });
      } else fresh.push(name);
    }
    if (fresh.length && !stopping) for (const t of await submit(fresh, backend, after?.unfinished() ?? [])) current.set(t.model, t);
    // Stopped while this stage was being submitted: what was submitted or re-attached stops too.
    if (stopping) {
      for (const t of current.values()) t.stop();
      throw new StopError();
    }
    const follow = async (name: string): Promise<void> => {
      for (;;) {
        const end = await watch(current.get(name)!, stage);
        if (end.finished) return;
        if (stopping || cancelRequested()) throw new StopError();
        const m = rec.models[name];
        if (end.dependencyFailed) {
          // Its job can never start (a model it needs faulted and was resubmitted): submit it again once
          // they have all finished. Not a fault of its own, so its restart budget is untouched.
          m.attempts--;
          await after?.done;
        } else if (m.attempts <= MAX_RESTARTS) {
          rec.restarts.push({ model: name, at: new Date().toISOString(), reason: end.reason, ...(end.job ? { job: end.job } : {}) });
          emit({ type: 'restart', model: name, reason: end.reason, attempt: m.attempts + 1 });
        } else {
          m.state = 'failed';
          m.error = end.reason;
          save();
          throw new Error(`${name} failed ${m.attempts} times; last: ${end.reason} (see ${L.log(name)})`);
        }
        const [next] = await submit([name], backend, after?.unfinished() ?? []);
        current.set(name, next);
        if (stopping) next.stop();
      }
    };
    stage.done = Promise.all(todo.map(follow)).then(
      () => {
        stage.endedAt = performance.now();
        recordStageWall(stage, true);
      },
      (e) => {
        // A failure stops the other trainers of this run too: nothing useful can come of them.
        if (!(e instanceof StopError)) stopAll();
        throw e;
      },
    );
    // Awaited in stage order; a later stage that fails while an earlier one is awaited is reported there.
    stage.done.catch(() => {});
    return stage;
  }

  async function submit(models: string[], backend: BackendInfo, after: Trainer[]): Promise<Trainer[]> {
    const trainers = await executor!.submit(models.map((n) => submission(n, backend)), after);
    for (const t of trainers) {
      const m = rec.models[t.model];
      m.attempts++;
      m.state = m.attempts > 1 ? 'restarted' : 'running';
      m.job = t.record();
    }
    save();
    return trainers;
  }

  /** Follows one trainer's events into run.json, metrics.jsonl and the run's events, until it ends. */
  async function watch(t: Trainer, stage: Stage): Promise<TrainerEnd> {
    const model = t.model;
    const m = rec.models[model];
    running.set(model, t);
    let launched = false;
    t.onEvent((msg) => {
      if (msg.type === 'job') {
        m.job = t.record();
        if (msg.status.state === 'RUNNING' && !launched) {
          launched = true;
          stage.startedAt = Math.min(stage.startedAt ?? Infinity, performance.now());
          emit({ type: 'launch', model, pid: t.pid, attempt: m.attempts });
        }
        if (executor!.kind !== 'local') emit({ type: 'job', model, executor: executor!.kind, ...msg.status });
        save();
        return;
      }
      emit(msg);
      if (msg.type === 'epoch' || msg.type === 'done') appendMetric(msg);
      if (msg.type === 'epoch') {
        m.job = t.record();
        save();
      }
      if (msg.type === 'started') {
        m.job = t.record();
        if (msg.device !== undefined) m.device = msg.device;
        if (msg.resumedFromEpoch > 0 && m.attempts > 1) {
          const last = rec.restarts.findLast((r) => r.model === model);
          if (last) last.resumedFromEpoch = msg.resumedFromEpoch;
        }
        save();
      }
      if (msg.type === 'done') {
        Object.assign(m, { state: 'done', trainSeconds: msg.trainSeconds, samplesPerSecond: msg.samplesPerSecond, peakRssMB: msg.peakRssMB, params: msg.params, bestEpoch: msg.bestEpoch, epochsRun: msg.epochsRun, job: t.record() });
        save();
      }
    });
    const end = await t.ended;
    if (running.get(model) === t) running.delete(model);
    if (end.job) {
      m.job = t.record();
      save();
    }
    return end;
  }

  function stopAll(): void {
    stopping = true;
    for (const t of running.values()) t.stop();
  }

  const cancelRequested = () => fs.existsSync(L.cancelRequest);

  async function execute(): Promise<RunRecord> {
    const backend = await (opts.probeBackend ?? ((force) => initBackend({ force })))(rec.config.backend);
    const workers = opts.workers ?? rec.config.workers ?? defaultWorkers(backend);
    rec.backend = backend;
    // A batch the GPU cannot hold fails the run now, with the largest batch that fits, not in every trainer.
    checkRunFits(backend, rec.models, batchOf, rec.dataset.nTrain);
    rec.status = 'running';
    // A new execution (first start or `ddcnn resume`) gives every unfinished model its full restart budget.
    for (const m of Object.values(rec.models)) if (m.state !== 'done') Object.assign(m, { state: 'queued', attempts: 0, error: undefined });
    delete rec.error;
    save();
    emit({ type: 'backend', info: backend, workers, executor: rec.config.executor?.kind ?? 'local' });

    executor = createExecutor(runDir, rec, { launcher: opts.launcher, workers, deviceEnv: (slot) => trainerDeviceEnv(backend, slot) });
    // A cancel request left by `ddcnn cancel` applies to the execution it stopped, not to this one.
    fs.rmSync(L.cancelRequest, { force: true });
    await executor.prepare();
    if (stopping) throw new StopError();

    const names = Object.keys(rec.models);
    const locals = names.filter((n) => rec.models[n].role === 'local');
    // Fold models (out-of-fold coarse inputs) belong to the local stage: the coarse model needs them, and
    // their time is part of the CNN-DNN's.
    const folds = names.filter((n) => rec.models[n].role === 'fold');
    // Every stage is submitted up front, each waiting for the one it needs: the coarse model for the local
    // models, and, on one machine, the global model for the coarse model (so that it trains alone and its
    // time is its own). On a cluster the global model's job has its own allocation and need not wait.
    emit({ type: 'phase', phase: 'local', models: locals });
    const localStage = await runStage('local', [...locals, ...folds], backend);
    const coarseStage = await runStage('coarse', ['coarse'], backend, localStage);
    const globalStage = rec.models.global ? await runStage('global', ['global'], backend, executor.sharedMachine ? coarseStage : undefined) : undefined;
    await localStage.done;
    emit({ type: 'phase', phase: 'coarse', models: ['coarse'] });
    await coarseStage.done;
    if (globalStage) {
      emit({ type: 'phase', phase: 'global', models: ['global'] });
      await globalStage.done;
    }
    if (stopping) throw new StopError();
    // The follow-up paper's variants, each alone on the machine after the CNN-DNN and the global model.
    const gpus = Math.max(1, countGpus(backend));
    for (const variant of rec.config.variants ?? []) {
      emit({ type: 'phase', phase: variant, models: [variant] });
      const finished = await runCoherentStage(runDir, rec, variant, { launcher: opts.launcher, deviceEnv: (slot) => trainerDeviceEnv(backend, slot % gpus), backend: backend.name, shouldStop: () => stopping || cancelRequested(), emit, save, maxRestarts: MAX_RESTARTS });
      if (!finished) throw new StopError();
    }
    const localWall = stageSeconds(localStage);
    const coarseWall = stageSeconds(coarseStage);
    const globalWall = globalStage && stageSeconds(globalStage);
    emit({ type: 'phase', phase: 'evaluate', models: [] });
    evaluateRun(runDir, rec);
    const localSeconds = locals.map((n) => rec.models[n].trainSeconds ?? 0);
    rec.timings = {
      localMax: Math.max(...localSeconds),
      localSum: localSeconds.reduce((a, b) => a + b, 0),
      ...(folds.length ? { foldSum: folds.reduce((a, n) => a + (rec.models[n].trainSeconds ?? 0), 0) } : {}),
      coarse: rec.models.coarse.trainSeconds ?? 0,
      global: rec.models.global?.trainSeconds,
      localWall,
      coarseWall,
      cnnDnnWall: localWall + coarseWall,
      globalWall,
      totalWall: executedSeconds(),
    };
    rec.status = 'completed';
    return rec;
  }

  const done = execute()
    .catch((e: Error) => {
      rec.status = e instanceof StopError ? 'interrupted' : 'failed';
      if (!(e instanceof StopError)) rec.error = e.message;
      for (const m of Object.values(rec.models)) if (m.state === 'running' || m.state === 'restarted') m.state = 'queued';
      // The stages cut off keep the time they ran; the next execution adds to it.
      for (const s of stages) if (s.endedAt === undefined) recordStageWall(s, false);
      return rec;
    })
    .then(async (r) => {
      clearInterval(memTimer);
      r.executedSeconds = executedSeconds();
      await executor?.close();
      r.memory = {
        // The peak of every execution: a resume cannot lower what the first one used.
        orchestratorPeakMB: Math.max(orchestratorPeak, peakRssMB(), r.memory?.orchestratorPeakMB ?? 0),
        trainersPeakMB: Object.fromEntries(Object.entries(r.models).flatMap(([n, m]) => (m.peakRssMB ? [[n, m.peakRssMB]] : []))),
      };
      save();
      releaseLock();
      return r;
    });

  return { done, stop: stopAll };
}

class StopError extends Error {
  constructor() {
    super('run stopped');
  }
}
