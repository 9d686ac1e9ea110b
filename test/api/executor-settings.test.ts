// The app's "Run on: this machine | Slurm cluster": train:start's executor is validated, a Slurm run started
// through the service trains as jobs of the real one-node cluster, its Cancel (train:stop) cancels them, and
// the settings are remembered per workspace (settings:executor).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { requestSchemas, type ExecutorSettingsView, type RunEventMessage, type RunStatus, type TrainStartRequest } from '../../src-main/api/contract';
import { dispatch } from '../../src-main/api/dispatch';
import { createStudioService } from '../../src-main/api/service';
import { forkLauncher } from '../../src-main/runs/launcher';
import { readRunRecord } from '../../src-main/runs/run-record';
import { jobsNamed, requireSlurm } from '../helpers/slurm';

const base: TrainStartRequest = { data: 'mnist', grid: [2, 2], overlap: 2, family: 'vgg', epochs: 3, batch: 32, seed: 3, global: false, limit: 300, learningRate: 2e-3, width: 8 };
const slurm: ExecutorSettingsView = { kind: 'slurm', partition: 'debug', cpusPerModel: 1, memPerModel: '900M', timeLimit: '10', sbatchArgs: ['--comment=ddcnn-test'] };

function service(ws: string) {
  const events: RunEventMessage[] = [];
  let onFinished: ((s: RunStatus) => void) | undefined;
  const svc = createStudioService({
    workspace: ws,
    launcher: forkLauncher,
    emit: (m) => {
      events.push(m);
      if (m.event.type === 'finished') onFinished?.(m.event.status);
    },
  });
  const finished = new Promise<RunStatus>((r) => (onFinished = r));
  return { h: svc.handlers, events, finished };
}

describe('the executor settings of the app', () => {
  beforeAll(requireSlurm);

  it('validates train:start executor settings: bad Slurm fields are refused, good ones pass', () => {
    const parse = (executor: unknown) => requestSchemas['train:start'].safeParse({ ...base, executor }).success;
    expect(parse(slurm)).toBe(true);
    expect(parse({ kind: 'local' })).toBe(true);
    expect(parse({ kind: 'slurm', partition: 'gpu nodes' })).toBe(false);
    expect(parse({ kind: 'slurm', memPerModel: 'lots' })).toBe(false);
    expect(parse({ kind: 'slurm', gpusPerModel: -1 })).toBe(false);
    expect(parse({ kind: 'slurm', queue: 'x' })).toBe(false);
    expect(parse({ kind: 'pbs' })).toBe(false);
  });

  it('trains a run started with Slurm settings as jobs, cancels them on Stop, and remembers the settings per workspace', async () => {
    const ws = fs.mkdtempSync(path.join(os.tmpdir(), 'ddcnn-api-slurm-'));
    const { h, events, finished } = service(ws);
    expect(await dispatch('settings:executor', [undefined], h)).toEqual({ ok: true, value: { kind: 'local' } });
    const started = await dispatch('train:start', [{ ...base, executor: slurm }], h);
    if (!started.ok) throw new Error(started.error.message);
    const { runId } = started.value;
    // The cards get each job's id and state; Stop cancels them all.
    await new Promise<void>((resolve) => {
      const timer = setInterval(() => events.some((m) => m.event.type === 'job' && m.event.state === 'RUNNING') && (clearInterval(timer), resolve()), 50);
    });
    expect(await dispatch('train:stop', [{ runId }], h)).toEqual({ ok: true, value: null });
    expect(await finished).toBe('interrupted');
    const rec = readRunRecord(path.join(ws, 'runs', runId));
    expect(rec.config.executor).toEqual(slurm);
    expect(Object.values(rec.models).every((m) => m.job?.executor === 'slurm')).toBe(true);
    expect([...jobsNamed(`ddcnn-${runId}`).values()].filter((s) => s === 'PENDING' || s === 'RUNNING')).toEqual([]);

    // Remembered for this workspace (also by a new service, as after restarting the app), not for another.
    expect(await dispatch('settings:executor', [undefined], h)).toEqual({ ok: true, value: slurm });
    expect(await dispatch('settings:executor', [undefined], service(ws).h)).toEqual({ ok: true, value: slurm });
    const other = fs.mkdtempSync(path.join(os.tmpdir(), 'ddcnn-api-slurm-'));
    expect(await dispatch('settings:executor', [undefined], service(other).h)).toEqual({ ok: true, value: { kind: 'local' } });
    // A damaged settings file is named in the error.
    fs.writeFileSync(path.join(other, 'executor-settings.json'), '{"kind":"slurm","gpusPerModel":"two"}');
    expect(await dispatch('settings:executor', [undefined], service(other).h)).toMatchObject({ ok: false, error: { message: expect.stringContaining(path.join(other, 'executor-settings.json')) } });
  });
});
