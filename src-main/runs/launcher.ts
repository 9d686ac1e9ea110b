// Starting the engine's worker processes: trainers (one per model) and one-off jobs (creating a run,
// predicting a scan) that must not run in the Electron main process. The orchestrator and the api only see
// the ChildHandle interface; the CLI, the server and the tests use child_process.fork (here), the Electron
// app utilityProcess.fork (src-main/electron/utility-launcher.ts).
import { fork } from 'node:child_process';
import { entryModule } from '../platform/process-entry';
import fs from 'node:fs';
import path from 'node:path';
import type { FromTrainer, ToTrainer } from './protocol';

/** A worker process as its parent sees it: messages both ways, its exit, and a way to kill it. */
export interface ChildHandle<In, Out> {
  readonly pid: number | undefined;
  send(m: In): void;
  onMessage(cb: (m: Out) => void): void;
  onExit(cb: (code: number | null, signal: string | null) => void): void;
  kill(signal?: NodeJS.Signals): void;
}

export type TrainerProcess = ChildHandle<ToTrainer, FromTrainer>;

export interface LaunchOptions {
  /** Extra environment (e.g. CUDA_VISIBLE_DEVICES for one GPU per trainer). */
  env: Record<string, string>;
  /** stdout and stderr of the process go here. */
  logFile: string;
}

export type TrainerLauncher = (o: LaunchOptions) => TrainerProcess;

/**
 * The entry modules a worker process can start from, each bundled next to the main process by
 * electron.vite.config.ts: every trainer (trainer-entry.ts) and the app's one-off jobs (job-entry.ts).
 */
export type EntryName = 'trainer-entry' | 'job-entry';

/** Starts a worker process from one of the entry modules; the caller knows the messages it speaks. */
export type ProcessLauncher = <In, Out>(entry: EntryName, o: LaunchOptions) => ChildHandle<In, Out>;

/** child_process.fork of an entry module, its output appended to the log file. */
export const forkProcess: ProcessLauncher = <In, Out>(name: EntryName, { env, logFile }: LaunchOptions): ChildHandle<In, Out> => {
  const entry = entryModule(import.meta.url, name);
  fs.mkdirSync(path.dirname(logFile), { recursive: true });
  const log = fs.openSync(logFile, 'a');
  const child = fork(entry.file, [], {
    execArgv: entry.execArgv,
    env: { ...process.env, ...env },
    stdio: ['ignore', log, log, 'ipc'],
    serialization: 'advanced',
  });
  child.on('exit', () => fs.closeSync(log));
  // A process that is already gone cannot take a message; its exit is handled through onExit.
  child.on('error', () => {});
  return {
    get pid() {
      return child.pid;
    },
    send: (m) => {
      if (child.connected) child.send(m as object, () => {});
    },
    onMessage: (cb) => child.on('message', (m) => cb(m as Out)),
    onExit: (cb) => child.on('exit', cb),
    kill: (signal) => child.kill(signal),
  };
};

export const forkLauncher: TrainerLauncher = (o) => forkProcess<ToTrainer, FromTrainer>('trainer-entry', o);
