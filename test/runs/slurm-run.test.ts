// A CNN-DNN run through a real Slurm cluster (the one-node cluster of scripts/slurm-local.sh): local models
// as one job array, the coarse model as a job depending on it, the global model as its own job; the same
// results as the same run with local processes.
import fs from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { executeRun, type RunEvent } from '../../src-main/runs/execute-run';
import { forkLauncher } from '../../src-main/runs/launcher';
import { readRunRecord } from '../../src-main/runs/run-record';
import { runLayout } from '../../src-main/runs/layout';
import { readEval } from '../../src-main/runs/summary';
import { createSmallRun, tempWorkspace } from '../helpers/runs';
import { requireSlurm } from '../helpers/slurm';

const tiny = { epochs: 1, limit: 200, limitTest: 100 } as const;

describe('the Slurm executor', () => {
  beforeAll(requireSlurm);

  it('trains a CNN-DNN as Slurm jobs (array, afterok coarse job, global job) to the same results as local processes', async () => {
    const ws = tempWorkspace();
    const localDir = await createSmallRun(ws, tiny);
    const slurmDir = await createSmallRun(ws, { ...tiny, executor: { kind: 'slurm' } });
    const local = await executeRun(localDir, { launcher: forkLauncher, workers: 2 }).done;
    expect(local.status, local.error).toBe('completed');
    const events: RunEvent[] = [];
    const slurm = await executeRun(slurmDir, { launcher: forkLauncher, onEvent: (e) => events.push(e) }).done;
    expect(slurm.status, slurm.error).toBe('completed');

    // The local models are the tasks of one array; coarse and global are jobs of their own.
    const jobs = Object.fromEntries(Object.entries(slurm.models).map(([n, m]) => [n, m.job!]));
    const arrayId = jobs['local-0'].id.split('_')[0];
    expect([0, 1, 2, 3].map((i) => jobs[`local-${i}`].id)).toEqual([0, 1, 2, 3].map((i) => `${arrayId}_${i}`));
    expect(jobs.coarse.id).toMatch(/^\d+$/);
    expect(jobs.global.id).toMatch(/^\d+$/);
    expect(Object.values(jobs).every((j) => j.executor === 'slurm' && j.state === 'COMPLETED' && j.node)).toBe(true);
    // The coarse job waited for the array (afterok), the global job did not.
    const states = (model: string) => events.filter((e): e is Extract<RunEvent, { type: 'job' }> => e.type === 'job' && e.model === model);
    expect(states('coarse').some((s) => s.state === 'PENDING' && s.reason === 'Dependency')).toBe(true);
    expect(states('global').some((s) => s.reason === 'Dependency')).toBe(false);
    // Progress came through the events files as it does over IPC.
    for (const type of ['started', 'progress', 'epoch', 'checkpoint', 'done']) expect(events.some((e) => e.type === type)).toBe(true);

    // Same seed, same backend, same data: the same accuracies, and the very same probabilities.
    const [a, b] = [readEval(localDir), readEval(slurmDir)];
    expect(b.models).toEqual(a.models);
    for (const name of Object.keys(local.models)) {
      expect(fs.readFileSync(runLayout(slurmDir).probs(name, 'test')).equals(fs.readFileSync(runLayout(localDir).probs(name, 'test'))), name).toBe(true);
    }
    expect(readRunRecord(slurmDir).timings!.localWall).toBeGreaterThan(0);
  });

  it('--gpus-per-model 1 gives each of two concurrent trainers its own CUDA_VISIBLE_DEVICES (0 and 1)', async () => {
    const runDir = await createSmallRun(tempWorkspace(), { ...tiny, limit: 100, global: false, executor: { kind: 'slurm', gpusPerModel: 1 } });
    const started: Extract<RunEvent, { type: 'started' }>[] = [];
    const rec = await executeRun(runDir, { launcher: forkLauncher, onEvent: (e) => e.type === 'started' && started.push(e) }).done;
    expect(rec.status, rec.error).toBe('completed');
    const devices = Object.fromEntries(started.map((e) => [e.model, e.cudaVisibleDevices]));
    // Every trainer saw exactly one of the node's two GPUs; the first two tasks ran side by side on both.
    for (const name of Object.keys(rec.models)) expect(['0', '1']).toContain(devices[name]);
    expect(new Set([devices['local-0'], devices['local-1']])).toEqual(new Set(['0', '1']));
    expect(rec.models['local-0'].job!.devices).toBe(devices['local-0']);
  });
});
