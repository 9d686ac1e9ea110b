// The ddcnn command as a user runs it: the demo run with --json, predict on a finished run, and
// clear errors with non-zero exit codes for bad input.
import fs from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { ddcnn } from '../helpers/cli';
import { tempWorkspace } from '../helpers/runs';
import { initBackend } from '../../src-main/engine/backend';
import { readCacheManifest } from '../../src-main/data/cache';
import { readF32, runLayout } from '../../src-main/runs/layout';

/** Accuracy, balanced accuracy, sensitivity, specificity and AUC (by counting pairs) of two-class probabilities. */
function independentMetrics(probs: Float32Array, labels: number[], positive: number) {
  const score = labels.map((_, i) => probs[i * 2 + positive]);
  const predicted = labels.map((_, i) => (probs[i * 2 + 1] > probs[i * 2] ? 1 : 0));
  const recall = (c: number) => labels.filter((l, i) => l === c && predicted[i] === c).length / labels.filter((l) => l === c).length;
  let pairs = 0;
  let wins = 0;
  labels.forEach((lp, i) =>
    labels.forEach((ln, j) => {
      if (lp !== positive || ln === positive) return;
      pairs++;
      wins += score[i] > score[j] ? 1 : score[i] === score[j] ? 0.5 : 0;
    }),
  );
  return {
    accuracy: labels.filter((l, i) => l === predicted[i]).length / labels.length,
    balanced: (recall(0) + recall(1)) / 2,
    sensitivity: recall(positive),
    specificity: recall(1 - positive),
    auc: wins / pairs,
  };
}

describe('ddcnn train --demo --json and ddcnn predict', () => {
  let summary: Record<string, any>;
  let stderr = '';
  // The backend this machine gives (the trainers make the same choice): wasm here, tfjs-node where it installs.
  let expectedBackend = '';
  beforeAll(async () => {
    expectedBackend = (await initBackend()).name;
    const ws = tempWorkspace();
    const r = await ddcnn(['train', '--demo', '--limit', '120', '--limit-test', '60', '--epochs', '2', '--workspace', ws, '--json']);
    stderr = r.stderr;
    expect(r.code, r.stderr).toBe(0);
    summary = JSON.parse(r.stdout);
  }, 300_000);

  it('prints one JSON object whose metrics are those of the probabilities the run wrote, for the minority class as positive', () => {
    expect(summary.runId).toMatch(/AdrenalMNIST3D/);
    expect(summary.backend).toBe(expectedBackend);
    expect(summary.dataset).toMatchObject({ inputShape: [28, 28, 28, 1], classes: ['normal', 'hyperplasia'], nTrain: 120, nTest: 60 });
    expect(summary.decomposition).toEqual({ grid: [2, 2, 2], overlap: 2 });
    // The default positive class is the training split's minority class, counted here from the run's cache.
    const L = runLayout(summary.runDir);
    const manifest = readCacheManifest(L.cache);
    const trainPositives = manifest.splits.train.labels.filter((l) => l === 1).length;
    const minority = trainPositives < manifest.splits.train.labels.length - trainPositives ? 1 : 0;
    expect(summary.positiveClass).toBe(summary.dataset.classes[minority]);
    const labels = manifest.splits.test.labels;
    const probsOf = (model: string) => readF32(L.probs(model, 'test'));
    const models: Record<string, Float32Array> = { global: probsOf('global'), cnnDnn: probsOf('coarse') };
    for (const [key, probs] of Object.entries(models)) {
      const e = independentMetrics(probs, labels, minority);
      expect(summary.accuracy[key], key).toBeCloseTo(e.accuracy, 10);
      expect(summary.balancedAccuracy[key], key).toBeCloseTo(e.balanced, 10);
      expect(summary.sensitivity[key], key).toBeCloseTo(e.sensitivity, 10);
      expect(summary.specificity[key], key).toBeCloseTo(e.specificity, 10);
      expect(summary.auc[key], key).toBeCloseTo(e.auc, 10);
    }
    const locals = Array.from({ length: 8 }, (_, i) => independentMetrics(probsOf(`local-${i}`), labels, minority));
    expect(summary.accuracy.local).toEqual(locals.map((m) => expect.closeTo(m.accuracy, 10)));
    expect(summary.balancedAccuracy.local).toEqual(locals.map((m) => expect.closeTo(m.balanced, 10)));
    expect(summary.auc.local).toEqual(locals.map((m) => expect.closeTo(m.auc, 10)));
    for (const key of ['global', 'localMax', 'localSum', 'coarse', 'cnnDnnWall']) expect(summary.seconds[key]).toBeGreaterThan(0);
    expect(summary.seconds.localSum).toBeGreaterThanOrEqual(summary.seconds.localMax);
    expect(summary.restarts).toBe(0);
  });

  it('names the positive class in the table and takes --positive', async () => {
    const table = await ddcnn(['eval', summary.runDir]);
    expect(table.code, table.stderr).toBe(0);
    expect(table.stdout).toContain(`sensitivity for ${summary.positiveClass}`);
    expect(table.stdout).toContain(`positive class: ${summary.positiveClass}`);
    const ws = tempWorkspace();
    const bad = await ddcnn(['train', '--demo', '--positive', 'tumour', '--limit', '40', '--workspace', ws]);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain('--positive tumour is not a class of demo: its classes are normal, hyperplasia');
  });

  it('reports the backend choice and the skipped better backends on stderr', () => {
    expect(stderr).toContain(`backend: ${expectedBackend}`);
    if (expectedBackend !== 'node-gpu') expect(stderr).toMatch(/tfjs-node-gpu/);
  });

  it("prints every subdomain's probabilities and the coarse decision", async () => {
    const r = await ddcnn(['predict', '--run', summary.runDir, 'test:3']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout.match(/^local-\d/gm)).toHaveLength(8);
    expect(r.stdout).toMatch(/CNN-DNN .*-> (normal|hyperplasia)/);
    expect(r.stdout).toMatch(/true label: (normal|hyperplasia)/);
    const j = await ddcnn(['predict', '--run', summary.runDir, 'demo', '--index', '5', '--json']);
    expect(j.code, j.stderr).toBe(0);
    const p = JSON.parse(j.stdout);
    expect(p.subdomains).toHaveLength(8);
    for (const s of p.subdomains) expect(s.probs.reduce((a: number, b: number) => a + b, 0)).toBeCloseTo(1, 4);
    expect(p.cnnDnn.probs.reduce((a: number, b: number) => a + b, 0)).toBeCloseTo(1, 4);
  });
});

