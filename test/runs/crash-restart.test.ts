// A trainer killed with SIGKILL in the middle of a run is restarted from its last checkpoint and the
// run still completes; run.json records the restart.
import { describe, expect, it } from 'vitest';
import { executeRun, type RunEvent } from '../../src-main/runs/execute-run';
import { forkLauncher } from '../../src-main/runs/launcher';
import { readRunRecord } from '../../src-main/runs/run-record';
import { createSmallRun, tempWorkspace } from '../helpers/runs';

describe('crash recovery', () => {
  it('restarts a trainer killed with kill -9 from its checkpoint', async () => {
    const runDir = await createSmallRun(tempWorkspace(), { epochs: 3, global: false });
    const pids = new Map<string, number>();
    let killed: number | undefined;
    const events: RunEvent[] = [];
    const rec = await executeRun(runDir, {
      launcher: forkLauncher,
      workers: 2,
      onEvent: (e) => {
        events.push(e);
        if (e.type === 'started') pids.set(e.model, e.pid);
        // Kill local-1 right after its first checkpoint, in the middle of its training.
        if (e.type === 'checkpoint' && e.model === 'local-1' && e.epoch === 1 && killed === undefined) {
          killed = pids.get('local-1')!;
          process.kill(killed, 'SIGKILL');
        }
      },
    }).done;
    expect(killed).toBeDefined();
    expect(rec.status, rec.error).toBe('completed');
    const onDisk = readRunRecord(runDir);
    expect(onDisk.restarts).toHaveLength(1);
    expect(onDisk.restarts[0]).toMatchObject({ model: 'local-1', resumedFromEpoch: 1 });
    expect(onDisk.restarts[0].reason).toMatch(/SIGKILL/);
    expect(onDisk.models['local-1']).toMatchObject({ state: 'done', attempts: 2 });
    // The restarted trainer is a new process that went on from epoch 1, not from scratch.
    const restarted = events.filter((e) => e.type === 'started' && e.model === 'local-1') as Extract<RunEvent, { type: 'started' }>[];
    expect(restarted).toHaveLength(2);
    expect(restarted[1].pid).not.toBe(killed);
    expect(restarted[1].resumedFromEpoch).toBe(1);
    const epochs = events.filter((e) => e.type === 'epoch' && e.model === 'local-1') as Extract<RunEvent, { type: 'epoch' }>[];
    expect(epochs.map((e) => e.epoch)).toEqual([1, 2, 3]);
  });

  it('fails the run with the trainer error after the restart budget is spent', async () => {
    const runDir = await createSmallRun(tempWorkspace(), { epochs: 1, global: false, limit: 200 });
    // Make every local trainer fail the same way: its cache file is gone.
    const fs = await import('node:fs');
    fs.rmSync(`${runDir}/cache/train.f32`);
    const rec = await executeRun(runDir, { launcher: forkLauncher, workers: 1 }).done;
    expect(rec.status).toBe('failed');
    expect(rec.error).toMatch(/local-0 failed 3 times/);
    expect(rec.error).toMatch(/train\.f32/);
    expect(readRunRecord(runDir).restarts.filter((r) => r.model === 'local-0')).toHaveLength(2);
  });
});
