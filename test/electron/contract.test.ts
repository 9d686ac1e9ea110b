// The api contract's schemas and the dispatcher in front of every handler: what a renderer (or anything
// that got hold of the channel) may send, and how refusals and failures come back.
import { describe, expect, it } from 'vitest';
import {
  CHANNELS,
  MAX_PAYLOAD_BYTES,
  requestSchemas,
  runGetRequestSchema,
  runIdSchema,
  trainStartRequestSchema,
  trainStopRequestSchema,
  type Channel,
  type Handlers,
  type TrainStartRequest,
} from '../../src-main/api/contract';
import { dispatch, withinSize } from '../../src-main/api/dispatch';
import { ApiFailure } from '../../src-main/api/result';

const validStart: TrainStartRequest = { data: 'demo', grid: [2, 2, 2], overlap: 2, family: 'vgg', epochs: 5, batch: 64, seed: 1, global: true };
const RUN_ID = '20261125-185227-AdrenalMNIST3D-28-3-demo--065dbe';

describe('run ids', () => {
  it('accepts ids as createRun makes them', () => {
    expect(runIdSchema.safeParse(RUN_ID).success).toBe(true);
    expect(runIdSchema.safeParse('20250101-000000-MNIST-abcdef').success).toBe(true);
  });

  it.each([
    ['parent folder', '..'],
    ['relative path', '../20261125-185227-x-065dbe'],
    ['path inside the id', '20261125-185227-a/b-065dbe'],
    ['absolute path', '/etc/passwd'],
    ['windows path', 'C:\\Windows\\20261125-185227-x-065dbe'],
    ['backslash', '20261125-185227-a\\..\\b-065dbe'],
    ['percent-encoded dots', '20261125-185227-%2e%2e-065dbe'],
    ['dot in the name', '20261125-185227-a.b-065dbe'],
    ['empty', ''],
    ['trailing newline', `${RUN_ID}\n`],
    ['upper-case hex suffix', '20261125-185227-x-065DBE'],
    ['too long', `20261125-185227-${'a'.repeat(40)}-065dbe`],
  ])('refuses %s', (_why, id) => {
    expect(runIdSchema.safeParse(id).success).toBe(false);
    expect(runGetRequestSchema.safeParse({ id }).success).toBe(false);
  });

  it('refuses non-strings and extra fields', () => {
    expect(runGetRequestSchema.safeParse({ id: 42 }).success).toBe(false);
    expect(runGetRequestSchema.safeParse({ id: RUN_ID, path: '/tmp' }).success).toBe(false);
    expect(trainStopRequestSchema.safeParse({ runId: RUN_ID }).success).toBe(true);
    expect(trainStopRequestSchema.safeParse({ id: RUN_ID }).success).toBe(false);
  });
});

describe('train:start', () => {
  it('accepts the demo with 2x2x2 and MNIST with 2x2', () => {
    expect(trainStartRequestSchema.safeParse(validStart).success).toBe(true);
    expect(trainStartRequestSchema.safeParse({ ...validStart, data: 'mnist', grid: [2, 2], family: 'resnet', limit: 1000, global: false }).success).toBe(true);
  });

  it.each<[string, Record<string, unknown>]>([
    ['a drive-relative Windows path', { data: 'C:data.npz' }],
    ['an empty path', { data: '' }],
    ['a relative data path', { data: '../secret.npz' }],
    ['an unknown family', { family: 'transformer' }],
    ['a 2D grid for the 3D demo', { grid: [2, 2] }],
    ['a 3D grid for MNIST', { data: 'mnist', grid: [2, 2, 2] }],
    ['a single subdomain', { grid: [1, 1, 1] }],
    ['too many subdomains', { grid: [8, 8, 8] }],
    ['a fractional grid', { grid: [2, 1.5, 2] }],
    ['a grid of strings', { grid: ['2', '2', '2'] }],
    ['negative overlap', { overlap: -1 }],
    ['zero epochs', { epochs: 0 }],
    ['epochs as a string', { epochs: '5' }],
    ['absurd epochs', { epochs: 1e9 }],
    ['NaN batch', { batch: Number.NaN }],
    ['infinite seed', { seed: Number.POSITIVE_INFINITY }],
    ['global as a string', { global: 'yes' }],
    ['a learning rate above 1', { learningRate: 10 }],
    ['an unknown field', { momentum: 0.9 }],
    ['a shape with the wrong rank', { shape: [28, 28] }],
    ['a window with low above high', { window: [400, -1000] }],
    ['zero workers', { workers: 0 }],
    ['a backend override', { backend: 'cpu' }],
    ['a workspace override', { workspace: '/' }],
  ])('refuses %s', (_why, change) => {
    expect(trainStartRequestSchema.safeParse({ ...validStart, ...change }).success).toBe(false);
  });

  it('refuses missing fields', () => {
    const { epochs: _omit, ...rest } = validStart;
    expect(trainStartRequestSchema.safeParse(rest).success).toBe(false);
    expect(trainStartRequestSchema.safeParse(undefined).success).toBe(false);
    expect(trainStartRequestSchema.safeParse(null).success).toBe(false);
  });
});