describe('ddcnn train --model resnet', () => {
  it('trains the ResNet-style family end to end without the global baseline', async () => {
    const ws = tempWorkspace();
    const r = await ddcnn(['train', '--data', 'mnist', '--model', 'resnet', '--width', '4', '--limit', '600', '--limit-test', '100', '--epochs', '4', '--batch', '32', '--lr', '0.003', '--no-global', '--workspace', ws, '--json']);
    expect(r.code, r.stderr).toBe(0);
    const s = JSON.parse(r.stdout);
    expect(s.accuracy.global).toBeUndefined();
    expect(s.params.global).toBeUndefined();
    expect(s.accuracy.local).toHaveLength(4);
    // Ten classes: chance is 10%; four epochs on 600 digits must do clearly better.
    expect(s.accuracy.cnnDnn).toBeGreaterThan(0.3);
  }, 300_000);
});

describe('bad input', () => {
  it('refuses a missing data source, a bad grid and a grid of the wrong rank', async () => {
    const ws = tempWorkspace();
    let r = await ddcnn(['train', '--workspace', ws]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/give --data/);
    r = await ddcnn(['train', '--demo', '--decomposition', '2x', '--workspace', ws]);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/invalid decomposition "2x"/);
    r = await ddcnn(['train', '--data', 'mnist', '--decomposition', '2x2x2', '--limit', '50', '--workspace', ws]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/does not fit 2D input/);
  });

  it('names the file and the reason for a missing or broken data file', async () => {
    const ws = tempWorkspace();
    const missing = path.join(ws, 'no such.npz');
    let r = await ddcnn(['train', '--data', missing, '--workspace', ws]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(missing);
    const broken = path.join(ws, 'broken.npz');
    fs.writeFileSync(broken, 'this is not a zip file');
    r = await ddcnn(['train', '--data', broken, '--workspace', ws]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(broken);
    expect(fs.readFileSync(broken, 'utf8')).toBe('this is not a zip file');
  });

  it('refuses to predict with a run folder that is not a run', async () => {
    const ws = tempWorkspace();
    const r = await ddcnn(['predict', '--run', ws, 'test:0']);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(path.join(ws, 'run.json'));
  });
});
