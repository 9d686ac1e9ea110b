// data:inspect and data:slice through the service and the dispatcher: the built-in demo (arrays), a flat
// .npz of 2D images, and an import folder of PNG images in two classes (read by the import workers), with
// the refusals: missing paths, files that are no data set, unknown cases, oversized payloads.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { encode as encodePng } from 'fast-png';
import { zipSync } from 'fflate';
import { dump } from 'npyjs';
import { afterAll, describe, expect, it } from 'vitest';
import { MAX_PAYLOAD_BYTES, type DataProgressMessage } from '../../src-main/api/contract';
import { dispatch } from '../../src-main/api/dispatch';
import { createStudioService } from '../../src-main/api/service';
import { loadDataset } from '../../src-main/data/load';
import { forkLauncher } from '../../src-main/runs/launcher';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ddcnn-api-data-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

const progress: DataProgressMessage[] = [];
const svc = createStudioService({ workspace: dir, launcher: forkLauncher, emit: () => {}, emitDataProgress: (m) => progress.push(m), progressIntervalMs: 0 });
const h = svc.handlers;

describe('data:inspect of the built-in demo', () => {
  it('describes the arrays: classes with their cases, shape, citation, cases named <split>:<index>', async () => {
    const ds = await loadDataset('demo');
    const total = Object.values(ds.splits).reduce((a, s) => a + s.y.length, 0);
    const view = await h['data:inspect']({ source: 'demo' });
    expect(view).toMatchObject({ source: 'demo', dims: 3, inputShape: [28, 28, 28], channels: 1, units: 'stored', skipped: [], totalCases: total });
    expect(view.name).toContain('AdrenalMNIST3D');
    expect(view.citation).toMatch(/MedMNIST/);
    expect(view.classes.map((c) => c.name)).toEqual(['normal', 'hyperplasia']);
    expect(view.classes.reduce((a, c) => a + c.cases, 0)).toBe(total);
    expect(view.cases[0]).toMatchObject({ id: 'train:0', split: 'train', dims: 3, size: [28, 28, 28], kind: 'npy' });
    expect(view.cases.some((c) => c.id === 'test:0')).toBe(true);
    const [lo, hi] = view.cases[0].range;
    expect(lo).toBeGreaterThanOrEqual(0);
    expect(hi).toBeLessThanOrEqual(1);
  });
});

describe('data:slice of the demo', () => {
  it('cuts axial, coronal and sagittal slices out of the case, superior at the top', async () => {
    const ds = await loadDataset('demo');
    const n = 28;
    const sample = ds.splits.train!.x.subarray(3 * n ** 3, 4 * n ** 3);
    const at = (z: number, y: number, x: number) => sample[(z * n + y) * n + x];
    const axial = await h['data:slice']({ source: 'demo', caseId: 'train:3', axis: 'axial', index: 14 });
    expect(axial).toMatchObject({ caseId: 'train:3', width: 28, height: 28, count: 28, channels: 1, pixelSpacing: [1, 1], units: 'stored' });
    expect(axial.label).toBe(ds.classes[ds.splits.train!.y[3]]);
    expect(axial.values).toHaveLength(28 * 28);
    expect(axial.values[5 * 28 + 7]).toBeCloseTo(at(14, 5, 7), 6);
    const coronal = await h['data:slice']({ source: 'demo', caseId: 'train:3', axis: 'coronal', index: 10 });
    expect(coronal.values[0 * 28 + 7]).toBeCloseTo(at(27, 10, 7), 6);
    const sagittal = await h['data:slice']({ source: 'demo', caseId: 'train:3', axis: 'sagittal', index: 9 });
    expect(sagittal.values[2 * 28 + 4]).toBeCloseTo(at(25, 4, 9), 6);
    let min = Infinity;
    let max = -Infinity;
    for (const v of sample) [min, max] = [Math.min(min, v), Math.max(max, v)];
    expect(axial.range[0]).toBeCloseTo(min, 6);
    expect(axial.range[1]).toBeCloseTo(max, 6);
  });

  it('refuses unknown cases, slices past the end and malformed case ids', async () => {
    await expect(h['data:slice']({ source: 'demo', caseId: 'train:999999', axis: 'axial', index: 0 })).rejects.toMatchObject({ code: 'not_found' });
    await expect(h['data:slice']({ source: 'demo', caseId: 'all:0', axis: 'axial', index: 0 })).rejects.toMatchObject({ code: 'not_found', message: /no split 'all'/ });
    await expect(h['data:slice']({ source: 'demo', caseId: 'train:0', axis: 'axial', index: 28 })).rejects.toMatchObject({ code: 'not_found', message: /0\.\.27/ });
    await expect(h['data:slice']({ source: 'demo', caseId: 'case 1', axis: 'axial', index: 0 })).rejects.toMatchObject({ code: 'invalid_request' });
  });

  it('refuses an oversized or malformed payload in the dispatcher', async () => {
    const huge = await dispatch('data:slice', [{ source: 'demo', caseId: 'x'.repeat(MAX_PAYLOAD_BYTES), axis: 'axial', index: 0 }], h);
    expect(huge).toMatchObject({ ok: false, error: { code: 'invalid_request', message: /larger than/ } });
    expect(await dispatch('data:slice', [{ source: 'demo', caseId: 'train:0', axis: 'axial' }], h)).toMatchObject({ ok: false, error: { code: 'invalid_request' } });
    expect(await dispatch('data:inspect', [{ source: 'relative/folder' }], h)).toMatchObject({ ok: false, error: { code: 'invalid_request', message: /absolute path/ } });
  });
});

