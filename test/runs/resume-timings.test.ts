// Stage wall times survive resumes: a completed run is not executed again, a stage that had finished
// keeps the time recorded when it ended, and a stage cut off by an interruption adds up its executions.
import fs from 'node:fs';
import { describe, expect, it } from 'vitest';
import { executeRun, type RunEvent } from '../../src-main/runs/execute-run';
import { forkLauncher } from '../../src-main/runs/launcher';
import { readRunRecord } from '../../src-main/runs/run-record';
import { runLayout } from '../../src-main/runs/layout';
import { createSmallRun, tempWorkspace } from '../helpers/runs';

const seconds = () => performance.now() / 1000;

describe('wall times of resumed runs', () => {
  it('leaves run.json of a completed run byte for byte as it was when executed again', async () => {
    const runDir = await createSmallRun(tempWorkspace(), { epochs: 1, limit: 300, limitTest: 100, global: false });
    const first = await executeRun(runDir, { launcher: forkLauncher, workers: 2 }).done;
    expect(first.status, first.error).toBe('completed');
    const before = fs.readFileSync(runLayout(runDir).runJson, 'utf8');
    const launched: RunEvent[] = [];
    const again = await executeRun(runDir, { launcher: forkLauncher, workers: 2, onEvent: (e) => launched.push(e) }).done;
    expect(again.status).toBe('completed');
    expect(launched.filter((e) => e.type === 'launch')).toHaveLength(0);
    expect(fs.readFileSync(runLayout(runDir).runJson, 'utf8')).toBe(before);
    expect(again.timings).toEqual(JSON.parse(before).timings);
  });

  it('keeps a finished stage its recorded time and adds the executions of a stage that was cut off', async () => {
    const runDir = await createSmallRun(tempWorkspace(), { epochs: 2, limit: 300, limitTest: 100, global: true });
    // The test keeps its own clock of the stage boundaries, from the orchestrator's phase events.
    const at: Record<string, number> = {};
    const handle = executeRun(runDir, {
      launcher: forkLauncher,
      workers: 2,
      onEvent: (e) => {
        if (e.type !== 'phase') return;
        at[`1:${e.phase}`] = seconds();
        // Interrupt as soon as the local stage has ended: the coarse stage is then cut off.
        if (e.phase === 'coarse') handle.stop();
      },
    });
    const interrupted = await handle.done;
    at['1:end'] = seconds();
    expect(interrupted.status).toBe('interrupted');
    const localRecorded = interrupted.stageWall!.local!;
    expect(localRecorded.done).toBe(true);
    expect(localRecorded.seconds).toBeCloseTo(at['1:coarse'] - at['1:local'], 0);
    const coarseCutOff = interrupted.stageWall!.coarse!;
    expect(coarseCutOff.done).toBe(false);
    expect(coarseCutOff.seconds).toBeCloseTo(at['1:end'] - at['1:coarse'], 0);

    const resumed = await executeRun(runDir, {
      launcher: forkLauncher,
      workers: 2,
      onEvent: (e) => {
        if (e.type === 'phase') at[`2:${e.phase}`] = seconds();
      },
    }).done;
    expect(resumed.status, resumed.error).toBe('completed');
    const t = readRunRecord(runDir).timings!;
    // The finished local stage was not timed again.
    expect(t.localWall).toBe(localRecorded.seconds);
    // The coarse stage ran twice: its time is the cut-off part plus the resumed part, within half a second.
    const coarseExpected = at['1:end'] - at['1:coarse'] + (at['2:global'] - at['2:coarse']);
    expect(Math.abs(t.coarseWall - coarseExpected)).toBeLessThan(0.5);
    expect(t.cnnDnnWall).toBeCloseTo(t.localWall + t.coarseWall, 9);
    expect(t.globalWall).toBeCloseTo(at['2:evaluate'] - at['2:global'], 0);
  });
});