describe('the channels of the views', () => {
  it('accepts a folder, CSV or npz by absolute path with a shape and window', () => {
    const folder = { ...validStart, data: '/data/ct', grid: [2, 2, 2], shape: [32, 64, 64], window: [-1000, 400], learningRate: 1e-3, workers: 2, width: 8 };
    expect(trainStartRequestSchema.safeParse(folder).success).toBe(true);
    expect(trainStartRequestSchema.safeParse({ ...folder, data: 'C:\\data\\ct.csv' }).success).toBe(true);
  });

  it.each<[string, Channel, unknown]>([
    ['a relative data path', 'data:inspect', { source: 'data/ct' }],
    ['an unknown built-in', 'data:inspect', { source: 'cifar' }],
    ['a negative slice', 'data:slice', { source: 'demo', caseId: 'train:0', axis: 'axial', index: -1 }],
    ['an unknown axis', 'data:slice', { source: 'demo', caseId: 'train:0', axis: 'oblique', index: 0 }],
    ['an empty case id', 'data:slice', { source: 'demo', caseId: '', axis: 'axial', index: 0 }],
    ['a grid that does not fit the shape', 'plan:preview', { shape: [28, 28], channels: 1, classes: 2, grid: [2, 2, 2], overlap: 1, family: 'vgg' }],
    ['a single class', 'plan:preview', { shape: [28, 28], channels: 1, classes: 1, grid: [2, 2], overlap: 1, family: 'vgg' }],
    ['a fractional case index', 'runs:case', { id: RUN_ID, index: 1.5 }],
    ['a path as run id', 'runs:delete', { id: '../runs' }],
    ['a relative scan path', 'runs:predict', { id: RUN_ID, source: 'scan.nii' }],
    ['an unknown dialog kind', 'dialog:pick', { kind: 'save' }],
    ['an extra field', 'train:resume', { runId: RUN_ID, force: true }],
  ])('refuses %s', (_why, channel, payload) => {
    expect(requestSchemas[channel].safeParse(payload).success).toBe(false);
  });
});

describe('payload size', () => {
  it('counts small payloads as small and stops early on big ones', () => {
    expect(withinSize(validStart, 1024)).toBe(true);
    expect(withinSize('x'.repeat(2000), 1024)).toBe(false);
    expect(withinSize(new Array(1e6).fill(1), MAX_PAYLOAD_BYTES)).toBe(false);
    expect(withinSize(new Uint8Array(1e6), MAX_PAYLOAD_BYTES)).toBe(false);
    expect(withinSize(Object.fromEntries(Array.from({ length: 1e5 }, (_, i) => [`k${i}`, i])), MAX_PAYLOAD_BYTES)).toBe(false);
  });

  it('refuses cycles (structured clone allows them)', () => {
    const a: Record<string, unknown> = {};
    a.self = a;
    expect(withinSize(a, MAX_PAYLOAD_BYTES)).toBe(false);
  });
});

