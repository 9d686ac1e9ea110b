// The transport-independent handlers behind the api (src-main/api/service.ts), on real run folders: an
// empty workspace, broken folders, refusals, and one small real training run of the demo data through
// the same dispatch the IPC bridge uses, with child_process trainers instead of utility processes.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { RUN_ID_PATTERN, type RunEventMessage, type TrainStartRequest } from '../../src-main/api/contract';
import { dispatch } from '../../src-main/api/dispatch';
import { createStudioService } from '../../src-main/api/service';
import type { BackendInfo } from '../../src-main/engine/backend';
import { forkLauncher } from '../../src-main/runs/launcher';

const workspaces: string[] = [];
function workspace(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ddcnn-service-'));
  workspaces.push(dir);
  return dir;
}
afterAll(() => workspaces.forEach((d) => fs.rmSync(d, { recursive: true, force: true })));

const wasm: BackendInfo = { name: 'wasm', tfBackend: 'wasm', gpu: false, versions: {}, skipped: [{ backend: 'node', reason: "Cannot find package '@tensorflow/tfjs-node'" }] };
const quiet = () => {};

describe('studio service', () => {
  it('lists no runs in a new workspace', async () => {
    const svc = createStudioService({ workspace: workspace(), launcher: forkLauncher, emit: quiet });
    expect(await svc.handlers['runs:list'](undefined)).toEqual([]);
  });

  it('shows broken runs as unreadable and skips folders that are not runs', async () => {
    const ws = workspace();
    const broken = '20260101-120000-demo-abcdef';
    fs.mkdirSync(path.join(ws, 'runs', broken), { recursive: true });
    fs.writeFileSync(path.join(ws, 'runs', broken, 'run.json'), '{ not json');
    fs.mkdirSync(path.join(ws, 'runs', 'notes'), { recursive: true });
    fs.writeFileSync(path.join(ws, 'runs', 'notes', 'run.json'), '{}');
    const svc = createStudioService({ workspace: ws, launcher: forkLauncher, emit: quiet });
    const list = await svc.handlers['runs:list'](undefined);
    expect(list).toHaveLength(1);
    expect(list[0]).toMatchObject({ id: broken, status: 'unreadable', active: false });
    expect(list[0].error).toMatch(/not a readable run/);
  });

  it('refuses unknown runs and path-like ids even when called without the schema', async () => {
    const svc = createStudioService({ workspace: workspace(), launcher: forkLauncher, emit: quiet });
    await expect(svc.handlers['runs:get']({ id: '20260101-120000-demo-abcdef' })).rejects.toMatchObject({ code: 'not_found' });
    await expect(svc.handlers['runs:get']({ id: '../../etc' })).rejects.toMatchObject({ code: 'invalid_request' });
    await expect(svc.handlers['train:stop']({ runId: '20260101-120000-demo-abcdef' })).rejects.toMatchObject({ code: 'not_found' });
  });

  it('reports the backend once started, and tries again after a failure', async () => {
    let calls = 0;
    const backend = async () => {
      if (++calls === 1) throw new Error('wasm binaries missing');
      return wasm;
    };
    const svc = createStudioService({ workspace: workspace(), launcher: forkLauncher, emit: quiet, backend });
    await expect(svc.handlers['backend:info'](undefined)).rejects.toMatchObject({ code: 'failed', message: /wasm binaries missing/ });
    const info = await svc.handlers['backend:info'](undefined);
    expect(info).toMatchObject({ name: 'wasm', gpu: false, skipped: wasm.skipped });
    expect(info.description).toContain('wasm');
    await svc.handlers['backend:info'](undefined);
    expect(calls).toBe(2);
  });

  it('trains the demo through the api: one run at a time, events keyed by run id, results listed', async () => {
    const ws = workspace();
    const events: RunEventMessage[] = [];
    let finished!: () => void;
    const end = new Promise<void>((resolve) => (finished = resolve));
    const svc = createStudioService({
      workspace: ws,
      launcher: forkLauncher,
      emit: (m) => {
        events.push(m);
        if (m.event.type === 'finished') finished();
      },
    });
    // Two local models and the coarse model on 40 training volumes: small enough for a shared CI core.
    const request: TrainStartRequest = { data: 'demo', grid: [2, 1, 1], overlap: 1, family: 'vgg', epochs: 1, batch: 20, seed: 3, global: false, limit: 40 };
    const started = await dispatch('train:start', [request], svc.handlers);
    if (!started.ok) throw new Error(started.error.message);
    const { runId, models } = started.value;
    expect(runId).toMatch(RUN_ID_PATTERN);
    expect(models.map((m) => m.name).sort()).toEqual(['coarse', 'local-0', 'local-1']);
    expect(svc.activeRunIds()).toEqual([runId]);

    expect(await dispatch('train:start', [request], svc.handlers)).toMatchObject({ ok: false, error: { code: 'busy' } });
    const during = await dispatch('runs:list', [], svc.handlers);
    expect(during.ok && during.value.find((r) => r.id === runId)?.active).toBe(true);

    await end;
    expect(events.every((m) => m.runId === runId)).toBe(true);
    const types = events.map((m) => m.event.type);
    expect(types.at(-1)).toBe('finished');
    expect(events.at(-1)!.event).toEqual({ type: 'finished', status: 'completed', error: undefined });
    const backendEvent = events.find((m) => m.event.type === 'backend')!.event;
    expect(backendEvent.type === 'backend' && backendEvent.description).toContain('backend:');
    for (const name of ['local-0', 'local-1', 'coarse']) {
      expect(events.some((m) => m.event.type === 'done' && m.event.model === name)).toBe(true);
    }
    expect(svc.activeRunIds()).toEqual([]);

    const list = await dispatch('runs:list', [], svc.handlers);
    if (!list.ok) throw new Error(list.error.message);
    expect(list.value).toHaveLength(1);
    expect(list.value[0]).toMatchObject({ id: runId, status: 'completed', active: false, grid: [2, 1, 1], overlap: 1, family: 'vgg' });
    expect(list.value[0].accuracy?.cnnDnn).toBeGreaterThanOrEqual(0);
    expect(list.value[0].accuracy?.local).toHaveLength(2);

    const got = await dispatch('runs:get', [{ id: runId }], svc.handlers);
    if (!got.ok) throw new Error(got.error.message);
    expect(got.value.record.id).toBe(runId);
    expect(got.value.record.status).toBe('completed');
    expect(got.value.summary?.accuracy.cnnDnn).toBe(list.value[0].accuracy?.cnnDnn);
    expect(got.value.active).toBe(false);
  }, 180_000);
});
