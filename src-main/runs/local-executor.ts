// The local executor: every trainer is a process of this machine (child_process.fork in the CLI, the server
// and the tests, an Electron utility process in the app), at most `workers` at a time. With a GPU backend
// each process gets its own GPU through the environment of its slot (engine/gpu-devices.ts).
//
// A trainer still waiting for the trainers it needs (the coarse model for the local models, the global
// model for the coarse model) is started early in a slot that would otherwise stay idle: its process loads
// TensorFlow and the project's modules (about a second) while the others finish, and trains as soon as
// its job is sent. Its stage's clock starts then, when the job is sent, as for any other trainer.
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
  /** Its process, started early in an idle slot while it waits; it has not been sent its job yet. */
  warm?: { proc: TrainerProcess; slot: number };
  /** Its early process ended before its job was sent: it starts the usual way, when ready. */
  noWarm?: boolean;
  start: (slot: number) => void;
  fail: (end: TrainerEnd) => void;
}

export function localExecutor(o: LocalExecutorOptions): Executor {
  const freeSlots = Array.from({ length: Math.max(1, o.workers) }, (_, i) => i);
  const queue: Queued[] = [];
  let closed = false;

  const freeSlot = (slot: number) => {
    freeSlots.push(slot);
    freeSlots.sort((a, b) => a - b);
  };

  /** A new trainer process in `slot`, on that slot's devices, logging to the trainer's log file. */
  const launch = (slot: number, sub: TrainerSubmission): TrainerProcess => o.launcher({ env: o.deviceEnv(slot), logFile: sub.logFile });

  /** Ends the early process of a queued trainer that will not use it; its exit frees the slot. */
  function dropWarm(q: Queued): void {
    q.warm?.proc.kill('SIGKILL');
  }

  /**
   * Starts queued trainers whose prerequisites finished, in submission order, while slots are free (a warm
   * one in its own slot); then starts the processes of waiting trainers in the slots still free.
   */
  function pump(): void {
    if (closed) return;
    for (const q of [...queue]) {
      if (q.ready === undefined) continue;
      if (!q.ready) {
        queue.splice(queue.indexOf(q), 1);
        dropWarm(q);
        q.fail({ finished: false, dependencyFailed: true, reason: 'a model it needs did not finish' });
        continue;
      }
      const slot = q.warm ? q.warm.slot : freeSlots.shift();
      // No slot free: only the trainers behind it that already hold one (warm) can start.
      if (slot === undefined) continue;
      queue.splice(queue.indexOf(q), 1);
      q.start(slot);
    }
    for (const q of queue) {
      if (freeSlots.length === 0) return;
      if (q.ready !== undefined || q.warm || q.noWarm) continue;
      const slot = freeSlots.shift()!;
      const proc = launch(slot, q.sub);
      q.warm = { proc, slot };
      // Gone before its job was sent (killed, or it failed to load): the slot is free again, and the
      // trainer starts the usual way when it is ready (a process that fails to load is not started again and again).
      proc.onExit(() => {
        if (q.warm?.proc !== proc) return;
        q.warm = undefined;
        q.noWarm = true;
        freeSlot(slot);
        pump();
      });
    }
  }

  function trainer(sub: TrainerSubmission, after: Trainer[]): Trainer {
    const listeners: ((e: TrainerEvent) => void)[] = [];
    const emit = (e: TrainerEvent) => listeners.forEach((cb) => cb(e));
    let proc: TrainerProcess | undefined;
    let stopAsked = false;
    let resolveEnd!: (end: TrainerEnd) => void;
    const ended = new Promise<TrainerEnd>((r) => (resolveEnd = r));

    /**
     * Sends the job to a process in its slot. An early process may have died just before (its exit not yet
     * seen): one that ends without a word after its job was sent is replaced, once, by a new process
     * started the usual way, so that its death counts neither as the trainer's failure nor as a restart.
     */
    function run(slot: number, p: TrainerProcess, early: boolean): void {
      proc = p;
      emit({ type: 'job', status: { id: String(p.pid), state: 'RUNNING' } });
      let heard = false;
      let finished = false;
      let lastError = '';
      p.onMessage((msg) => {
        heard = true;
        if (msg.type === 'error') lastError = msg.message.split('\n')[0];
        if (msg.type === 'done') finished = true;
        emit(msg);
      });
      p.onExit((code, signal) => {
        proc = undefined;
        if (early && !heard && !closed && !stopAsked) return run(slot, launch(slot, sub), false);
        freeSlot(slot);
        resolveEnd({ finished, reason: lastError || `trainer exited with ${signal ? `signal ${signal}` : `code ${code}`}` });
        pump();
      });
      p.send({ type: 'start', job: sub.job });
    }

    const q: Queued = {
      sub,
      start: (slot) => {
        const early = q.warm?.proc;
        q.warm = undefined;
        run(slot, early ?? launch(slot, sub), early !== undefined);
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
          dropWarm(q);
          resolveEnd({ finished: false, reason: 'stopped before it started' });
          return;
        }
        const p = proc;
        if (!p) return;
        stopAsked = true;
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
    // A trainer still queued when the execution ends never gets its job: its early process goes.
    close: () => {
      closed = true;
      queue.forEach(dropWarm);
    },
  };
}
