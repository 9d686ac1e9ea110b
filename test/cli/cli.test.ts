// The ddcnn command as a user runs it: the demo run with --json, predict on a finished run, and
// clear errors with non-zero exit codes for bad input.
import fs from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { ddcnn } from '../helpers/cli';
import { tempWorkspace } from '../helpers/runs';

describe('ddcnn train --demo --json and ddcnn predict', () => {
  let summary: Record<string, any>;
  let stderr = '';
  beforeAll(async () => {
    const ws = tempWorkspace();
    const r = await ddcnn(['train', '--demo', '--limit', '120', '--limit-test', '60', '--epochs', '2', '--workspace', ws, '--json']);
    stderr = r.stderr;
    expect(r.code, r.stderr).toBe(0);
    summary = JSON.parse(r.stdout);
  }, 300_000);

  it('prints one JSON object with the required fields', () => {
    expect(summary.runId).toMatch(/AdrenalMNIST3D/);
    expect(summary.backend).toBe('wasm');
    expect(summary.dataset).toMatchObject({ inputShape: [28, 28, 28, 1], classes: ['normal', 'hyperplasia'], nTrain: 120, nTest: 60 });
    expect(summary.decomposition).toEqual({ grid: [2, 2, 2], overlap: 2 });
    for (const key of ['global', 'cnnDnn', 'average', 'vote']) {
      expect(summary.accuracy[key]).toBeGreaterThanOrEqual(0);
      expect(summary.accuracy[key]).toBeLessThanOrEqual(1);
      expect(summary.auc[key]).toBeGreaterThanOrEqual(0);
    }
    expect(summary.accuracy.local).toHaveLength(8);
    expect(summary.auc.local).toHaveLength(8);
    for (const key of ['global', 'localMax', 'localSum', 'coarse', 'cnnDnnWall']) expect(summary.seconds[key]).toBeGreaterThan(0);
    expect(summary.seconds.localSum).toBeGreaterThanOrEqual(summary.seconds.localMax);
    expect(summary.restarts).toBe(0);
  });

  it('reports the backend choice and the skipped native backends on stderr', () => {
    expect(stderr).toMatch(/backend: wasm/);
    expect(stderr).toMatch(/tfjs-node-gpu/);
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
