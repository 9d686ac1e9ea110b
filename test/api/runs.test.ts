// The run channels on one small real run of the demo data, trained through the service with
// child_process trainers and job processes: train:start (a run created in a job process), stopped early
// and resumed (train:resume), then runs:history, runs:eval, runs:case, runs:predict and runs:delete, with
// the refusals of each (busy, unknown runs, cases past the end, missing scans).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { RunEventMessage, RunStatus, TrainStartRequest } from '../../src-main/api/contract';
import { dispatch } from '../../src-main/api/dispatch';
import { deleteRunFolder } from '../../src-main/api/run-handlers';
import { createStudioService } from '../../src-main/api/service';
import { forkLauncher } from '../../src-main/runs/launcher';
import { runLayout } from '../../src-main/runs/layout';

const ws = fs.mkdtempSync(path.join(os.tmpdir(), 'ddcnn-api-runs-'));
afterAll(() => fs.rmSync(ws, { recursive: true, force: true }));

const events: RunEventMessage[] = [];
const waiters: { status: (s: RunStatus) => void }[] = [];
const svc = createStudioService({
  workspace: ws,
  launcher: forkLauncher,
  emit: (m) => {
    events.push(m);
    if (m.event.type === 'finished') waiters.shift()?.status(m.event.status);
  },
});
const h = svc.handlers;
const finished = () => new Promise<RunStatus>((status) => waiters.push({ status }));
const untilEvent = (pred: (m: RunEventMessage) => boolean) =>
  new Promise<void>((resolve) => {
    const timer = setInterval(() => events.some(pred) && (clearInterval(timer), resolve()), 20);
  });

// Two local models, the coarse model and the global model, 40 training volumes, one epoch.
const request: TrainStartRequest = { data: 'demo', grid: [2, 1, 1], overlap: 1, family: 'vgg', epochs: 1, batch: 20, seed: 5, global: true, limit: 40, workers: 2, learningRate: 2e-3 };
const UNKNOWN = '20260101-120000-demo-abcdef';

