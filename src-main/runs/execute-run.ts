// The run orchestrator: schedules one trainer process per model (local models in parallel, then the
// coarse model, then the global model alone so that its time is not shared with other trainers),
// restarts crashed trainers from their last checkpoint, and evaluates the finished run.
import fs from 'node:fs';
import os from 'node:os';
import { execFileSync } from 'node:child_process';
import { initBackend, type BackendInfo } from '../engine/backend';
import { coarseHiddenUnits } from '../engine/architecture';
import { evaluateRun } from './evaluate';
import { peakRssMB } from '../data/peak-memory';
import { readRunRecord, writeRunRecord, type RunRecord } from './run-record';
import { runLayout } from './layout';
import type { TrainerJob } from './protocol';
import type { RunEvent } from './run-types';
import type { TrainerLauncher } from './launcher';
import type { Executor, Trainer, TrainerEnd, TrainerSubmission } from './executor';
import { createExecutor } from './executors';

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

function countGpus(): number {
  try {
    return Math.max(1, execFileSync('nvidia-smi', ['-L'], { encoding: 'utf8', timeout: 5000 }).trim().split('\n').length);
  } catch {
    return 1;
  }
}

export function defaultWorkers(backend: BackendInfo): number {
  return backend.gpu ? countGpus() : Math.max(1, os.availableParallelism());
}

export function executeRun(runDir: string, opts: ExecuteOptions): RunHandle {
  const L = runLayout(runDir);
  const emit = opts.onEvent ?? (() => {});
  const running = new Map<string, Trainer>();
  let executor: Executor | undefined;
  let stopping = false;
  let orchestratorPeak = 0;
  const memTimer = setInterval(() => (orchestratorPeak = Math.max(orchestratorPeak, process.memoryUsage().rss / 2 ** 20)), 1000);
  memTimer.unref();

  const rec = readRunRecord(runDir);
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
    };
  }

  const submission = (model: string, backend: BackendInfo): TrainerSubmission => ({ model, job: jobFor(model, backend), logFile: L.log(model) });

  /** A stage's models, submitted as one group; `done` resolves when every one of them has finished. */
  interface Stage {
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
  async function runStage(models: string[], backend: BackendInfo, after?: Stage): Promise<Stage> {
    const todo = models.filter((n) => rec.models[n].state !== 'done');
    const current = new Map<string, Trainer>();
    const stage: Stage = { models, done: Promise.resolve(), unfinished: () => todo.filter((n) => rec.models[n].state !== 'done').flatMap((n) => current.get(n) ?? []) };
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
      () => void (stage.endedAt = performance.now()),
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
        if (msg.resumedFromEpoch > 0 && m.attempts > 1) {
          const last = rec.restarts.findLast((r) => r.model === model);
          if (last) last.resumedFromEpoch = msg.resumedFromEpoch;
        }
        save();
      }
      if (msg.type === 'done') {
        Object.assign(m, { state: 'done', trainSeconds: msg.trainSeconds, samplesPerSecond: msg.samplesPerSecond, peakRssMB: msg.peakRssMB, params: msg.params, job: t.record() });
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
    const t0 = performance.now();
    const backend = await (opts.probeBackend ?? ((force) => initBackend({ force })))(rec.config.backend);
    const workers = opts.workers ?? rec.config.workers ?? defaultWorkers(backend);
    rec.backend = backend;
    rec.status = 'running';
    // A new execution (first start or `ddcnn resume`) gives every unfinished model its full restart budget.
    for (const m of Object.values(rec.models)) if (m.state !== 'done') Object.assign(m, { state: 'queued', attempts: 0, error: undefined });
    delete rec.error;
    save();
    emit({ type: 'backend', info: backend, workers, executor: rec.config.executor?.kind ?? 'local' });

    executor = createExecutor(runDir, rec, { launcher: opts.launcher, workers, gpu: backend.gpu });
    // A cancel request left by `ddcnn cancel` applies to the execution it stopped, not to this one.
    fs.rmSync(L.cancelRequest, { force: true });
    await executor.prepare();
    if (stopping) throw new StopError();

    const names = Object.keys(rec.models);
    const locals = names.filter((n) => rec.models[n].role === 'local');
    // Every stage is submitted up front, each waiting for the one it needs: the coarse model for the local
    // models, and, on one machine, the global model for the coarse model (so that it trains alone and its
    // time is its own). On a cluster the global model's job has its own allocation and need not wait.
    emit({ type: 'phase', phase: 'local', models: locals });
    const localStage = await runStage(locals, backend);
    const coarseStage = await runStage(['coarse'], backend, localStage);
    const globalStage = rec.models.global ? await runStage(['global'], backend, executor.sharedMachine ? coarseStage : undefined) : undefined;
    const wall = (s: Stage) => (s.startedAt === undefined || s.endedAt === undefined ? 0 : (s.endedAt - s.startedAt) / 1000);
    await localStage.done;
    emit({ type: 'phase', phase: 'coarse', models: ['coarse'] });
    await coarseStage.done;
    if (globalStage) {
      emit({ type: 'phase', phase: 'global', models: ['global'] });
      await globalStage.done;
    }
    if (stopping) throw new StopError();
    const localWall = wall(localStage);
    const coarseWall = wall(coarseStage);
    const globalWall = globalStage && wall(globalStage);
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
      totalWall: (performance.now() - t0) / 1000,
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
      executor?.close();
      r.memory = {
        orchestratorPeakMB: Math.max(orchestratorPeak, peakRssMB()),
        trainersPeakMB: Object.fromEntries(Object.entries(r.models).flatMap(([n, m]) => (m.peakRssMB ? [[n, m.peakRssMB]] : []))),
      };
      save();
      return r;
    });

  return { done, stop: stopAll };
}

class StopError extends Error {
  constructor() {
    super('run stopped');
  }
}
