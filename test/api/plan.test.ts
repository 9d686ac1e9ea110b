// plan:preview computes the decomposition and model sizes with the very function createRun uses: a
// preview and the run made from the same settings agree on every subdomain and parameter count.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { dispatch } from '../../src-main/api/dispatch';
import { planPreview } from '../../src-main/api/plan';
import { createStudioService } from '../../src-main/api/service';
import { createRun } from '../../src-main/runs/create-run';
import { forkLauncher } from '../../src-main/runs/launcher';
import { readRunRecord } from '../../src-main/runs/run-record';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ddcnn-api-plan-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

describe('plan:preview', () => {
  it('agrees with the run createRun makes from the same settings', async () => {
    const runDir = await createRun(dir, { data: 'demo', grid: [2, 2, 1], overlap: 2, family: 'resnet', epochs: 1, batch: 8, learningRate: 1e-3, seed: 1, global: true, limit: 20, limitTest: 10 });
    const rec = readRunRecord(runDir);
    const plan = planPreview({ shape: [28, 28, 28], channels: 1, classes: 2, grid: [2, 2, 1], overlap: 2, family: 'resnet' });
    expect(plan.subdomains.map(({ index, start, end, size }) => ({ index, start, end, size }))).toEqual(rec.decomposition.subdomains);
    expect(plan.subdomains.map((s) => s.params)).toEqual(plan.subdomains.map((s) => rec.models[`local-${s.index}`].params));
    expect(plan.globalParams).toBe(rec.models.global.params);
    expect(plan.coarseParams).toBe(rec.models.coarse.params);
    expect(plan.globalWidth).toBe(8);
    expect(plan.localWidth).toBe(Math.max(...plan.subdomains.map((s) => rec.models[`local-${s.index}`].arch!.width)));
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
