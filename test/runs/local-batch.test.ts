// The local models' batch: two or four times the default batch on large training sets, at a learning rate scaled with it,
// and what a real run's trainers then train with.
import { describe, expect, it } from 'vitest';
import { executeRun, type RunEvent } from '../../src-main/runs/execute-run';
import { forkLauncher } from '../../src-main/runs/launcher';
import { describeTraining, localLearningRate, resolveTrainingSettings } from '../../src-main/runs/training-settings';
import type { RunConfig } from '../../src-main/runs/run-config';
import { createSmallRun, tempWorkspace } from '../helpers/runs';

const base: RunConfig = { data: 'mnist', overlap: 2, family: 'vgg', epochs: 2, seed: 1, global: true };

function resolved(nTrain: number, overrides: Partial<RunConfig> = {}): RunConfig {
  const c: RunConfig = { ...base, ...overrides };
  resolveTrainingSettings(c, 2, nTrain);
  return c;
}

describe('the local models batch', () => {
  it('is four times the default batch at four times the rate from 10,000 training cases on, twice from 5,000, and the batch below or when the user set one', () => {
    const large = resolved(10_800);
    expect([large.batch, large.localBatch]).toEqual([64, 256]);
    expect(localLearningRate(large)).toBeCloseTo(0.004, 12);
    expect(describeTraining(large, 2)).toContain('batch 64 (local models 256 at rate 0.004)');
    const medium = resolved(9_999);
    expect([medium.batch, medium.localBatch]).toEqual([64, 128]);
    expect(localLearningRate(medium)).toBeCloseTo(0.002, 12);
    expect(describeTraining(medium, 2)).toContain('batch 64 (local models 128 at rate 0.002)');
    const small = resolved(4_999);
    expect([small.batch, small.localBatch]).toEqual([16, 16]);
    expect(localLearningRate(small)).toBeCloseTo(0.003, 12);
    expect(describeTraining(small, 2)).not.toContain('(local models');
    const chosen = resolved(10_800, { batch: 32 });
    expect([chosen.batch, chosen.localBatch]).toEqual([32, 32]);
    const both = resolved(10_800, { batch: 32, localBatch: 48, learningRate: 0.001 });
    expect(localLearningRate(both)).toBeCloseTo(0.0015, 12);
  });

  it('is what the local models of a real run train with, at their scaled rate, while the global model keeps the run batch', async () => {
    const runDir = await createSmallRun(tempWorkspace(), { epochs: 1, limit: 300, limitTest: 100, width: 4, batch: 32, localBatch: 64, learningRate: 2e-3, schedule: 'constant', augment: 'none' });
    const batches = new Map<string, number>();
    const rates = new Map<string, number>();
    const rec = await executeRun(runDir, {
      launcher: forkLauncher,
      workers: 2,
      onEvent: (e: RunEvent) => {
        if (e.type === 'progress') batches.set(e.model, e.batches);
        if (e.type === 'epoch' && e.learningRate !== undefined) rates.set(e.model, e.learningRate);
      },
    }).done;
    expect(rec.status, rec.error).toBe('completed');
    const n = rec.dataset.nTrain;
    for (const m of ['local-0', 'local-1', 'local-2', 'local-3']) {
      expect(batches.get(m), m).toBe(Math.ceil(n / 64));
      expect(rates.get(m), m).toBeCloseTo(4e-3, 9);
    }
    expect(batches.get('global')).toBe(Math.ceil(n / 32));
    expect(rates.get('global')).toBeCloseTo(2e-3, 9);
  });
});
