// Every model keeps the weights of its best validation epoch, and stops after `patience` epochs without
// improvement: checked against the epochs the trainers reported in metrics.jsonl and against the
// probabilities the kept models wrote for the validation split.
import fs from 'node:fs';
import { describe, expect, it } from 'vitest';
import { executeRun } from '../../src-main/runs/execute-run';
import { forkLauncher } from '../../src-main/runs/launcher';
import { readF32, runLayout } from '../../src-main/runs/layout';
import { readCacheManifest } from '../../src-main/data/cache';
import { createSmallRun, tempWorkspace } from '../helpers/runs';

describe('model selection by validation loss', () => {
  it('keeps the best epoch of every model and stops it once patience is spent', async () => {
    // Few digits and a high learning rate: the validation loss soon stops improving.
    const runDir = await createSmallRun(tempWorkspace(), { limit: 80, limitTest: 40, epochs: 8, patience: 2, learningRate: 0.02, width: 4, global: true, classWeight: 'none' });
    const rec = await executeRun(runDir, { launcher: forkLauncher, workers: 2 }).done;
    expect(rec.status, rec.error).toBe('completed');
    const L = runLayout(runDir);
    const epochs = fs.readFileSync(L.metrics, 'utf8').trim().split('\n').map((l) => JSON.parse(l)).filter((l) => l.type === 'epoch');
    const valLabels = readCacheManifest(L.cache).splits.val.labels;
    let stoppedEarly = 0;
    for (const [name, m] of Object.entries(rec.models)) {
      const mine = epochs.filter((e) => e.model === name);
      // The best epoch is the first with the lowest validation loss, as reported epoch by epoch.
      const lowest = Math.min(...mine.map((e) => e.valLoss));
      const best = mine.find((e) => e.valLoss === lowest).epoch;
      expect(m.bestEpoch, name).toBe(best);
      // It ran until two epochs had passed without improvement, or to the last epoch.
      expect(m.epochsRun, name).toBe(Math.min(8, best + 2));
      expect(mine).toHaveLength(m.epochsRun!);
      if (m.epochsRun! < 8) stoppedEarly++;
      // The weights it kept are that epoch's: their validation loss is the one reported for it.
      const probs = readF32(L.probs(name, 'val'));
      const loss = -valLabels.reduce((s, y, i) => s + Math.log(Math.max(probs[i * 10 + y], 1e-7)), 0) / valLabels.length;
      expect(loss, name).toBeCloseTo(lowest, 4);
    }
    expect(stoppedEarly).toBeGreaterThan(0);
  });
});