describe('run channels on a real run', () => {
  let runId = '';

  it('refuses data sources that are not there or no data set before creating anything', async () => {
    const missing = path.join(ws, 'missing.npz');
    expect(await dispatch('train:start', [{ ...request, data: missing }], h)).toEqual({ ok: false, error: { code: 'not_found', message: `${missing}: not found` } });
    const notes = path.join(ws, 'notes.txt');
    fs.writeFileSync(notes, 'x');
    expect(await dispatch('train:start', [{ ...request, data: notes, grid: [2, 2] }], h)).toMatchObject({ ok: false, error: { code: 'failed', message: /not a data set/ } });
    expect(fs.existsSync(path.join(ws, 'runs'))).toBe(false);
  });

  it('creates the run in a job process, stops it, and resumes it to completion', async () => {
    const started = await dispatch('train:start', [request], h);
    if (!started.ok) throw new Error(started.error.message);
    runId = started.value.runId;
    expect(started.value.models.map((m) => m.name).sort()).toEqual(['coarse', 'global', 'local-0', 'local-1']);
    const interrupted = finished();
    expect(await dispatch('runs:delete', [{ id: runId }], h)).toMatchObject({ ok: false, error: { code: 'busy' } });
    expect(await dispatch('train:resume', [{ runId }], h)).toMatchObject({ ok: false, error: { code: 'busy' } });
    await untilEvent((m) => m.event.type === 'launch');
    expect(await dispatch('train:stop', [{ runId }], h)).toEqual({ ok: true, value: null });
    expect(await interrupted).toBe('interrupted');
    expect(await dispatch('runs:case', [{ id: runId, index: 0 }], h)).toMatchObject({ ok: false, error: { code: 'not_found', message: /is interrupted/ } });
    expect(await dispatch('runs:eval', [{ id: runId }], h)).toMatchObject({ ok: false, error: { code: 'not_found', message: /no evaluation yet/ } });

    const completed = finished();
    const resumed = await dispatch('train:resume', [{ runId }], h);
    expect(resumed).toMatchObject({ ok: true, value: { runId } });
    expect(svc.activeRunIds()).toEqual([runId]);
    expect(await completed).toBe('completed');
    expect(await dispatch('train:resume', [{ runId }], h)).toMatchObject({ ok: false, error: { code: 'invalid_request', message: /completed/ } });
    expect(await dispatch('train:resume', [{ runId: UNKNOWN }], h)).toMatchObject({ ok: false, error: { code: 'not_found' } });
  }, 240_000);

  it('runs:history gives every model its epochs from metrics.jsonl', async () => {
    const r = await dispatch('runs:history', [{ id: runId }], h);
    if (!r.ok) throw new Error(r.error.message);
    expect(Object.keys(r.value.models).sort()).toEqual(['coarse', 'global', 'local-0', 'local-1']);
    for (const epochs of Object.values(r.value.models)) {
      expect(epochs.map((e) => e.epoch)).toEqual([1]);
      expect(Number.isFinite(epochs[0].loss)).toBe(true);
    }
    expect(await dispatch('runs:history', [{ id: UNKNOWN }], h)).toMatchObject({ ok: false, error: { code: 'not_found' } });
  });

  it('runs:eval and runs:case: a test case with every model, averaging and voting', async () => {
    const ev = await dispatch('runs:eval', [{ id: runId }], h);
    if (!ev.ok) throw new Error(ev.error.message);
    expect(ev.value.classes).toEqual(['normal', 'hyperplasia']);
    expect(ev.value.samples).toHaveLength(ev.value.nTest);
    expect(Object.keys(ev.value.models).sort()).toEqual(['average', 'cnnDnn', 'global', 'local-0', 'local-1', 'vote']);

    const c = await dispatch('runs:case', [{ id: runId, index: 2 }], h);
    if (!c.ok) throw new Error(c.error.message);
    const sample = ev.value.samples[2];
    expect(c.value).toMatchObject({ input: 'test:2', shape: [28, 28, 28], channels: 1, classes: ['normal', 'hyperplasia'], label: sample.label, cnnDnn: sample.cnnDnn, global: sample.global });
    expect(c.value.values).toHaveLength(28 ** 3);
    expect(c.value.subdomains.map((s) => s.model)).toEqual(['local-0', 'local-1']);
    expect(c.value.subdomains[1].box).toEqual({ start: [0, 0, 13], end: [28, 28, 28] });
    for (let k = 0; k < 2; k++) expect(c.value.average[k]).toBeCloseTo((sample.local[0][k] + sample.local[1][k]) / 2, 5);
    expect(c.value.vote.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 4);

    const past = await dispatch('runs:case', [{ id: runId, index: ev.value.nTest }], h);
    expect(past).toMatchObject({ ok: false, error: { code: 'not_found', message: new RegExp(`has ${ev.value.nTest} test cases`) } });
    expect(await dispatch('runs:case', [{ id: runId, index: -1 }], h)).toMatchObject({ ok: false, error: { code: 'invalid_request' } });
  });

  it('runs:predict runs the models on a new input in a job process', async () => {
    const p = await dispatch('runs:predict', [{ id: runId, source: 'demo' }], h);
    if (!p.ok) throw new Error(p.error.message);
    expect(p.value).toMatchObject({ input: 'demo #0', shape: [28, 28, 28], channels: 1, classes: ['normal', 'hyperplasia'] });
    expect(p.value.values).toHaveLength(28 ** 3);
    expect(p.value.subdomains).toHaveLength(2);
    for (const probs of [p.value.cnnDnn, p.value.average, p.value.global!, ...p.value.subdomains.map((s) => s.probs)]) {
      expect(probs.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 4);
    }
    const missing = path.join(ws, 'scan.nii.gz');
    expect(await dispatch('runs:predict', [{ id: runId, source: missing }], h)).toEqual({ ok: false, error: { code: 'not_found', message: `${missing}: not found` } });
    const notes = path.join(ws, 'notes.txt');
    const notScan = await dispatch('runs:predict', [{ id: runId, source: notes }], h);
    expect(notScan).toMatchObject({ ok: false, error: { code: 'failed' } });
  }, 60_000);

  it('runs:delete removes the run folder and nothing else', async () => {
    const linkTarget = fs.mkdtempSync(path.join(ws, 'elsewhere-'));
    const link = path.join(ws, 'runs', '20260101-120000-link-abcdef');
    fs.symlinkSync(linkTarget, link);
    expect(() => deleteRunFolder(path.join(ws, 'runs'), '20260101-120000-link-abcdef')).toThrow(/not a run folder/);
    expect(fs.existsSync(linkTarget)).toBe(true);

    expect(await dispatch('runs:delete', [{ id: runId }], h)).toEqual({ ok: true, value: null });
    expect(fs.existsSync(runLayout(path.join(ws, 'runs', runId)).runJson)).toBe(false);
    expect(fs.existsSync(path.join(ws, 'runs'))).toBe(true);
    expect(await dispatch('runs:get', [{ id: runId }], h)).toMatchObject({ ok: false, error: { code: 'not_found' } });
    expect(await dispatch('runs:delete', [{ id: runId }], h)).toMatchObject({ ok: false, error: { code: 'not_found' } });
    expect(await dispatch('runs:delete', [{ id: '..' }], h)).toMatchObject({ ok: false, error: { code: 'invalid_request' } });
  });
});
