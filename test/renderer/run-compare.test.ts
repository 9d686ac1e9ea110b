// The Runs view's comparison of two runs (src-renderer/lib/run-compare.ts).
import { describe, expect, it } from 'vitest';
import type { RunDetails } from '../../src-main/api/contract';
import { canResume, compareRows, statusText } from '../../src-renderer/lib/run-compare';

function details(id: string, o: { grid: number[]; cnnDnn: number; global?: number; wall: number; width?: number; completed?: boolean }): RunDetails {
  const record = {
    schemaVersion: 1,
    id,
    createdAt: '2026-11-25T10:00:00Z',
    updatedAt: '2026-11-25T10:05:00Z',
    status: o.completed === false ? 'interrupted' : 'completed',
    config: { data: 'demo', grid: o.grid, overlap: 2, family: 'vgg', epochs: 5, batch: 64, learningRate: 0.001, seed: 1, global: o.global !== undefined, width: o.width },
    versions: {},
    dataset: { name: 'AdrenalMNIST3D 28^3 (demo)', source: '/x/demo.npz', inputShape: [28, 28, 28, 1], channels: 1, classes: ['normal', 'hyperplasia'], nTrain: 1188, nVal: 98, nTest: 298, splitMethod: 'official', fingerprint: 'f' },
    preprocessing: { intensity: 'stored values scaled to 0..1' },
    decomposition: { grid: o.grid, overlap: 2, subdomains: [] },
    backend: { name: 'wasm', tfBackend: 'wasm', gpu: false, versions: {}, skipped: [] },
    models: {
      'local-0': { role: 'local', state: 'done', params: 100, attempts: 1 },
      'local-1': { role: 'local', state: 'done', params: 120, attempts: 1 },
      coarse: { role: 'coarse', state: 'done', params: 50, attempts: 1 },
      ...(o.global !== undefined ? { global: { role: 'global', state: 'done', params: 900, attempts: 1 } } : {}),
    },
    restarts: [],
  } as RunDetails['record'];
  const summary: RunDetails['summary'] =
    o.completed === false
      ? null
      : {
          runId: id,
          runDir: `/w/runs/${id}`,
          status: 'completed',
          backend: 'wasm',
          dataset: { name: record.dataset.name, inputShape: [28, 28, 28, 1], classes: record.dataset.classes, nTrain: 1188, nVal: 98, nTest: 298, splitMethod: 'official' },
          decomposition: { grid: o.grid, overlap: 2 },
          accuracy: { cnnDnn: o.cnnDnn, global: o.global, average: 0.7, vote: 0.7, local: [0.7, 0.7] },
          balancedAccuracy: { cnnDnn: o.cnnDnn - 0.1, global: o.global === undefined ? undefined : o.global - 0.1, average: 0.6, vote: 0.6, local: [0.6, 0.6] },
          positiveClass: 'hyperplasia',
          auc: { cnnDnn: o.cnnDnn, global: o.global, average: 0.7, vote: 0.7, local: [0.7, 0.7] },
          seconds: { localMax: 10, localSum: 20, localWall: 12, coarse: 1, cnnDnnWall: o.wall, totalWall: o.wall + 30, global: 25, globalWall: 28 },
          params: {},
          restarts: 0,
        };
  return { record, summary, active: false };
}

describe('comparing two runs', () => {
  const a = details('run-a', { grid: [2, 2, 2], cnnDnn: 0.8, global: 0.75, wall: 13 });
  const b = details('run-b', { grid: [2, 1, 1], cnnDnn: 0.78, wall: 9, width: 4 });
  const rows = compareRows(a, b);
  const row = (key: string) => rows.find((r) => r.key === key)!;

  it('lists the settings of both runs', () => {
    expect(row('grid')).toMatchObject({ section: 'settings', a: '2×2×2', b: '2×1×1' });
    expect(row('width')).toMatchObject({ a: '8', b: '4' });
    expect(row('global')).toMatchObject({ a: 'yes', b: 'no' });
    expect(row('inputShape').a).toBe('28×28×28');
    expect(row('split').a).toBe('1188 / 98 / 298');
  });

  it('marks the higher accuracy and the shorter time as better, and nothing where a value is missing', () => {
    expect(row('acc.cnnDnn')).toMatchObject({ a: '80.00%', b: '78.00%', better: 'a' });
    expect(row('time.cnnDnnWall')).toMatchObject({ a: '13s', b: '9s', better: 'b' });
    expect(row('acc.global')).toMatchObject({ a: '75.00%', b: '–' });
    expect(row('acc.global').better).toBeUndefined();
    expect(row('acc.vote').better).toBeUndefined();
    expect(row('params.local')).toMatchObject({ a: '220', b: '220' });
    expect(row('params.global')).toMatchObject({ a: '900', b: '–' });
  });

  it('adds the coherent variants\' rows only where a run trained them, a run without them showing dashes', () => {
    expect(rows.some((r) => r.key.endsWith('.coherent'))).toBe(false);
    const c = details('run-c', { grid: [2, 2, 2], cnnDnn: 0.8, wall: 13 });
    c.summary!.accuracy.coherent = 0.82;
    c.summary!.balancedAccuracy.coherent = 0.72;
    c.summary!.seconds.coherentWall = 40;
    const withVariant = compareRows(c, b);
    const r = (key: string) => withVariant.find((x) => x.key === key)!;
    expect(r('acc.coherent')).toMatchObject({ a: '82.00%', b: '–' });
    expect(r('acc.coherent').better).toBeUndefined();
    expect(r('time.coherentWall')).toMatchObject({ a: '40s', b: '–' });
    expect(withVariant.some((x) => x.key === 'acc.transfer')).toBe(false);
  });

  it('marks nothing where the values read the same', () => {
    const c = details('run-c', { grid: [2, 2, 2], cnnDnn: 0.80001, wall: 13.2 });
    const same = compareRows(a, c);
    expect(same.find((r) => r.key === 'time.cnnDnnWall')!.better).toBeUndefined();
    expect(same.find((r) => r.key === 'acc.cnnDnn')!.better).toBeUndefined();
  });

  it('shows an unfinished run without results', () => {
    const c = details('run-c', { grid: [2, 2, 2], cnnDnn: 0, wall: 0, completed: false });
    const r = compareRows(a, c).find((x) => x.key === 'acc.cnnDnn')!;
    expect(r).toMatchObject({ a: '80.00%', b: '–' });
    expect(compareRows(a, c).find((x) => x.key === 'status')!.b).toBe('interrupted');
  });
});

describe('run status', () => {
  it('calls a running run that is not training cut off, and lets it be resumed', () => {
    expect(statusText({ status: 'running', active: false })).toBe('cut off');
    expect(statusText({ status: 'running', active: true })).toBe('running');
    expect(canResume({ status: 'running', active: false })).toBe(true);
    expect(canResume({ status: 'running', active: true })).toBe(false);
    expect(canResume({ status: 'interrupted', active: false })).toBe(true);
    expect(canResume({ status: 'failed', active: false })).toBe(true);
    expect(canResume({ status: 'completed', active: false })).toBe(false);
    expect(canResume({ status: 'unreadable', active: false })).toBe(false);
  });
});
