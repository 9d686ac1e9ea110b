// What the app can do, independent of the transport: the handlers behind every api channel, for the
// Electron IPC bridge and the web-mode server. Runs live in <workspace>/runs/<run-id>/. Nothing heavy runs
// in the calling process (the Electron main process, whose window must stay responsive): creating a run
// (which loads the whole data set) and predicting (TensorFlow) run in job processes, training in one
// trainer process per model, both started by whatever launchers the transport provides (Electron utility
// processes in the app, child_process.fork elsewhere). The data channels live in data-handlers.ts, the run
// files in run-handlers.ts, the plan preview in plan.ts.
import fs from 'node:fs';
import path from 'node:path';
import { describeBackend, type BackendInfo } from '../engine/backend';
import { executeRun, type RunEvent, type RunHandle } from '../runs/execute-run';
import { forkProcess, type ProcessLauncher, type TrainerLauncher } from '../runs/launcher';
import { runLayout } from '../runs/layout';
import { readRunRecord, type RunRecord } from '../runs/run-record';
import type { RunConfig } from '../runs/run-config';
import { runJob } from '../runs/run-job';
import { listCohorts } from '../runs/cohort';
import { runReportHtml } from '../runs/report';
import { writeFileAtomic } from '../engine/model-io';
import { describeOwner, runOwner, RunLockedError, type RunOwner } from '../runs/run-lock';
import { readEval, summarizeRun, type RunSummary } from '../runs/summary';
import {
  RUN_ID_PATTERN,
  type BackendView,
  type CaseView,
  type CohortView,
  type DataProgressMessage,
  type Handlers,
  type PickPathRequest,
  type ReportView,
  type ModelPredictRequest,
  type RunCohortRequest,
  type RunDetails,
  type RunEventMessage,
  type RunEventView,
  type RunListItem,
  type RunPredictRequest,
  type RunStatus,
  type TrainStartRequest,
  type TrainStartResponse,
} from './contract';
import { createDataHandlers, dataProgressEmitter, requireReadable, sourceKind } from './data-handlers';
import { progressThrottle } from './event-throttle';
import { planPreview } from './plan';
import { readExecutorSettings, rememberExecutorSettings } from './executor-settings';
import { ApiFailure } from './result';
import { deleteRunFolder, evalCache, readHistory, testCase } from './run-handlers';

export interface ServiceOptions {
  /** Folder holding runs/. */
  workspace: string;
  /** Starts one trainer process per model. */
  launcher: TrainerLauncher;
  /** Starts the job processes (creating a run, predicting); child_process.fork by default. */
  processLauncher?: ProcessLauncher;
  /** Receives every event of every run this service trains. */
  emit: (message: RunEventMessage) => void;
  /** Receives the progress of data inspections. */
  emitDataProgress?: (message: DataProgressMessage) => void;
  /** At most one progress event per model (or data inspection) this often (ms); 100 by default. */
  progressIntervalMs?: number;
  /** The compute backend, for backend:info; by default the engine's choice, probed in a job process. */
  backend?: () => Promise<BackendInfo>;
  /** A native open dialog (the Electron app); without it dialog:pick answers not_supported. */
  pickPath?: (kind: PickPathRequest['kind']) => Promise<string | null>;
}

export interface StudioService {
  handlers: Handlers;
  /** Ids of the runs training now. */
  activeRunIds(): string[];
  /** Asks every active run to stop and waits until each has left a resumable state on disk. */
  stopAll(): Promise<void>;
}

/** The event as the renderer gets it: the backend event carries its one-line description. */
function eventView(e: RunEvent): RunEventView {
  if (e.type === 'backend') return { ...e, description: describeBackend(e.info) };
  return e;
}

/** The summary of a completed run, cached by eval.json's size and time: eval.json holds every test sample. */
function summaryCache() {
  const cache = new Map<string, { stamp: string; summary: RunSummary }>();
  return (runDir: string, rec: RunRecord): RunSummary | null => {
    if (rec.status !== 'completed') return null;
    const file = runLayout(runDir).evalJson;
    const stat = fs.statSync(file, { throwIfNoEntry: false });
    if (!stat) return null;
    const stamp = `${stat.size}:${stat.mtimeMs}:${rec.updatedAt}`;
    const hit = cache.get(runDir);
    if (hit?.stamp === stamp) return hit.summary;
    const summary = summarizeRun(runDir, rec, readEval(runDir));
    cache.set(runDir, { stamp, summary });
    return summary;
  };
}

