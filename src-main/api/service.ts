// What the app can do, independent of the transport: the handlers behind every api channel, for the
// Electron IPC bridge now and the web-mode server later. Runs live in <workspace>/runs/<run-id>/; training
// goes through the engine's createRun + executeRun with whatever TrainerLauncher the transport provides
// (Electron utility processes in the app, child_process.fork elsewhere).
import fs from 'node:fs';
import path from 'node:path';
import { describeBackend, initBackend, type BackendInfo } from '../engine/backend';
import { createRun } from '../runs/create-run';
import { executeRun, type RunEvent, type RunHandle } from '../runs/execute-run';
import type { TrainerLauncher } from '../runs/launcher';
import { runLayout } from '../runs/layout';
import { readRunRecord, type RunRecord } from '../runs/run-record';
import { RUN_DEFAULTS } from '../runs/run-config';
import { readEval, summarizeRun, type RunSummary } from '../runs/summary';
import {
  RUN_ID_PATTERN,
  type BackendView,
  type Handlers,
  type RunDetails,
  type RunEventMessage,
  type RunEventView,
  type RunListItem,
  type RunStatus,
  type TrainStartRequest,
  type TrainStartResponse,
} from './contract';
import { progressThrottle } from './event-throttle';
import { ApiFailure } from './result';

/** The learning rate of runs started from the UI: the CLI's --lr default (Adam). */


export interface ServiceOptions {
  /** Folder holding runs/. */
  workspace: string;
  launcher: TrainerLauncher;
  /** Receives every event of every run this service trains. */
  emit: (message: RunEventMessage) => void;
  /** At most one progress event per model this often (ms); 100 by default. */
  progressIntervalMs?: number;
  /** The compute backend, for backend:info; the engine's choice by default. */
  backend?: () => Promise<BackendInfo>;
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

export function createStudioService(opts: ServiceOptions): StudioService {
  const runsDir = path.join(opts.workspace, 'runs');
  const active = new Map<string, RunHandle>();
  const summaryOf = summaryCache();
  let starting = false;
  let backend: Promise<BackendView> | undefined;

  /** The folder of a run; ids are checked against the pattern here too, whoever calls. */
  function runDirOf(id: string): string {
    if (!RUN_ID_PATTERN.test(id)) throw new ApiFailure('invalid_request', `not a run id: ${JSON.stringify(id.slice(0, 80))}`);
    return path.join(runsDir, id);
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
    return { record: rec, summary, active: active.has(id) };
  }

  function backendInfo(): Promise<BackendView> {
    backend ??= (opts.backend ?? (() => initBackend()))().then(
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
    const handle = executeRun(runDir, { launcher: opts.launcher, onEvent: (e) => pass(e) && emit(eventView(e)) });
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

  async function startTraining(req: TrainStartRequest): Promise<TrainStartResponse> {
    // One run at a time: a run already uses every core (or GPU) for its trainer processes.
    if (starting || active.size > 0) {
      const busy = starting ? 'another run is being created' : `run ${[...active.keys()][0]} is training`;
      throw new ApiFailure('busy', `${busy}; stop it or wait for it to finish`);
    }
    starting = true;
    try {
      let runDir: string;
      try {
        runDir = await createRun(opts.workspace, { ...req, learningRate: RUN_DEFAULTS.learningRate });
      } catch (e) {
        throw new ApiFailure('failed', `could not create the run: ${(e as Error).message}`);
      }
      const rec = readRunRecord(runDir);
      if (!RUN_ID_PATTERN.test(rec.id)) throw new ApiFailure('failed', `the engine made a run id the api cannot address: ${rec.id}`);
      execute(rec.id, runDir);
      return { runId: rec.id, models: Object.entries(rec.models).map(([name, m]) => ({ name, role: m.role, params: m.params })) };
    } finally {
      starting = false;
    }
  }

  async function stopTraining({ runId }: { runId: string }): Promise<null> {
    const handle = active.get(runId);
    if (!handle) throw new ApiFailure('not_found', `run ${runId} is not training`);
    handle.stop();
    return null;
  }

  return {
    handlers: {
      'runs:list': () => listRuns(),
      'runs:get': (r) => getRun(r),
      'backend:info': () => backendInfo(),
      'train:start': (r) => startTraining(r),
      'train:stop': (r) => stopTraining(r),
    },
    activeRunIds: () => [...active.keys()],
    async stopAll() {
      const handles = [...active.values()];
      for (const h of handles) h.stop();
      await Promise.all(handles.map((h) => h.done.catch(() => undefined)));
    },
  };
}