describe('data sources that are not there or are no data set', () => {
  it('names the missing path', async () => {
    const missing = path.join(dir, 'no such folder');
    const r = await dispatch('data:inspect', [{ source: missing }], h);
    expect(r).toEqual({ ok: false, error: { code: 'not_found', message: `${missing}: not found` } });
    await expect(h['data:slice']({ source: missing, caseId: 'a/b.png', axis: 'axial', index: 0 })).rejects.toMatchObject({ code: 'not_found' });
  });

  it('refuses a file that is no data set', async () => {
    const notes = path.join(dir, 'notes.txt');
    fs.writeFileSync(notes, 'hello');
    await expect(h['data:inspect']({ source: notes })).rejects.toMatchObject({ code: 'failed', message: new RegExp(`^${notes}: not a data set`) });
  });
});

describe('a flat .npz of 2D images', () => {
  it('is inspected and sliced; a 2D image has only the axial view', async () => {
    const n = 6;
    const images = Uint8Array.from({ length: n * 5 * 4 }, (_, k) => k % 251);
    const labels = Uint8Array.from({ length: n }, (_, i) => i % 2);
    const file = path.join(dir, 'flat.npz');
    fs.writeFileSync(file, zipSync({ 'images.npy': new Uint8Array(dump(images, [n, 5, 4])), 'labels.npy': new Uint8Array(dump(labels, [n])) }));
    const view = await h['data:inspect']({ source: file });
    expect(view).toMatchObject({ dims: 2, inputShape: [5, 4], channels: 1, totalCases: n, classes: [{ name: 'class 0', cases: 3 }, { name: 'class 1', cases: 3 }] });
    expect(view.cases[1]).toMatchObject({ id: 'all:1', size: [4, 5, 1], label: 'class 1' });
    const s = await h['data:slice']({ source: file, caseId: 'all:1', axis: 'axial', index: 0 });
    expect(s).toMatchObject({ width: 4, height: 5, count: 1 });
    expect(s.values[0]).toBeCloseTo(images[20] / 255, 6);
    await expect(h['data:slice']({ source: file, caseId: 'all:1', axis: 'coronal', index: 0 })).rejects.toMatchObject({ code: 'invalid_request', message: /only the axial view/ });
  });
});

describe('an import folder of PNG images', () => {
  it('is inspected by the import workers with progress, skipped files listed, and its cases sliced', async () => {
    const source = path.join(dir, 'pngs');
    for (const [label, base] of [['benign', 10], ['malignant', 200]] as const) {
      fs.mkdirSync(path.join(source, label), { recursive: true });
      for (let i = 0; i < 2; i++) {
        const data = Uint8Array.from({ length: 6 * 8 }, (_, k) => base + i + (k % 8));
        fs.writeFileSync(path.join(source, label, `case ${i}.png`), encodePng({ width: 8, height: 6, data, channels: 1, depth: 8 }));
      }
    }
    fs.writeFileSync(path.join(source, 'benign', 'readme.txt'), 'not an image');
    progress.length = 0;
    const view = await h['data:inspect']({ source });
    expect(view).toMatchObject({ source, name: 'pngs', dims: 2, inputShape: [6, 8], channels: 1, units: 'stored', totalCases: 4 });
    expect(view.classes).toEqual([{ name: 'benign', cases: 2 }, { name: 'malignant', cases: 2 }]);
    expect(view.skipped).toEqual([expect.objectContaining({ file: 'benign/readme.txt', reason: expect.stringMatching(/not an image/) })]);
    const first = view.cases.find((c) => c.id === 'malignant/case 1.png')!;
    expect(first).toMatchObject({ label: 'malignant', dims: 2, size: [8, 6, 1], range: [201, 208] });
    expect(progress.length).toBeGreaterThan(0);
    expect(progress.every((m) => m.source === source)).toBe(true);
    expect(progress.at(-1)!.progress.done).toBe(progress.at(-1)!.progress.total);

    const s = await h['data:slice']({ source, caseId: 'malignant/case 1.png', axis: 'axial', index: 0 });
    expect(s).toMatchObject({ width: 8, height: 6, count: 1, label: 'malignant', range: [201, 208] });
    expect(s.values.slice(0, 8)).toEqual([201, 202, 203, 204, 205, 206, 207, 208]);
    await expect(h['data:slice']({ source, caseId: 'malignant/case 9.png', axis: 'axial', index: 0 })).rejects.toMatchObject({ code: 'not_found', message: /no case malignant\/case 9\.png/ });
  }, 60_000);
});

describe('dialog:pick', () => {
  it('is not supported without a native dialog, and answers the dialog choice with one', async () => {
    expect(await dispatch('dialog:pick', [{ kind: 'folder' }], h)).toMatchObject({ ok: false, error: { code: 'not_supported' } });
    const kinds: string[] = [];
    const withDialog = createStudioService({ workspace: dir, launcher: forkLauncher, emit: () => {}, pickPath: async (kind) => (kinds.push(kind), kind === 'file' ? '/data/x.npz' : null) });
    expect(await dispatch('dialog:pick', [{ kind: 'file' }], withDialog.handlers)).toEqual({ ok: true, value: '/data/x.npz' });
    expect(await dispatch('dialog:pick', [{ kind: 'folder' }], withDialog.handlers)).toEqual({ ok: true, value: null });
    expect(kinds).toEqual(['file', 'folder']);
  });
});
