// A whole CNN-DNN run on real MNIST digits: local models in parallel processes, coarse and global
// models, evaluation, and what lands on disk.
import fs from 'node:fs';
import { describe, expect, it } from 'vitest';
import { executeRun } from '../../src-main/runs/execute-run';
import { forkLauncher } from '../../src-main/runs/launcher';
import { readRunRecord } from '../../src-main/runs/run-record';
import { runLayout } from '../../src-main/runs/layout';
import { currentCheckpoint } from '../../src-main/runs/checkpoint';
import { readEval, summarizeRun } from '../../src-main/runs/summary';
import { readCacheManifest } from '../../src-main/data/cache';
import { metricsFromProbs } from '../../src-main/engine/metrics';
import { initBackend } from '../../src-main/engine/backend';
import { createSmallRun, tempWorkspace } from '../helpers/runs';
import type { RunEvent } from '../../src-main/runs/execute-run';

describe('a CNN-DNN run', () => {
  it('trains every model in trainer processes, one per slot, and evaluates them all', async () => {
    const ws = tempWorkspace();
    const runDir = await createSmallRun(ws);
    const events: RunEvent[] = [];
    const rec = await executeRun(runDir, { launcher: forkLauncher, workers: 2, onEvent: (e) => events.push(e) }).done;
    expect(rec.status, rec.error).toBe('completed');

    // Two slots, two processes (a finished model's process trains the next one of its slot), neither of them this process.
    const started = events.filter((e) => e.type === 'started') as Extract<RunEvent, { type: 'started' }>[];
    expect(started.map((e) => e.model).sort()).toEqual(['coarse', 'global', 'local-0', 'local-1', 'local-2', 'local-3']);
    expect(new Set(started.map((e) => e.pid)).size).toBe(2);
    expect(started.every((e) => e.pid !== process.pid)).toBe(true);
    // Progress flows with rates and ETAs; every epoch is reported and recorded.
    const progress = events.filter((e) => e.type === 'progress') as Extract<RunEvent, { type: 'progress' }>[];
    expect(progress.length).toBeGreaterThan(6);
    expect(progress.every((p) => p.samplesPerSecond > 0 && p.etaSeconds >= 0)).toBe(true);
    const L = runLayout(runDir);
    const metricLines = fs.readFileSync(L.metrics, 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    expect(metricLines.filter((m) => m.type === 'epoch')).toHaveLength(6 * 3);

    // run.json: config, backend and why, dataset, decomposition, every model done, timings, memory.
    const onDisk = readRunRecord(runDir);
    // The backend this machine gives (wasm here, tfjs-node where it installs), as the probe in this process finds it.
    expect(onDisk.backend?.name).toBe((await initBackend()).name);
    expect(onDisk.dataset).toMatchObject({ name: 'MNIST', inputShape: [28, 28, 1], nTrain: 600, nTest: 200 });
    expect(onDisk.decomposition.subdomains.map((s) => s.size)).toEqual([[16, 16], [16, 16], [16, 16], [16, 16]]);
    expect(Object.values(onDisk.models).every((m) => m.state === 'done' && (m.trainSeconds ?? 0) > 0)).toBe(true);
    expect(onDisk.models['local-0'].params).toBeLessThanOrEqual(onDisk.models.global.params / 4);
    expect(onDisk.timings!.cnnDnnWall).toBeGreaterThan(0);
    expect(onDisk.memory!.orchestratorPeakMB).toBeGreaterThan(0);
    expect(Object.keys(onDisk.memory!.trainersPeakMB)).toHaveLength(6);
    for (const name of Object.keys(onDisk.models)) {
      expect(fs.existsSync(`${L.model(name)}/model.json`)).toBe(true);
      expect(fs.existsSync(`${currentCheckpoint(L.model(name))}/weights.bin`)).toBe(true);
    }

    // eval.json agrees with the probabilities the trainers wrote, and the models learned something.
    const ev = readEval(runDir);
    const labels = readCacheManifest(L.cache).splits.test.labels;
    const coarse = new Float32Array(fs.readFileSync(L.probs('coarse', 'test')).buffer.slice(0));
    expect(metricsFromProbs(coarse, labels, 10).accuracy).toBeCloseTo(ev.models.cnnDnn.accuracy, 10);
    expect(ev.samples).toHaveLength(200);
    expect(ev.samples[0].local).toHaveLength(4);
    expect(ev.models.cnnDnn.accuracy).toBeGreaterThan(0.6);
    expect(ev.models.global.accuracy).toBeGreaterThan(0.6);
    const summary = summarizeRun(runDir, onDisk, ev);
    expect(summary.accuracy.local).toHaveLength(4);
    expect(summary.restarts).toBe(0);
  });

  it('gives the same split and the same trained weights for the same seed, and another split for another seed', async () => {
    const ws = tempWorkspace();
    const tiny = { limit: 120, limitTest: 40, epochs: 1, width: 4, global: false };
    const trained = async () => {
      const runDir = await createSmallRun(ws, { ...tiny, seed: 7 });
      const rec = await executeRun(runDir, { launcher: forkLauncher, workers: 2 }).done;
      expect(rec.status, rec.error).toBe('completed');
      const L = runLayout(runDir);
      return { manifest: readCacheManifest(L.cache), weights: (m: string) => fs.readFileSync(`${L.model(m)}/weights.bin`) };
    };
    const [a, b] = [await trained(), await trained()];
    const c = readCacheManifest(runLayout(await createSmallRun(ws, { ...tiny, seed: 8 })).cache);
    expect(b.manifest.splits.train.labels).toEqual(a.manifest.splits.train.labels);
    expect(b.manifest.fingerprint).toBe(a.manifest.fingerprint);
    expect(c.fingerprint).not.toBe(a.manifest.fingerprint);
    // Same seed: the same initial weights and shuffles give byte-identical weights after training.
    for (const m of ['local-0', 'local-1', 'local-2', 'local-3', 'coarse']) expect(b.weights(m).equals(a.weights(m)), m).toBe(true);
    // and the models differ from one another (each has its own initial weights).
    expect(a.weights('local-0').equals(a.weights('local-3'))).toBe(false);
  });
});
