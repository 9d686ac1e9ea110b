// The local executor: every trainer is a process of this machine (child_process.fork in the CLI, the server
// and the tests, an Electron utility process in the app), at most `workers` at a time. With a GPU backend
// each process gets its own GPU through the environment of its slot (engine/gpu-devices.ts).
//
// A trainer still waiting for the trainers it needs (the coarse model for the local models, the global
// model for the coarse model) is started early in a slot that would otherwise stay idle: its process loads
// TensorFlow and the project's modules (about a second) while the others finish, and trains as soon as
// its job is sent. Its stage's clock starts then, when the job is sent, as for any other trainer.
//
// A process whose model finished trains the next one of its slot: a trainer ready to start, else one still
// waiting (as its early process). It has TensorFlow loaded and its kernels compiled, which a new process
// pays for again (MNIST 2x2 local models: 0.6 s of 4.0 s each); without a next trainer it is ended. Its log
// file stays the first model's; the log of each later model says so.
import fs from 'node:fs';
import path from 'node:path';
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

  /** The log file each process was started with, which its later models' output goes to as well. */
  const logOf = new WeakMap<TrainerProcess, string>();
  const exitOf = new WeakMap<TrainerProcess, Promise<void>>();
  /** The exits of the processes this executor ended itself (close waits for them). */
  const ending: Promise<void>[] = [];

  /** A new trainer process in `slot`, on that slot's devices, logging to the trainer's log file. */
  const launch = (slot: number, sub: TrainerSubmission): TrainerProcess => {
    const proc = o.launcher({ env: o.deviceEnv(slot), logFile: sub.logFile });
    logOf.set(proc, sub.logFile);
    exitOf.set(proc, new Promise((r) => proc.onExit(() => r())));
    return proc;
  };

  /** Ends a process that has no job (or whose job is done); its exit frees its slot. */
  function end(proc: TrainerProcess, signal: NodeJS.Signals): void {
    ending.push(exitOf.get(proc) ?? Promise.resolve());
    proc.kill(signal);
  }

  /** Ends the early process of a queued trainer that will not use it. */
  function dropWarm(q: Queued): void {
    if (q.warm) end(q.warm.proc, 'SIGKILL');
  }

  /**
   * Keeps `proc` in `slot` for the queued trainer `q` until its job is sent. Gone before that (killed, or it
   * failed to load): the slot is free again, and the trainer starts the usual way when it is ready (a process
   * that fails to load is not started again and again).
   */
  function hold(q: Queued, proc: TrainerProcess, slot: number): void {
    q.warm = { proc, slot };
    proc.onExit(() => {
      if (q.warm?.proc !== proc) return;
      q.warm = undefined;
      q.noWarm = true;
      freeSlot(slot);
      pump();
    });
  }

  /**
   * The process of a finished trainer takes the first queued trainer ready to start, else the first one
   * still waiting without a process. True when it did; otherwise the caller ends it.
   */
  function reuse(proc: TrainerProcess, slot: number): boolean {
    if (closed) return false;
    const next = queue.find((q) => q.ready === true && !q.warm) ?? queue.find((q) => q.ready === undefined && !q.warm && !q.noWarm);
    if (!next) return false;
    hold(next, proc, slot);
    pump();
    return true;
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
      hold(q, launch(slot, q.sub), slot);
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
     * Sends the job to a process in its slot. An early process (or a finished trainer's) may have died just
     * before (its exit not yet seen): one that ends without a word after its job was sent is replaced, once,
     * by a new process started the usual way, so that its death counts neither as the trainer's failure nor
     * as a restart. The trainer ends with its `done`; its process then goes on to the next trainer, if any.
     */
    function run(slot: number, p: TrainerProcess, early: boolean): void {
      proc = p;
      emit({ type: 'job', status: { id: String(p.pid), state: 'RUNNING' } });
      const log = logOf.get(p);
      if (log !== undefined && log !== sub.logFile) {
        fs.mkdirSync(path.dirname(sub.logFile), { recursive: true });
        fs.appendFileSync(sub.logFile, `${sub.model} trains in process ${p.pid}, started for an earlier model: its output is in ${log}\n`);
      }
      let heard = false;
      let finished = false;
      let lastError = '';
      /** Set at `done`: the process's later messages and its exit belong to the trainer it goes on to. */
      let handedOn = false;
      p.onMessage((msg) => {
        if (handedOn) return;
        heard = true;
        if (msg.type === 'error') lastError = msg.message.split('\n')[0];
        emit(msg);
        if (msg.type !== 'done') return;
        finished = true;
        proc = undefined;
        resolveEnd({ finished: true, reason: 'done' });
        handedOn = reuse(p, slot);
        if (!handedOn) end(p, 'SIGTERM');
      });
      p.onExit((code, signal) => {
        if (handedOn) return;
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
    close: async () => {
      closed = true;
      queue.forEach(dropWarm);
      await Promise.all(ending);
    },
  };
}
