// The local executor: every trainer is a process of this machine (child_process.fork in the CLI, the server
// and the tests, an Electron utility process in the app), at most `workers` at a time. With a GPU backend
// each process gets its own GPU through the environment of its slot (engine/gpu-devices.ts).
import type { Executor, Trainer, TrainerEnd, TrainerEvent, TrainerSubmission } from './executor';
import type { TrainerLauncher, TrainerProcess } from './launcher';

/** How long a trainer may take to stop after being asked before it is killed. */
const STOP_GRACE_MS = 3000;

export interface LocalExecutorOptions {
  launcher: TrainerLauncher;
  workers: number;
  /** The environment of the trainer in a slot: the GPU it binds (CUDA_VISIBLE_DEVICES, or a WebGPU adapter). */
  deviceEnv: (slot: number) => Record<string, string>;
}

interface Queued {
  sub: TrainerSubmission;
  /** undefined while the trainers it waits for run; then whether they all finished. */
  ready?: boolean;
  start: (slot: number) => void;
  fail: (end: TrainerEnd) => void;
}

export function localExecutor(o: LocalExecutorOptions): Executor {
  const freeSlots = Array.from({ length: Math.max(1, o.workers) }, (_, i) => i);
  const queue: Queued[] = [];

  /** Starts queued trainers whose prerequisites finished, in submission order, while slots are free. */
  function pump(): void {
    for (const q of [...queue]) {
      if (q.ready === undefined) continue;
      if (!q.ready) {
        queue.splice(queue.indexOf(q), 1);
        q.fail({ finished: false, dependencyFailed: true, reason: 'a model it needs did not finish' });
        continue;
      }
      const slot = freeSlots.shift();
      if (slot === undefined) return;
      queue.splice(queue.indexOf(q), 1);
      q.start(slot);
    }
  }

  function trainer(sub: TrainerSubmission, after: Trainer[]): Trainer {
    const listeners: ((e: TrainerEvent) => void)[] = [];
    const emit = (e: TrainerEvent) => listeners.forEach((cb) => cb(e));
    let proc: TrainerProcess | undefined;
    let resolveEnd!: (end: TrainerEnd) => void;
    const ended = new Promise<TrainerEnd>((r) => (resolveEnd = r));

    const q: Queued = {
      sub,
      start: (slot) => {
        const p = o.launcher({ env: o.deviceEnv(slot), logFile: sub.logFile });
        proc = p;
        emit({ type: 'job', status: { id: String(p.pid), state: 'RUNNING' } });
        let finished = false;
        let lastError = '';
        p.onMessage((msg) => {
          if (msg.type === 'error') lastError = msg.message.split('\n')[0];
          if (msg.type === 'done') finished = true;
          emit(msg);
        });
        p.onExit((code, signal) => {
          proc = undefined;
          freeSlots.push(slot);
          freeSlots.sort((a, b) => a - b);
          resolveEnd({ finished, reason: lastError || `trainer exited with ${signal ? `signal ${signal}` : `code ${code}`}` });
          pump();
        });
        p.send({ type: 'start', job: sub.job });
      },
      fail: (end) => resolveEnd(end),
    };
    queue.push(q);
    // On the next turn of the event loop: the orchestrator first learns that the stage it waits for has
    // ended (and announces the next stage) before this trainer starts.
    void Promise.all(after.map((t) => t.ended)).then((ends) =>
      setImmediate(() => {
        q.ready = ends.every((e) => e.finished);
        pump();
      }),
    );

    return {
      model: sub.model,
      get pid() {
        return proc?.pid;
      },
      onEvent: (cb) => void listeners.push(cb),
      ended,
      // Nothing to re-attach to: a local trainer ends with the process that started it.
      record: () => undefined,
      stop: () => {
        const i = queue.indexOf(q);
        if (i >= 0) {
          queue.splice(i, 1);
          resolveEnd({ finished: false, reason: 'stopped before it started' });
          return;
        }
        const p = proc;
        if (!p) return;
        p.send({ type: 'stop' });
        setTimeout(() => proc === p && p.kill('SIGKILL'), STOP_GRACE_MS).unref();
      },
    };
  }

  return {
    kind: 'local',
    sharedMachine: true,
    prepare: async () => {},
    submit: async (group, after) => group.map((sub) => trainer(sub, after)),
    // A local trainer does not outlive its orchestrator (it exits when its channel closes).
    attach: async () => undefined,
    close: () => {},
  };
}
