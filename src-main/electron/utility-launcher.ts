// The app's worker processes: one Electron utility process per model (DESIGN.md section 2), and one per
// one-off job (creating a run, predicting a scan). A utility process is a real OS process with its own
// memory and environment (CUDA_VISIBLE_DEVICES binds its GPU at start), and it speaks to the main process
// through a message port: the entry modules use process.parentPort there instead of process.send.
import fs from 'node:fs';
import path from 'node:path';
import { utilityProcess } from 'electron';
import type { FromTrainer, ToTrainer } from '../runs/protocol';
import type { ChildHandle, EntryName, LaunchOptions, ProcessLauncher, TrainerLauncher } from '../runs/launcher';

function utilityFork<In, Out>(entryFile: string, { env, logFile }: LaunchOptions): ChildHandle<In, Out> {
  fs.mkdirSync(path.dirname(logFile), { recursive: true });
  const log = fs.createWriteStream(logFile, { flags: 'a' });
  const child = utilityProcess.fork(entryFile, [], {
    env: { ...process.env, ...env },
    stdio: 'pipe',
    serviceName: `ddcnn ${path.basename(entryFile, '.js').replace(/-entry$/, '')} (${path.basename(logFile, '.log')})`,
  });
  // Both pipes write into one log; it is closed when the second of them ends, not at 'exit', because
  // the last lines can still be in flight when the process has gone.
  let open = 0;
  for (const stream of [child.stdout, child.stderr]) {
    if (!stream) continue;
    open++;
    stream.pipe(log, { end: false });
    stream.once('end', () => --open === 0 && log.end());
  }
  if (open === 0) log.end();
  // A fatal V8 error (out of memory in the trainer) is reported here before 'exit'; keep its reason.
  child.on('error', (type, location) => log.write(`\n[utility process ${type} at ${location}]\n`));
  return {
    get pid() {
      return child.pid;
    },
    send: (m) => child.postMessage(m),
    onMessage: (cb) => child.on('message', (m: unknown) => cb(m as Out)),
    // A utility process reports only its exit code; a process killed by a signal shows as a non-zero code.
    onExit: (cb) => child.once('exit', (code) => cb(code, null)),
    // utilityProcess.kill() takes no signal (SIGTERM on POSIX): a trainer that will not stop, or one left without a job.
    kill: () => void child.kill(),
  };
}

function requireEntry(entryFile: string): void {
  if (!fs.existsSync(entryFile)) throw new Error(`entry module ${entryFile} is missing; was the app built with electron-vite?`);
}

/** Launches `entryFile` (the bundled out/main/trainer-entry.js) once per trainer. */
export function utilityLauncher(entryFile: string): TrainerLauncher {
  requireEntry(entryFile);
  return (o) => utilityFork<ToTrainer, FromTrainer>(entryFile, o);
}

/** Launches any entry module bundled into `dir` (out/main) as a utility process. */
export function utilityProcessLauncher(dir: string): ProcessLauncher {
  const names: EntryName[] = ['trainer-entry', 'job-entry'];
  for (const name of names) requireEntry(path.join(dir, `${name}.js`));
  return <In, Out>(name: EntryName, o: LaunchOptions) => utilityFork<In, Out>(path.join(dir, `${name}.js`), o);
}
