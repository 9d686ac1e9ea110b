// The local executor starts the process of a trainer that waits for others (the coarse model for the local
// models, the global model for the coarse model) in a slot that would stay idle, and sends it its job only
// when they have finished. Real runs on real MNIST digits, real trainer processes. With a slot for every
// model, no finished model's process is left for another one to go on in (process-reuse.test.ts): every
// model has its own.
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { executeRun, type RunEvent } from '../../src-main/runs/execute-run';
import { forkLauncher, type TrainerLauncher } from '../../src-main/runs/launcher';
import { createSmallRun, processAlive, tempWorkspace } from '../helpers/runs';

const config = { epochs: 1, limit: 200, limitTest: 100, width: 4 };
const LOCALS = ['local-0', 'local-1', 'local-2', 'local-3'];

interface Launch {
  model: string;
  pid: number | undefined;
  at: number;
  exitedAt?: number;
}

/** forkLauncher, recording when each process started and exited; `after` may act on a new process. */
function recording(launches: Launch[], after?: (l: Launch, kill: () => void) => void): TrainerLauncher {
  return (o) => {
    const proc = forkLauncher(o);
    const l: Launch = { model: path.basename(o.logFile, '.log'), pid: proc.pid, at: performance.now() };
    launches.push(l);
    proc.onExit(() => (l.exitedAt = performance.now()));
    after?.(l, () => proc.kill('SIGKILL'));
    return proc;
  };
}

/** When each model's job was sent, and when it reported done. */
function timesOf(sent: Map<string, number>, done: Map<string, number>) {
  return (e: RunEvent) => {
    if (e.type === 'launch') sent.set(e.model, performance.now());
    if (e.type === 'done') done.set(e.model, performance.now());
  };
}

describe('warm trainer processes', () => {
  it('starts the coarse and global processes while the models they wait for still train, and sends their jobs only after those finished', async () => {
    const runDir = await createSmallRun(tempWorkspace(), config);
    const launches: Launch[] = [];
    const sent = new Map<string, number>();
    const done = new Map<string, number>();
    const rec = await executeRun(runDir, { launcher: recording(launches), workers: 6, onEvent: timesOf(sent, done) }).done;
    expect(rec.status, rec.error).toBe('completed');

    // One process per model (a slot for each): the early process is the one that trains.
    expect(launches.map((l) => l.model).sort()).toEqual(['coarse', 'global', ...LOCALS]);
    const of = (model: string) => launches.find((l) => l.model === model)!;
    const lastLocalDone = Math.max(...LOCALS.map((m) => done.get(m)!));
    // The coarse process started before the last local model finished, its job only after.
    expect(of('coarse').at).toBeLessThan(lastLocalDone);
    expect(sent.get('coarse')!).toBeGreaterThanOrEqual(lastLocalDone);
    // The global process started before the coarse model finished; its job came after.
    expect(of('global').at).toBeLessThan(done.get('coarse')!);
    expect(sent.get('global')!).toBeGreaterThanOrEqual(done.get('coarse')!);
    expect(launches.every((l) => l.exitedAt !== undefined && !processAlive(l.pid!))).toBe(true);
  });

  it('starts a trainer the usual way when its early process dies before its job is sent, and never leaves one behind', async () => {
    const runDir = await createSmallRun(tempWorkspace(), { ...config, global: false });
    const launches: Launch[] = [];
    const done = new Map<string, number>();
    // The coarse model's first (early) process is killed as soon as it starts.
    const rec = await executeRun(runDir, {
      launcher: recording(launches, (l, kill) => {
        if (l.model === 'coarse' && launches.filter((x) => x.model === 'coarse').length === 1) kill();
      }),
      workers: 5,
      onEvent: timesOf(new Map(), done),
    }).done;
    expect(rec.status, rec.error).toBe('completed');
    expect(rec.restarts).toEqual([]);
    const coarse = launches.filter((l) => l.model === 'coarse');
    // Killed early, then started once more (not again and again) when the local models had finished.
    expect(coarse).toHaveLength(2);
    expect(coarse[1].at).toBeGreaterThanOrEqual(Math.max(...LOCALS.map((m) => done.get(m)!)));
    expect(rec.models.coarse.state).toBe('done');
    expect(launches.every((l) => l.exitedAt !== undefined && !processAlive(l.pid!))).toBe(true);
  });

  it('replaces an early process that dies just as its job is sent by one new process, and counts no restart', async () => {
    const runDir = await createSmallRun(tempWorkspace(), { ...config, global: false });
    const launches: Launch[] = [];
    const base = recording(launches);
    // The coarse model's early process is killed at the moment its job would reach it: the executor
    // cannot yet have seen its exit, and sends the job to a dead process.
    const launcher: TrainerLauncher = (o) => {
      const proc = base(o);
      if (launches.filter((l) => l.model === 'coarse').length !== 1 || launches.at(-1)!.model !== 'coarse') return proc;
      return { ...proc, get pid() { return proc.pid; }, send: (m) => (m.type === 'start' ? proc.kill('SIGKILL') : proc.send(m)) };
    };
    const rec = await executeRun(runDir, { launcher, workers: 5 }).done;
    expect(rec.status, rec.error).toBe('completed');
    expect(rec.restarts).toEqual([]);
    const coarse = launches.filter((l) => l.model === 'coarse');
    expect(coarse).toHaveLength(2);
    expect(rec.models.coarse.state).toBe('done');
    expect(launches.every((l) => l.exitedAt !== undefined && !processAlive(l.pid!))).toBe(true);
  });
});
