// Entry module of an import worker process: takes one case at a time from its parent, reads it, and
// answers with the case's facts (and, when building, after writing its sample into the cache shard).
// The same module runs under child_process.fork (CLI, server, tests) and Electron's utilityProcess.fork
// (the app); only the message port differs: process.send versus process.parentPort, as for trainers.
import type { FromImportWorker, ToImportWorker } from './import-protocol';
import { processCase } from './process-case';
import { onParentMessage, sendToParent } from '../../platform/parent-port';

const send = (m: FromImportWorker): void => void sendToParent(m);

// One case at a time: the parent sends the next job only after an answer, which is what bounds the
// memory of the whole import to one raw scan per worker. A queue still guards against a parent that
// sends early, so two scans are never held at once.
const queue: ToImportWorker[] = [];
let busy = false;

async function drain(): Promise<void> {
  if (busy) return;
  busy = true;
  while (queue.length > 0) {
    const m = queue.shift()!;
    if (m.type === 'exit') process.exit(0);
    if (m.type === 'case') send(await processCase(m.job));
  }
  busy = false;
}

const onMessage = (m: unknown): void => {
  const msg = m as ToImportWorker;
  if (msg?.type !== 'case' && msg?.type !== 'exit') return;
  queue.push(msg);
  void drain();
};

onParentMessage(onMessage);

// Ctrl-C in a terminal reaches the whole process group; the parent decides what happens next.
process.on('SIGINT', () => {});
// An orphaned worker (its parent died) has nobody to report to.
process.on('disconnect', () => process.exit(2));

send({ type: 'ready', pid: process.pid });
