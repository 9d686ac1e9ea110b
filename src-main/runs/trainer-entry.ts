// Entry module of every trainer process. The same module runs under child_process.fork (CLI, server,
// tests) and under Electron's utilityProcess.fork (desktop app); only the message port differs:
// process.send/process.on('message') versus process.parentPort (src-main/platform/parent-port.ts). As a
// cluster job (file mode: `trainer-entry --run-dir <run folder> --model <name>`) it has no channel at all:
// it reads its job from the run folder and writes its events as JSON lines there (event-log.ts).
// With a channel, a process whose model finished waits for the next job of its slot (local-executor.ts);
// its parent ends it when there is none.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { runTrainer } from './trainer';
import { trainerJobSchema, type FromTrainer, type ToTrainer } from './protocol';
import { onParentMessage, sendToParent } from '../platform/parent-port';
import { runLayout } from './layout';
import { appendEvent } from './event-log';
import { startCoherentPart } from './coherent-part';
import { coherentPartJobSchema, type ToCoherentPart } from './coherent-protocol';
import { resetPeakRss } from '../data/peak-memory';

const send = (m: FromTrainer): void => void sendToParent(m);

let stopRequested = false;
let started = false;
/** The models this process has trained to the end. */
let jobsDone = 0;
/** Set when this process serves one part of a model-parallel coherent model (coherent-part.ts). */
let coherentPart: ((m: ToCoherentPart) => void) | undefined;

async function onMessage(m: ToTrainer | ToCoherentPart): Promise<void> {
  if (coherentPart) return coherentPart(m as ToCoherentPart);
  if (m?.type === 'coherent-start' && !started) {
    started = true;
    const parsed = coherentPartJobSchema.safeParse(m.job);
    const part = parsed.success ? parsed.data.part : 'unknown';
    try {
      if (!parsed.success) throw new Error(`invalid coherent part job: ${parsed.error.message}`);
      coherentPart = await startCoherentPart(parsed.data, (r) => void sendToParent(r));
    } catch (e) {
      void sendToParent({ type: 'error', part, message: (e as Error).stack ?? String(e) });
      setTimeout(() => process.exit(1), 50);
    }
    return;
  }
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
    if (jobsDone > 0) {
      // The log file is the first model's: say where the next one's output begins.
      process.stdout.write(`\n--- ${model} (model ${jobsDone + 1} of this process) ---\n`);
      resetPeakRss();
    }
    await runTrainer(parsed.data, send, () => stopRequested);
    if (stopRequested) {
      // Let the last message leave before exiting.
      setTimeout(() => process.exit(0), 50);
      return;
    }
    jobsDone++;
    started = false;
  } catch (e) {
    send({ type: 'error', model, message: (e as Error).stack ?? String(e) });
    setTimeout(() => process.exit(1), 50);
  }
}

/** At most this often a progress event goes into the events file (the orchestrator polls it about once a second). */
const FILE_PROGRESS_MS = 500;

/** File mode: the job from <run>/jobs/<model>.json, the events to <run>/events/<model>.jsonl. */
async function runFromRunFolder(argv: string[]): Promise<void> {
  const arg = (name: string) => {
    const i = argv.indexOf(name);
    return i >= 0 ? argv[i + 1] : undefined;
  };
  const runDir = arg('--run-dir')!;
  // In a job array the model is local-%a: the task id is the subdomain index.
  const model = (arg('--model') ?? '').replace('%a', process.env.SLURM_ARRAY_TASK_ID ?? '%a');
  const L = runLayout(runDir);
  const eventsFile = L.events(model);
  // A trainer killed in the middle of a line leaves it unterminated; start on a fresh line.
  fs.mkdirSync(path.dirname(eventsFile), { recursive: true });
  fs.appendFileSync(eventsFile, '\n');
  let lastProgress = 0;
  const write = (m: FromTrainer): void => {
    if (m.type === 'progress') {
      const now = Date.now();
      if (now - lastProgress < FILE_PROGRESS_MS && m.batch < m.batches) return;
      lastProgress = now;
    }
    // Where it runs: the node, and the GPUs Slurm gave it.
    if (m.type === 'started') m = { ...m, host: os.hostname(), ...(process.env.CUDA_VISIBLE_DEVICES !== undefined ? { cudaVisibleDevices: process.env.CUDA_VISIBLE_DEVICES } : {}) };
    appendEvent(eventsFile, m);
  };
  try {
    const file = L.trainerJob(model);
    let raw: unknown;
    try {
      raw = JSON.parse(fs.readFileSync(file, 'utf8'));
    } catch (e) {
      throw new Error(`${file}: the trainer's job could not be read (${(e as Error).message})`);
    }
    const parsed = trainerJobSchema.safeParse(raw);
    if (!parsed.success) throw new Error(`${file}: invalid trainer job: ${parsed.error.message}`);
    // Slurm ends a cancelled or timed-out job with SIGTERM, and SIGKILL a few seconds later.
    process.on('SIGTERM', () => (stopRequested = true));
    await runTrainer(parsed.data, write, () => stopRequested);
    // Every event was written synchronously: nothing is in flight.
    process.exit(stopRequested ? 143 : 0);
  } catch (e) {
    write({ type: 'error', model, message: (e as Error).stack ?? String(e) });
    process.exit(1);
  }
}

if (process.argv.includes('--run-dir')) void runFromRunFolder(process.argv.slice(2));
else onParentMessage((m) => void onMessage(m as ToTrainer | ToCoherentPart));

// The orchestrator decides when trainers stop: Ctrl-C in a terminal reaches the whole process group,
// and a trainer that died of it would look like a crash. The stop message ends the loop instead.
process.on('SIGINT', () => {
  stopRequested = true;
});
// An orphaned trainer (its orchestrator died) has nobody to report to; a cluster job never had a channel.
process.on('disconnect', () => process.exit(2));
