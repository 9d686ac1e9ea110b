// Checkpoints are all or nothing: a trainer killed at any point of writing a checkpoint resumes from a
// complete one (the previous or the new), and the run ends with the same weights as an uninterrupted run.
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { executeRun } from '../../src-main/runs/execute-run';
import { forkLauncher, type TrainerLauncher } from '../../src-main/runs/launcher';
import { runLayout } from '../../src-main/runs/layout';
import { readF32 } from '../../src-main/runs/layout';
import { createSmallRun, tempWorkspace } from '../helpers/runs';

// Where each model's trainer is stopped dead while writing its epoch-2 checkpoint, and the epoch a
// trainer killed there must resume from: before the switch the epoch-1 checkpoint is still current.
const KILL_POINTS: Record<string, { point: string; resumeFrom: number }> = {
  'local-0': { point: 'weights.bin', resumeFrom: 1 },
  'local-1': { point: 'model.json', resumeFrom: 1 },
  'local-2': { point: 'state.json', resumeFrom: 1 },
  'local-3': { point: 'switch', resumeFrom: 1 },
  coarse: { point: 'switched', resumeFrom: 2 },
};
// With augmentation and the cosine schedule: a resumed model sees the same augmented batches at the same rates.
const config = { epochs: 3, limit: 200, limitTest: 100, width: 4, global: false, augment: 'light' as const, schedule: 'cosine' as const };

const modelOfLog = (logFile: string) => path.basename(logFile, '.log');

describe('checkpoints under SIGKILL', () => {
  it('resumes a trainer killed at every point of a checkpoint write to the weights of an uninterrupted run (augmented inputs, cosine schedule)', async () => {
    const reference = await createSmallRun(tempWorkspace(), config);
    const ref = await executeRun(reference, { launcher: forkLauncher, workers: 2 }).done;
    expect(ref.status, ref.error).toBe('completed');

    const runDir = await createSmallRun(tempWorkspace(), config);
    const L = runLayout(runDir);
    const pausing: TrainerLauncher = (o) => {
      const kill = KILL_POINTS[modelOfLog(o.logFile)];
      return forkLauncher({ ...o, env: { ...o.env, DDCNN_CHECKPOINT_PAUSE: kill ? `${kill.point}@2` : '' } });
    };
    const pids = new Map<string, number>();
    const killed = new Set<string>();
    const watcher = setInterval(() => {
      for (const model of Object.keys(KILL_POINTS)) {
        const pid = pids.get(model);
        if (killed.has(model) || pid === undefined || !fs.existsSync(path.join(L.model(model), 'checkpoint-paused'))) continue;
        killed.add(model);
        process.kill(pid, 'SIGKILL');
      }
    }, 50);
    const rec = await executeRun(runDir, {
      launcher: pausing,
      workers: 2,
      onEvent: (e) => {
        if (e.type === 'started') pids.set(e.model, e.pid);
      },
    }).done.finally(() => clearInterval(watcher));
    expect(rec.status, rec.error).toBe('completed');
    expect([...killed].sort()).toEqual(Object.keys(KILL_POINTS).sort());
    for (const [model, { point, resumeFrom }] of Object.entries(KILL_POINTS)) {
      expect(fs.readFileSync(path.join(L.model(model), 'checkpoint-paused'), 'utf8')).toBe(point);
      expect(rec.restarts.filter((r) => r.model === model), model).toEqual([expect.objectContaining({ model, resumedFromEpoch: resumeFrom })]);
    }
    // Same final weights as the uninterrupted run, model by model (the restored optimizer recomputes
    // Adam's bias corrections from its step count, which may differ from the running product in the last bits).
    for (const model of Object.keys(KILL_POINTS)) {
      const a = readF32(path.join(runLayout(reference).model(model), 'weights.bin'));
      const b = readF32(path.join(L.model(model), 'weights.bin'));
      expect(b.length, model).toBe(a.length);
      let worst = 0;
      let scale = 0;
      for (let i = 0; i < a.length; i++) {
        worst = Math.max(worst, Math.abs(a[i] - b[i]));
        scale = Math.max(scale, Math.abs(a[i]));
      }
      expect(worst / scale, model).toBeLessThan(1e-5);
    }
  });
});
