// plan:preview shows, before a run exists, the subdomains and model sizes the run will have: checked against
// boxes worked out by hand, parameter counts that tfjs itself counts on the models the trainers build from
// the run's record, and the coarse model's size by its formula.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { dispatch } from '../../src-main/api/dispatch';
import { planPreview } from '../../src-main/api/plan';
import { createStudioService } from '../../src-main/api/service';
import { buildModel } from '../../src-main/engine/model-builder';
import { createRun } from '../../src-main/runs/create-run';
import { forkLauncher } from '../../src-main/runs/launcher';
import { readRunRecord } from '../../src-main/runs/run-record';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ddcnn-api-plan-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

describe('plan:preview', () => {
  it('gives the subdomain boxes and the parameter counts of the models the run builds', async () => {
    const runDir = await createRun(dir, { data: 'demo', grid: [2, 2, 1], overlap: 2, family: 'resnet', epochs: 1, batch: 8, learningRate: 1e-3, seed: 1, global: true, limit: 20, limitTest: 10 });
    const rec = readRunRecord(runDir);
    const plan = planPreview({ shape: [28, 28, 28], channels: 1, classes: 2, grid: [2, 2, 1], overlap: 2, family: 'resnet' });
    // Axes [D, H, W]; nx = 2 halves W and ny = 2 halves H at 14, each half growing by the overlap of 2 on its
    // interior side; nz = 1 keeps the whole depth. Index order: x fastest.
    const halves = [
      [0, 16],
      [12, 28],
    ];
    const expected = [0, 1, 2, 3].map((index) => {
      const [h0, h1] = halves[Math.floor(index / 2)];
      const [w0, w1] = halves[index % 2];
      return { index, start: [0, h0, w0], end: [28, h1, w1], size: [28, h1 - h0, w1 - w0] };
    });
    expect(plan.subdomains.map(({ index, start, end, size }) => ({ index, start, end, size }))).toEqual(expected);
    expect(rec.decomposition.subdomains).toEqual(expected);
    // Parameters as tfjs counts them on the models built from the run's architectures.
    const counted = (arch: NonNullable<(typeof rec.models)[string]['arch']>) => {
      const m = buildModel(arch, 1);
      const n = m.countParams();
      m.dispose();
      return n;
    };
    const globalParams = counted(rec.models.global.arch!);
    expect(plan.globalParams).toBe(globalParams);
    for (const s of plan.subdomains) {
      const arch = rec.models[`local-${s.index}`].arch!;
      expect(arch.spatialShape).toEqual(s.size);
      expect(s.params).toBe(counted(arch));
      // The width rule: every local model has at most a quarter of the global model's parameters.
      expect(s.params).toBeLessThanOrEqual(globalParams / 4);
    }
    // Coarse: 4 subdomains x 2 classes = 8 inputs, max(16, min(128, 2 * 8)) = 16 hidden units, 2 outputs.
    expect(plan.coarseParams).toBe(8 * 16 + 16 + 16 * 2 + 2);
    expect(plan.globalWidth).toBe(8);
    expect(rec.models.global.arch!.width).toBe(8);
  });

  it('gives every subdomain of an image about 1/N of the global parameters', () => {
    const plan = planPreview({ shape: [28, 28], channels: 1, classes: 10, grid: [2, 2], overlap: 1, family: 'vgg' });
    expect(plan.subdomains).toHaveLength(4);
    expect(plan.subdomains[1]).toMatchObject({ start: [0, 13], end: [15, 28], size: [15, 15] });
    for (const s of plan.subdomains) expect(s.params).toBeLessThanOrEqual(plan.globalParams / 4);
    expect(plan.globalWidth).toBe(16);
  });

  it('refuses a grid finer than the input, and malformed payloads', async () => {
    const h = createStudioService({ workspace: dir, launcher: forkLauncher, emit: () => {} }).handlers;
    const tooFine = await dispatch('plan:preview', [{ shape: [4, 28], channels: 1, classes: 2, grid: [2, 8], overlap: 0, family: 'vgg' }], h);
    expect(tooFine).toMatchObject({ ok: false, error: { code: 'invalid_request', message: /cannot split an axis of 4 voxels into 8/ } });
    const mismatch = await dispatch('plan:preview', [{ shape: [28, 28, 28], channels: 1, classes: 2, grid: [2, 2], overlap: 0, family: 'vgg' }], h);
    expect(mismatch).toMatchObject({ ok: false, error: { code: 'invalid_request', message: /grid: needs one entry per axis of shape/ } });
    expect(await dispatch('plan:preview', [{ shape: [28, 28], channels: 1, classes: 2, grid: [2, 2], overlap: 0, family: 'vgg', extra: 1 }], h)).toMatchObject({ ok: false });
  });
});
