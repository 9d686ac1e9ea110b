// A run has one owner: while `ddcnn train` trains a run, the app's service on the same workspace shows it
// as training in another process and refuses to resume or delete it; once that process is dead its lock
// is stale, the run shows as cut off, and the service resumes it to completion.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { RunStatus } from '../../src-main/api/contract';
import { dispatch } from '../../src-main/api/dispatch';
import { createStudioService } from '../../src-main/api/service';
import { executeRun } from '../../src-main/runs/execute-run';
import { forkLauncher } from '../../src-main/runs/launcher';
import { readRunRecord } from '../../src-main/runs/run-record';
import { acquireRunLock, RunLockedError, runOwner } from '../../src-main/runs/run-lock';
import { canDelete, canResume, statusText } from '../../src-renderer/lib/run-compare';
import { processAlive, tempWorkspace } from '../helpers/runs';
import { DDCNN_BIN } from '../helpers/cli';

const until = async (what: string, pred: () => boolean, ms = 60_000) => {
  const t0 = Date.now();
  while (!pred()) {
    if (Date.now() - t0 > ms) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
};

describe('the run lock', () => {
  it('respects a lock of another host and takes over the lock of a dead process', () => {
    const runDir = tempWorkspace('ddcnn-lock-');
    const lock = path.join(runDir, 'run.lock');
    fs.writeFileSync(lock, JSON.stringify({ pid: process.pid, host: `not-${os.hostname()}`, startedAt: '2026-01-01T00:00:00Z' }));
    expect(runOwner(runDir)).toMatchObject({ host: `not-${os.hostname()}` });
    expect(() => acquireRunLock(runDir)).toThrow(`pid ${process.pid} on not-${os.hostname()}`);
    // A pid that surely is gone: a child that has exited and been reaped.
    const dead = spawn(process.execPath, ['-e', '0']);
    return new Promise<void>((resolve) =>
      dead.on('exit', () => {
        fs.writeFileSync(lock, JSON.stringify({ pid: dead.pid, host: os.hostname(), startedAt: '2026-01-01T00:00:00Z' }));
        expect(processAlive(dead.pid!)).toBe(false);
        expect(runOwner(runDir)).toBeUndefined();
        const release = acquireRunLock(runDir);
        expect(JSON.parse(fs.readFileSync(lock, 'utf8')).pid).toBe(process.pid);
        expect(() => acquireRunLock(runDir)).toThrow(RunLockedError);
        release();
        expect(fs.existsSync(lock)).toBe(false);
        resolve();
      }),
    );
  });

  it('shows a run that ddcnn train is training as training in another process, refuses resume and delete, and resumes it once that process is dead', async () => {
    const ws = tempWorkspace();
    const args = ['train', '--data', 'mnist', '--limit', '600', '--limit-test', '100', '--epochs', '8', '--width', '4', '--workers', '1', '--no-global', '--workspace', ws];
    const cli = spawn(process.execPath, [DDCNN_BIN, ...args], { detached: true, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    cli.stderr.on('data', (d) => (stderr += d));
    const exited = new Promise<void>((resolve) => cli.on('exit', () => resolve()));
    await until('the run folder', () => /run folder: /.test(stderr) && fs.existsSync(path.join(/run folder: (.+)/.exec(stderr)![1].trim(), 'run.lock')));
    const runDir = /run folder: (.+)/.exec(stderr)![1].trim();
    const runId = path.basename(runDir);
    await until('training to start', () => readRunRecord(runDir).status === 'running');

    const finished: ((s: RunStatus) => void)[] = [];
    const svc = createStudioService({ workspace: ws, launcher: forkLauncher, emit: (m) => m.event.type === 'finished' && finished.shift()?.(m.event.status) });
    const list = async () => {
      const r = await dispatch('runs:list', [], svc.handlers);
      if (!r.ok) throw new Error(r.error.message);
      return r.value;
    };
    const [item] = await list();
    expect(item.owner).toMatchObject({ pid: cli.pid, host: os.hostname() });
    expect(statusText(item)).toBe('training in another process');
    expect(canResume(item)).toBe(false);
    expect(canDelete(item)).toBe(false);
    expect(await dispatch('train:resume', [{ runId }], svc.handlers)).toMatchObject({ ok: false, error: { code: 'busy', message: expect.stringContaining(`pid ${cli.pid}`) } });
    expect(await dispatch('runs:delete', [{ id: runId }], svc.handlers)).toMatchObject({ ok: false, error: { code: 'busy', message: expect.stringContaining('another process') } });
    expect(fs.existsSync(runDir)).toBe(true);
    expect(() => executeRun(runDir, { launcher: forkLauncher })).toThrow(RunLockedError);

    // Kill the CLI and its trainers without a chance to clean up: the lock stays, stale.
    process.kill(-cli.pid!, 'SIGKILL');
    await exited;
    expect(fs.existsSync(path.join(runDir, 'run.lock'))).toBe(true);
    const [cutOff] = await list();
    expect(cutOff.owner).toBeUndefined();
    expect(statusText(cutOff)).toBe('cut off');
    expect(canResume(cutOff)).toBe(true);
    const done = new Promise<RunStatus>((r) => finished.push(r));
    expect(await dispatch('train:resume', [{ runId }], svc.handlers)).toMatchObject({ ok: true });
    expect(await done).toBe('completed');
    expect(fs.existsSync(path.join(runDir, 'run.lock'))).toBe(false);
  });
});
