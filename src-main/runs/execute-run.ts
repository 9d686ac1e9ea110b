// The run orchestrator: schedules one trainer process per model (local models in parallel, then the
// coarse model, then the global model alone so that its time is not shared with other trainers),
// restarts crashed trainers from their last checkpoint, and evaluates the finished run.
import fs from 'node:fs';
import os from 'node:os';
import { initBackend, type BackendInfo } from '../engine/backend';
import { countGpus, trainerDeviceEnv } from '../engine/gpu-devices';
import { checkRunFits } from '../engine/device-limits';
import { coarseHiddenUnits } from '../engine/architecture';
import { evaluateRun } from './evaluate';
import { peakRssMB } from '../data/peak-memory';
import { readRunRecord, writeRunRecord, type RunRecord } from './run-record';
import { runLayout } from './layout';
import { acquireRunLock } from './run-lock';
import type { TrainerJob } from './protocol';
import type { RunEvent, TrainingStage } from './run-types';
import type { TrainerLauncher, TrainerProcess } from './launcher';

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
/** How long a trainer may take to stop after being asked before it is killed. */
const STOP_GRACE_MS = 3000;

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
  const running = new Map<string, TrainerProcess>();
  let stopping = false;
  const startedAt = performance.now();
  /** Clock seconds of this execution and the earlier ones of the same run. */
  const executedSeconds = () => (rec.executedSeconds ?? 0) + (performance.now() - startedAt) / 1000;
  let orchestratorPeak = 0;
  const memTimer = setInterval(() => (orchestratorPeak = Math.max(orchestratorPeak, process.memoryUsage().rss / 2 ** 20)), 1000);
  memTimer.unref();

  const save = () => writeRunRecord(runDir, rec);
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
      coarse: m.role === 'coarse' ? { locals: localNames, hidden: coarseHiddenUnits(localNames.length, rec.dataset.classes.length) } : undefined,
      classes: rec.dataset.classes.length,
      epochs: m.role === 'coarse' ? (rec.config.coarseEpochs ?? rec.config.epochs) : rec.config.epochs,
      batch: m.role === 'coarse' ? coarseBatch(rec.config.batch, rec.dataset.nTrain) : rec.config.batch,
      learningRate: rec.config.learningRate,
      seed: rec.config.seed,
      backend: backend.name,
      classWeight: rec.config.classWeight ?? 'none',
      select: rec.config.select ?? 'loss',
      patience: rec.config.patience,
    };
  }

  /** Trains one model to completion in its own process, restarting it after a crash. */
  function trainModel(model: string, backend: BackendInfo, slot: number): Promise<void> {
    const m = rec.models[model];
    return new Promise((resolve, reject) => {
      const launch = () => {
        m.attempts++;
        m.state = m.attempts > 1 ? 'restarted' : 'running';
        save();
        const env = trainerDeviceEnv(backend, slot);
        const p = opts.launcher({ env, logFile: L.log(model) });
        running.set(model, p);
        emit({ type: 'launch', model, pid: p.pid, attempt: m.attempts });
        let finished = false;
        let lastError = '';
        p.onMessage((msg) => {
          emit(msg);
          if (msg.type === 'epoch' || msg.type === 'done') appendMetric(msg);
          if (msg.type === 'error') lastError = msg.message.split('\n')[0];
          if (msg.type === 'started' && msg.device !== undefined) m.device = msg.device;
          if (msg.type === 'started' && msg.resumedFromEpoch > 0 && m.attempts > 1) {
            const last = rec.restarts.findLast((r) => r.model === model);
            if (last) {
              last.resumedFromEpoch = msg.resumedFromEpoch;
              save();
            }
          }
          if (msg.type === 'done') {
            finished = true;
            Object.assign(m, { state: 'done', trainSeconds: msg.trainSeconds, samplesPerSecond: msg.samplesPerSecond, peakRssMB: msg.peakRssMB, params: msg.params, bestEpoch: msg.bestEpoch, epochsRun: msg.epochsRun });
            save();
          }
        });
        p.onExit((code, signal) => {
          running.delete(model);
          if (finished) return resolve();
          if (stopping) return reject(new StopError());
          const reason = lastError || `trainer exited with ${signal ? `signal ${signal}` : `code ${code}`}`;
          if (m.attempts <= MAX_RESTARTS) {
            rec.restarts.push({ model, at: new Date().toISOString(), reason });
            emit({ type: 'restart', model, reason, attempt: m.attempts + 1 });
            launch();
          } else {
            m.state = 'failed';
            m.error = reason;
            save();
            reject(new Error(`${model} failed ${m.attempts} times; last: ${reason} (see ${L.log(model)})`));
          }
        });
        p.send({ type: 'start', job: jobFor(model, backend) });
      };
      launch();
    });
  }

  /**
   * Trains one stage's models with at most `workers` trainer processes at a time and returns the stage's
   * clock time over all its executions. The time is recorded in run.json when the stage ends, finished or
   * cut off, so that a resumed run adds the remaining part to what ran before instead of re-timing the
   * stage, and a stage that had finished keeps its time untouched.
   */
  async function trainStage(stage: TrainingStage, models: string[], backend: BackendInfo, workers: number): Promise<number> {
    rec.stageWall ??= {};
    const recorded = rec.stageWall[stage];
    if (recorded?.done) return recorded.seconds;
    const t0 = performance.now();
    const record = (done: boolean) => {
      rec.stageWall![stage] = { seconds: (recorded?.seconds ?? 0) + (performance.now() - t0) / 1000, done };
      save();
    };
    const queue = models.filter((n) => rec.models[n].state !== 'done');
    const slots = Array.from({ length: Math.min(workers, queue.length) }, (_, slot) =>
      (async () => {
        for (let next = queue.shift(); next !== undefined && !stopping; next = queue.shift()) await trainModel(next, backend, slot);
      })(),
    );
    try {
      // A failure stops the other trainers of this run too: nothing useful can come of them.
      await Promise.all(slots).catch((e) => {
        if (!(e instanceof StopError)) stopAll();
        throw e;
      });
      if (stopping) throw new StopError();
    } catch (e) {
      record(false);
      throw e;
    }
    record(true);
    return rec.stageWall![stage]!.seconds;
  }

  function stopAll(): void {
    stopping = true;
    for (const p of running.values()) p.send({ type: 'stop' });
    const kill = setTimeout(() => {
      for (const p of running.values()) p.kill('SIGKILL');
    }, STOP_GRACE_MS);
    kill.unref();
  }

  async function execute(): Promise<RunRecord> {
    const backend = await (opts.probeBackend ?? ((force) => initBackend({ force })))(rec.config.backend);
    const workers = opts.workers ?? rec.config.workers ?? defaultWorkers(backend);
    rec.backend = backend;
    // A batch the GPU cannot hold fails the run now, with the largest batch that fits, not in every trainer.
    checkRunFits(backend, rec.models, rec.config.batch, rec.dataset.nTrain);
    rec.status = 'running';
    // A new execution (first start or `ddcnn resume`) gives every unfinished model its full restart budget.
    for (const m of Object.values(rec.models)) if (m.state !== 'done') Object.assign(m, { state: 'queued', attempts: 0, error: undefined });
    delete rec.error;
    save();
    emit({ type: 'backend', info: backend, workers });

    const names = Object.keys(rec.models);
    const locals = names.filter((n) => rec.models[n].role === 'local');
    emit({ type: 'phase', phase: 'local', models: locals });
    const localWall = await trainStage('local', locals, backend, workers);
    emit({ type: 'phase', phase: 'coarse', models: ['coarse'] });
    const coarseWall = await trainStage('coarse', ['coarse'], backend, 1);
    let globalWall: number | undefined;
    if (rec.models.global) {
      emit({ type: 'phase', phase: 'global', models: ['global'] });
      globalWall = await trainStage('global', ['global'], backend, 1);
    }
    emit({ type: 'phase', phase: 'evaluate', models: [] });
    evaluateRun(runDir, rec);
    const localSeconds = locals.map((n) => rec.models[n].trainSeconds ?? 0);
    rec.timings = {
      localMax: Math.max(...localSeconds),
      localSum: localSeconds.reduce((a, b) => a + b, 0),
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
      return rec;
    })
    .then((r) => {
      clearInterval(memTimer);
      r.executedSeconds = executedSeconds();
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
