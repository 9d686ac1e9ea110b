// A pool of import worker processes: N processes (default min(cores, 4)), each given one case at a time, so
// that memory stays bounded by N raw scans whatever the data set's size, and the orchestrator only ever holds
// small results. A case that fails, or whose worker dies (a decoder crash, out of memory), becomes a skipped
// entry with its reason and the import goes on with a fresh worker.
import { fork } from 'node:child_process';
import os from 'node:os';
import { entryModule } from '../../platform/process-entry';
import type { CaseJob, FromImportWorker, ToImportWorker } from './import-protocol';
import type { CaseInfo, ImportProgress, SkippedFile } from './types';

export interface ImportWorkerProcess {
  readonly pid: number | undefined;
  send(m: ToImportWorker): void;
  onMessage(cb: (m: FromImportWorker) => void): void;
  onExit(cb: (code: number | null, signal: string | null) => void): void;
  kill(): void;
  /** The end of what the worker wrote on stderr, to explain a crash. */
  stderrTail(): string;
}

/** Starts one worker process; the CLI uses child_process.fork, the app may pass a utilityProcess adapter. */
export type ImportWorkerLauncher = () => ImportWorkerProcess;

/** The worker entry module next to this file: .ts when run through tsx, .js when bundled. */
export function importWorkerEntry(): { file: string; execArgv: string[] } {
  return entryModule(import.meta.url, 'import-worker');
}

const STDERR_TAIL = 4096;

export const forkImportWorker: ImportWorkerLauncher = () => {
  const entry = importWorkerEntry();
  const child = fork(entry.file, [], { execArgv: entry.execArgv, stdio: ['ignore', 'ignore', 'pipe', 'ipc'], serialization: 'advanced' });
  let tail = '';
  child.stderr?.setEncoding('utf8');
  child.stderr?.on('data', (s: string) => (tail = (tail + s).slice(-STDERR_TAIL)));
  // A worker that is already gone cannot take a message; its exit is handled through onExit.
  child.on('error', () => {});
  return {
    get pid() {
      return child.pid;
    },
    send: (m) => {
      if (child.connected) child.send(m, () => {});
    },
    onMessage: (cb) => child.on('message', (m) => cb(m as FromImportWorker)),
    onExit: (cb) => child.on('exit', cb),
    kill: () => child.kill(),
    stderrTail: () => tail,
  };
};

export function defaultImportWorkers(): number {
  const cores = typeof os.availableParallelism === 'function' ? os.availableParallelism() : os.cpus().length;
  return Math.max(1, Math.min(cores, 4));
}

export interface CaseOutcome {
  index: number;
  info?: CaseInfo;
  /** Build mode: whether the sample was written (not when the case's rank does not fit the recipe). */
  wrote?: boolean;
  skipped?: SkippedFile;
  /** Slices read (D of the raw scan). */
  slices?: number;
  /** Seconds the worker spent on the case. */
  seconds: number;
}

export interface PoolReport {
  /** One per job, in job order. */
  outcomes: CaseOutcome[];
  workers: number;
  /** Largest peak resident memory any worker reported (VmHWM), MB. */
  workerPeakMB: number;
  wallSeconds: number;
}

export interface PoolOptions {
  workers?: number;
  launcher?: ImportWorkerLauncher;
  phase: ImportProgress['phase'];
  onProgress?: (p: ImportProgress) => void;
}

/** A worker that dies before it says it is ready this many times means workers cannot start at all. */
const MAX_START_FAILURES = 3;

/** Runs every job on a pool of worker processes; resolves when all are answered and the workers have exited. */
export function runImportJobs(jobs: CaseJob[], opts: PoolOptions): Promise<PoolReport> {
  const t0 = performance.now();
  const total = jobs.length;
  const size = Math.max(1, Math.min(opts.workers ?? defaultImportWorkers(), total));
  const launcher = opts.launcher ?? forkImportWorker;
  const outcomes: CaseOutcome[] = new Array(total);
  let next = 0;
  let done = 0;
  let startFailures = 0;
  let workerPeakMB = 0;
  let settled = false;
  const live = new Set<ImportWorkerProcess>();
  const elapsed = () => (performance.now() - t0) / 1000;

  return new Promise<PoolReport>((resolve, reject) => {
    const progress = (current?: string) => {
      const etaSeconds = done > 0 ? (elapsed() / done) * (total - done) : undefined;
      opts.onProgress?.({ phase: opts.phase, done, total, etaSeconds, current });
    };
    const finishIfDone = () => {
      if (settled || done < total || live.size > 0) return;
      settled = true;
      resolve({ outcomes, workers: size, workerPeakMB, wallSeconds: elapsed() });
    };
    const fail = (err: Error) => {
      if (settled) return;
      settled = true;
      for (const w of live) w.kill();
      reject(err);
    };

    const start = () => {
      const w = launcher();
      live.add(w);
      let ready = false;
      let current: number | undefined;
      const dispatch = () => {
        if (next < total) {
          current = next++;
          w.send({ type: 'case', job: jobs[current] });
          progress(jobs[current].ref.id);
        } else {
          current = undefined;
          w.send({ type: 'exit' });
        }
      };
      w.onMessage((m) => {
        if (m.type === 'ready') {
          ready = true;
          dispatch();
          return;
        }
        if ((m.type !== 'done' && m.type !== 'failed') || m.index !== current) return;
        workerPeakMB = Math.max(workerPeakMB, m.peakRssMB);
        outcomes[m.index] = m.type === 'done' ? { index: m.index, info: m.info, wrote: m.wrote, slices: m.slices, seconds: m.seconds } : { index: m.index, skipped: m.skipped, seconds: m.seconds };
        done++;
        progress();
        dispatch();
      });
      w.onExit((code, signal) => {
        live.delete(w);
        if (settled) return;
        const how = signal ? `signal ${signal}` : `exit code ${code}`;
        const tail = w.stderrTail().trim().split('\n').slice(-3).join(' | ');
        if (!ready) {
          if (++startFailures >= MAX_START_FAILURES) return fail(new Error(`import workers cannot start (${how})${tail ? `: ${tail}` : ''}`));
        } else if (current !== undefined) {
          const job = jobs[current];
          outcomes[current] = { index: current, skipped: { file: job.ref.id, reason: `the import worker died while reading it (${how}${signal === 'SIGKILL' ? ', possibly out of memory' : ''})${tail ? `: ${tail}` : ''}` }, seconds: 0 };
          done++;
          progress();
        }
        // Replace the worker while cases remain; otherwise the pool ends when the last one exits.
        if (next < total) start();
        finishIfDone();
      });
    };

    if (total === 0) return resolve({ outcomes, workers: 0, workerPeakMB: 0, wallSeconds: 0 });
    progress();
    for (let i = 0; i < size; i++) start();
  });
}
