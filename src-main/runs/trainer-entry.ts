// Entry module of every trainer process. The same module runs under child_process.fork (CLI, server,
// tests) and under Electron's utilityProcess.fork (desktop app); only the message port differs:
// process.send/process.on('message') versus process.parentPort.
import { runTrainer } from './trainer';
import { trainerJobSchema, type FromTrainer, type ToTrainer } from './protocol';

interface ParentPort {
  on(event: 'message', listener: (e: { data: unknown }) => void): void;
  postMessage(message: unknown): void;
}

const parentPort = (process as unknown as { parentPort?: ParentPort }).parentPort;

const send = (m: FromTrainer): void => {
  if (parentPort) parentPort.postMessage(m);
  else process.send?.(m);
};

let stopRequested = false;
let started = false;

async function onMessage(m: ToTrainer): Promise<void> {
  if (m?.type === 'stop') {
    stopRequested = true;
    return;
  }
  if (m?.type !== 'start' || started) return;
  started = true;
  const parsed = trainerJobSchema.safeParse(m.job);
  const model = parsed.success ? parsed.data.model : 'unknown';
  try {
    if (!parsed.success) throw new Error(`invalid trainer job: ${parsed.error.message}`);
    await runTrainer(parsed.data, send, () => stopRequested);
    // Let the last message leave before exiting.
    setTimeout(() => process.exit(0), 50);
  } catch (e) {
    send({ type: 'error', model, message: (e as Error).stack ?? String(e) });
    setTimeout(() => process.exit(1), 50);
  }
}

if (parentPort) parentPort.on('message', (e) => void onMessage(e.data as ToTrainer));
else process.on('message', (m) => void onMessage(m as ToTrainer));

// The orchestrator decides when trainers stop: Ctrl-C in a terminal reaches the whole process group,
// and a trainer that died of it would look like a crash. The stop message ends the loop instead.
process.on('SIGINT', () => {
  stopRequested = true;
});
// An orphaned trainer (its orchestrator died) has nobody to report to.
process.on('disconnect', () => process.exit(2));
