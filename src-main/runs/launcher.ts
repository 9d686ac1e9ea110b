// Starting trainer processes. The orchestrator only sees the TrainerProcess interface; the CLI,
// the server and the tests use child_process.fork (here), the Electron app utilityProcess.fork
// (src-main/electron/utility-launcher.ts).
import { fork } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { FromTrainer, ToTrainer } from './protocol';

export interface TrainerProcess {
  readonly pid: number | undefined;
  send(m: ToTrainer): void;
  onMessage(cb: (m: FromTrainer) => void): void;
  onExit(cb: (code: number | null, signal: string | null) => void): void;
  kill(signal?: NodeJS.Signals): void;
}

export interface LaunchOptions {
  /** Extra environment (e.g. CUDA_VISIBLE_DEVICES for one GPU per trainer). */
  env: Record<string, string>;
  /** stdout and stderr of the trainer go here. */
  logFile: string;
}

export type TrainerLauncher = (o: LaunchOptions) => TrainerProcess;

/** The trainer entry module next to this file: .ts when run through tsx, .js when bundled. */
function trainerEntry(): { file: string; execArgv: string[] } {
  const here = path.dirname(fileURLToPath(import.meta.url));
  const ts = path.join(here, 'trainer-entry.ts');
  if (fs.existsSync(ts)) {
    // `--import tsx` would be resolved from the current folder, which need not be the project's.
    const tsxLoader = createRequire(import.meta.url).resolve('tsx');
    return { file: ts, execArgv: ['--import', pathToFileURL(tsxLoader).href] };
  }
  return { file: path.join(here, 'trainer-entry.js'), execArgv: [] };
}

export const forkLauncher: TrainerLauncher = ({ env, logFile }) => {
  const entry = trainerEntry();
  fs.mkdirSync(path.dirname(logFile), { recursive: true });
  const log = fs.openSync(logFile, 'a');
  const child = fork(entry.file, [], {
    execArgv: entry.execArgv,
    env: { ...process.env, ...env },
    stdio: ['ignore', log, log, 'ipc'],
    serialization: 'advanced',
  });
  child.on('exit', () => fs.closeSync(log));
  // A trainer that is already gone cannot take a message; its exit is handled through onExit.
  child.on('error', () => {});
  return {
    get pid() {
      return child.pid;
    },
    send: (m) => {
      if (child.connected) child.send(m, () => {});
    },
    onMessage: (cb) => child.on('message', (m) => cb(m as FromTrainer)),
    onExit: (cb) => child.on('exit', cb),
    kill: (signal) => child.kill(signal),
  };
};