describe('dispatch', () => {
  const calls: string[] = [];
  const handlers: Handlers = {
    'runs:list': async () => (calls.push('runs:list'), []),
    'runs:get': async ({ id }) => {
      throw new ApiFailure('not_found', `no run ${id}`);
    },
    'backend:info': async () => {
      throw new Error('libtensorflow.so: cannot open shared object file');
    },
    'train:start': async () => ({ runId: RUN_ID, models: [] }),
    'train:stop': async () => null,
    'train:resume': async ({ runId }) => ({ runId, models: [] }),
    'runs:delete': async () => null,
    'runs:history': async () => ({ models: {} }),
    'runs:eval': async ({ id }) => {
      throw new ApiFailure('not_found', `run ${id} has no evaluation yet`);
    },
    'runs:case': async () => {
      throw new ApiFailure('not_found', 'no such case');
    },
    'runs:cohort': async () => {
      throw new ApiFailure('failed', 'no models');
    },
    'runs:cohorts': async () => [],
    'model:predict': async () => {
      throw new ApiFailure('failed', 'no model');
    },
    'runs:report': async () => {
      throw new ApiFailure('failed', 'no models');
    },
    'runs:predict': async () => {
      throw new ApiFailure('failed', 'no models');
    },
    'data:inspect': async () => {
      throw new ApiFailure('not_found', 'no data');
    },
    'data:slice': async () => {
      throw new ApiFailure('not_found', 'no data');
    },
    'plan:preview': async () => ({ subdomains: [], globalParams: 0, localWidth: 1, globalWidth: 1, coarseParams: 0 }),
    'settings:executor': async () => ({ kind: 'local' }),
    'dialog:pick': async () => {
      throw new ApiFailure('not_supported', 'no dialog in web mode');
    },
  };

  it('covers every channel with a schema', () => {
    expect([...CHANNELS].sort()).toEqual([
      'backend:info',
      'data:inspect',
      'data:slice',
      'dialog:pick',
      'model:predict',
      'plan:preview',
      'runs:case',
      'runs:cohort',
      'runs:cohorts',
      'runs:delete',
      'runs:eval',
      'runs:get',
      'runs:history',
      'runs:list',
      'runs:predict',
      'runs:report',
      'settings:executor',
      'train:resume',
      'train:start',
      'train:stop',
    ]);
    for (const c of CHANNELS) expect(requestSchemas[c]).toBeDefined();
  });

  it('answers valid requests with ok results', async () => {
    expect(await dispatch('runs:list', [], handlers)).toEqual({ ok: true, value: [] });
    expect(await dispatch('train:start', [validStart], handlers)).toEqual({ ok: true, value: { runId: RUN_ID, models: [] } });
    expect(await dispatch('train:stop', [{ runId: RUN_ID }], handlers)).toEqual({ ok: true, value: null });
  });

  it('refuses malformed payloads before any handler runs, with a readable reason', async () => {
    calls.length = 0;
    const r = await dispatch('runs:list', [{ anything: true }], handlers);
    expect(r).toMatchObject({ ok: false, error: { code: 'invalid_request' } });
    expect(calls).toEqual([]);
    const bad = await dispatch('train:start', [{ ...validStart, grid: [2, 2] }], handlers);
    expect(bad.ok).toBe(false);
    if (!bad.ok) expect(bad.error.message).toMatch(/^train:start: grid: needs one entry per spatial axis/);
    expect(await dispatch('runs:get', [{ id: '../../etc' }], handlers)).toMatchObject({ ok: false, error: { code: 'invalid_request' } });
  });

  it('refuses extra arguments and oversized payloads', async () => {
    expect(await dispatch('runs:get', [{ id: RUN_ID }, 'more'], handlers)).toMatchObject({ ok: false, error: { code: 'invalid_request' } });
    const huge = await dispatch('runs:get', [{ id: 'x'.repeat(MAX_PAYLOAD_BYTES * 2) }], handlers);
    expect(huge).toMatchObject({ ok: false, error: { code: 'invalid_request' } });
    if (!huge.ok) expect(huge.error.message).toContain('larger than');
  });

  it('returns failures as data: ApiFailure keeps its code, other errors become failed', async () => {
    expect(await dispatch('runs:get', [{ id: RUN_ID }], handlers)).toEqual({ ok: false, error: { code: 'not_found', message: `no run ${RUN_ID}` } });
    expect(await dispatch('backend:info', [], handlers)).toEqual({
      ok: false,
      error: { code: 'failed', message: 'libtensorflow.so: cannot open shared object file' },
    });
  });

  it('refuses channels that are not in the contract', async () => {
    expect(await dispatch('fs:read' as never, [], handlers)).toMatchObject({ ok: false, error: { code: 'invalid_request' } });
  });
});