const modelsOf = (rec: RunRecord): TrainStartResponse['models'] => Object.entries(rec.models).map(([name, m]) => ({ name, role: m.role, params: m.params }));

export function createStudioService(opts: ServiceOptions): StudioService {
  const runsDir = path.join(opts.workspace, 'runs');
  const jobs = opts.processLauncher ?? forkProcess;
  const active = new Map<string, RunHandle>();
  const summaryOf = summaryCache();
  const evalOf = evalCache();
  const data = createDataHandlers({
    jobs,
    logFile: path.join(opts.workspace, 'logs', 'data.log'),
    emitDataProgress: opts.emitDataProgress,
    progressIntervalMs: opts.progressIntervalMs,
  });
  let starting = false;
  let backend: Promise<BackendView> | undefined;

  /** The folder of a run; ids are checked against the pattern here too, whoever calls. */
  function runDirOf(id: string): string {
    if (!RUN_ID_PATTERN.test(id)) throw new ApiFailure('invalid_request', `not a run id: ${JSON.stringify(id.slice(0, 80))}`);
    return path.join(runsDir, id);
  }

  /** The folder and record of an existing run. */
  function openRun(id: string): { runDir: string; rec: RunRecord } {
    const runDir = runDirOf(id);
    if (!fs.existsSync(runLayout(runDir).runJson)) throw new ApiFailure('not_found', `no run ${id} in ${runsDir}`);
    try {
      return { runDir, rec: readRunRecord(runDir) };
    } catch (e) {
      throw new ApiFailure('failed', (e as Error).message);
    }
  }

  /** The other process (a `ddcnn train` in a terminal, another app window) that trains a run now, if any. */
  function ownerElsewhere(id: string, runDir: string): RunOwner | undefined {
    return active.has(id) ? undefined : runOwner(runDir);
  }

  /** Refuses to resume or delete a run that another process is training. */
  function refuseWhenOwnedElsewhere(id: string, runDir: string, what: string): void {
    const owner = ownerElsewhere(id, runDir);
    if (owner) throw new ApiFailure('busy', `run ${id} is training in another process (${describeOwner(owner)}); it cannot be ${what} here`);
  }

  function listItem(id: string): RunListItem {
    const runDir = path.join(runsDir, id);
    try {
      const rec = readRunRecord(runDir);
      const summary = summaryOf(runDir, rec);
      return {
        id,
        status: rec.status,
        active: active.has(id),
        owner: ownerElsewhere(id, runDir),
        createdAt: rec.createdAt,
        dataset: rec.dataset.name,
        grid: rec.decomposition.grid,
        overlap: rec.decomposition.overlap,
        family: rec.config.family,
        accuracy: summary?.accuracy,
      };
    } catch (e) {
      return { id, status: 'unreadable', active: active.has(id), error: (e as Error).message };
    }
  }

  async function listRuns(): Promise<RunListItem[]> {
    let names: string[];
    try {
      names = fs.readdirSync(runsDir);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw e;
    }
    // Only folders named like run ids are listed, so that every listed run can be opened by runs:get.
    const ids = names.filter((n) => RUN_ID_PATTERN.test(n) && fs.existsSync(runLayout(path.join(runsDir, n)).runJson));
    // Newest first; ids start with their creation time, which also orders unreadable runs.
    return ids.sort((a, b) => (a < b ? 1 : a > b ? -1 : 0)).map(listItem);
  }

  async function getRun({ id }: { id: string }): Promise<RunDetails> {
    const runDir = runDirOf(id);
    if (!fs.existsSync(runLayout(runDir).runJson)) throw new ApiFailure('not_found', `no run ${id} in ${runsDir}`);
    const rec = readRunRecord(runDir);
    const summary = summaryOf(runDir, rec);
    return { record: rec, summary, active: active.has(id), owner: ownerElsewhere(id, runDir) };
  }

  /** The backend the trainers will load, found in a job process: this one never loads TensorFlow or a GPU. */
  const probeBackend = (force: string | undefined): Promise<BackendInfo> =>
    runJob(jobs, force === undefined ? { kind: 'backend-info' } : { kind: 'backend-info', force }, path.join(opts.workspace, 'logs', 'backend.log'));

  function backendInfo(): Promise<BackendView> {
    backend ??= (opts.backend ?? (() => probeBackend(undefined)))().then(
      (info) => ({ name: info.name, gpu: info.gpu, skipped: info.skipped, description: describeBackend(info) }),
      (e: Error) => {
        backend = undefined; // let the next request try again
        throw new ApiFailure('failed', `no compute backend could be started: ${e.message}`);
      },
    );
    return backend;
  }

  function execute(runId: string, runDir: string): void {
    const pass = progressThrottle(opts.progressIntervalMs ?? 100);
    const emit = (event: RunEventView) => opts.emit({ runId, event });
    let handle: RunHandle;
    try {
      handle = executeRun(runDir, { launcher: opts.launcher, probeBackend, onEvent: (e) => pass(e) && emit(eventView(e)) });
    } catch (e) {
      // Another process took the run between the check and the start.
      if (e instanceof RunLockedError) throw new ApiFailure('busy', e.message);
      throw e;
    }
    active.set(runId, handle);
    const finish = (status: RunStatus, error?: string) => {
      // Leave the active set first: a listener that reloads the run list on 'finished' sees the final state.
      active.delete(runId);
      emit({ type: 'finished', status, error });
    };
    handle.done.then(
      (rec) => finish(rec.status, rec.error),
      (e: Error) => finish('failed', e.message),
    );
  }

  /** One run at a time: a run already uses every core (or GPU) for its trainer processes. */
  function refuseWhenBusy(): void {
    if (starting || active.size > 0) {
      const busy = starting ? 'another run is being created' : `run ${[...active.keys()][0]} is training`;
      throw new ApiFailure('busy', `${busy}; stop it or wait for it to finish`);
    }
  }

  async function startTraining(req: TrainStartRequest): Promise<TrainStartResponse> {
    refuseWhenBusy();
    sourceKind(req.data);
    const config: RunConfig = {
      data: req.data,
      grid: req.grid,
      overlap: req.overlap,
      family: req.family,
      epochs: req.epochs,
      batch: req.batch,
      seed: req.seed,
      global: req.global,
      learningRate: req.learningRate,
    };
    if (req.limit !== undefined) config.limit = req.limit;
    if (req.workers !== undefined) config.workers = req.workers;
    if (req.width !== undefined) config.width = req.width;
    if (req.shape !== undefined) config.shape = req.shape;
    if (req.window !== undefined) config.window = req.window;
    if (req.positive !== undefined) config.positive = req.positive;
    if (req.classWeight !== undefined) config.classWeight = req.classWeight;
    if (req.select !== undefined) config.select = req.select;
    if (req.patience !== undefined) config.patience = req.patience;
    if (req.variants?.length) config.variants = [...new Set(req.variants)];
    for (const key of ['augment', 'flip', 'schedule', 'weightDecay', 'dropout', 'coarseInputs'] as const) if (req[key] !== undefined) Object.assign(config, { [key]: req[key] });
    if (req.executor?.kind === 'slurm') config.executor = req.executor;
    starting = true;
    try {
      let runDir: string;
      try {
        // Loading and splitting the data set, and writing the run's cache, in a job process of its own.
        // Importing a folder or CSV the first time reports its progress like an inspection of the source.
        const onProgress = dataProgressEmitter(req.data, opts.progressIntervalMs ?? 100, opts.emitDataProgress);
        runDir = await runJob(jobs, { kind: 'create-run', workspace: opts.workspace, config }, path.join(opts.workspace, 'logs', 'create-run.log'), onProgress);
      } catch (e) {
        throw new ApiFailure('failed', `could not create the run: ${(e as Error).message}`);
      }
      const rec = readRunRecord(runDir);
      if (!RUN_ID_PATTERN.test(rec.id)) throw new ApiFailure('failed', `the engine made a run id the api cannot address: ${rec.id}`);
      // The next run in this workspace starts from where this one trains.
      if (req.executor) rememberExecutorSettings(opts.workspace, req.executor);
      execute(rec.id, runDir);
      return { runId: rec.id, models: modelsOf(rec) };
    } finally {
      starting = false;
    }
  }

  async function resumeTraining({ runId }: { runId: string }): Promise<TrainStartResponse> {
    refuseWhenBusy();
    const { runDir, rec } = openRun(runId);
    if (rec.status === 'completed') throw new ApiFailure('invalid_request', `run ${runId} is completed; there is nothing to resume`);
    refuseWhenOwnedElsewhere(runId, runDir, 'resumed');
    execute(runId, runDir);
    return { runId, models: modelsOf(rec) };
  }

  async function stopTraining({ runId }: { runId: string }): Promise<null> {
    const handle = active.get(runId);
    if (!handle) throw new ApiFailure('not_found', `run ${runId} is not training`);
    handle.stop();
    return null;
  }

  async function deleteRun({ id }: { id: string }): Promise<null> {
    if (active.has(id)) throw new ApiFailure('busy', `run ${id} is training; stop it before deleting it`);
    refuseWhenOwnedElsewhere(id, runDirOf(id), 'deleted');
    deleteRunFolder(runsDir, id);
    return null;
  }

  /** A completed run, for the channels that read its models or evaluation. */
  function completedRun(id: string, why: string): { runDir: string; rec: RunRecord } {
    const run = openRun(id);
    if (run.rec.status !== 'completed') throw new ApiFailure('not_found', `run ${id} is ${run.rec.status}: ${why}`);
    return run;
  }

  async function predictScan({ id, source }: RunPredictRequest): Promise<CaseView> {
    const { runDir } = completedRun(id, 'only a completed run has models to predict with');
    if (source !== 'demo' && source !== 'mnist') requireReadable(source);
    try {
      // TensorFlow and the scan's readers run in a job process of their own, never in this one.
      return await runJob(jobs, { kind: 'predict', runDir, source }, runLayout(runDir).log('predict'));
    } catch (e) {
      throw new ApiFailure('failed', (e as Error).message);
    }
  }

  async function validateCohort({ id, source }: RunCohortRequest): Promise<CohortView> {
    const { runDir } = completedRun(id, 'only a completed run has models to validate');
    requireReadable(source);
    try {
      // The import workers and TensorFlow run in a job process (and its workers), never in this one.
      const onProgress = dataProgressEmitter(source, opts.progressIntervalMs ?? 100, opts.emitDataProgress);
      return await runJob(jobs, { kind: 'cohort', runDir, source }, runLayout(runDir).log('cohort'), onProgress);
    } catch (e) {
      throw new ApiFailure('failed', (e as Error).message);
    }
  }

  async function predictWithModel({ model, source }: ModelPredictRequest): Promise<CaseView> {
    requireReadable(model);
    if (source !== 'demo' && source !== 'mnist') requireReadable(source);
    try {
      return await runJob(jobs, { kind: 'predict-model', model, source }, path.join(opts.workspace, 'logs', 'predict-model.log'));
    } catch (e) {
      throw new ApiFailure('failed', (e as Error).message);
    }
  }

  async function makeReport({ id }: { id: string }): Promise<ReportView> {
    const { runDir, rec } = completedRun(id, 'only a completed run has a report');
    // Reads the run's files only (no TensorFlow): cheap enough for this process.
    const html = runReportHtml(runDir, rec);
    const file = path.join(runDir, 'report.html');
    writeFileAtomic(file, html);
    return { file, html };
  }

  async function pickPath({ kind }: PickPathRequest): Promise<string | null> {
    if (!opts.pickPath) throw new ApiFailure('not_supported', 'no file dialog here (web mode): type the path of the folder or file instead');
    return opts.pickPath(kind);
  }

  return {
    handlers: {
      'runs:list': () => listRuns(),
      'runs:get': (r) => getRun(r),
      'backend:info': () => backendInfo(),
      'train:start': (r) => startTraining(r),
      'settings:executor': async () => readExecutorSettings(opts.workspace),
      'train:stop': (r) => stopTraining(r),
      'train:resume': (r) => resumeTraining(r),
      'runs:delete': (r) => deleteRun(r),
      'runs:history': async ({ id }) => readHistory(openRun(id).runDir),
      'runs:eval': async ({ id }) => {
        const { runDir, rec } = openRun(id);
        return evalOf(runDir, rec);
      },
      'runs:case': async ({ id, index }) => {
        const { runDir, rec } = completedRun(id, 'test cases are inspected once a run is evaluated');
        return testCase(runDir, rec, evalOf(runDir, rec), index);
      },
      'runs:predict': (r) => predictScan(r),
      'runs:cohort': (r) => validateCohort(r),
      'runs:cohorts': async ({ id }) => listCohorts(openRun(id).runDir),
      'runs:report': (r) => makeReport(r),
      'model:predict': (r) => predictWithModel(r),
      'data:inspect': (r) => data.inspect(r),
      'data:slice': (r) => data.slice(r),
      'plan:preview': async (r) => planPreview(r),
      'dialog:pick': (r) => pickPath(r),
    },
    activeRunIds: () => [...active.keys()],
    async stopAll() {
      const handles = [...active.values()];
      for (const h of handles) h.stop();
      await Promise.all(handles.map((h) => h.done.catch(() => undefined)));
    },
  };
}
