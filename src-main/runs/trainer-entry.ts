// Entry module of every trainer process. The same module runs under child_process.fork (CLI, server,
// tests) and under Electron's utilityProcess.fork (desktop app); only the message port differs:
// process.send/process.on('message') versus process.parentPort (src-main/platform/parent-port.ts).
import { runTrainer } from './trainer';
import { trainerJobSchema, type FromTrainer, type ToTrainer } from './protocol';
import { onParentMessage, sendToParent } from '../platform/parent-port';

const send = (m: FromTrainer): void => void sendToParent(m);

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

onParentMessage((m) => void onMessage(m as ToTrainer));

// The orchestrator decides when trainers stop: Ctrl-C in a terminal reaches the whole process group,
// and a trainer that died of it would look like a crash. The stop message ends the loop instead.
process.on('SIGINT', () => {
  stopRequested = true;
});
// An orphaned trainer (its orchestrator died) has nobody to report to.
process.on('disconnect', () => process.exit(2));
