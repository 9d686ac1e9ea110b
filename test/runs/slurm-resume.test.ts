// Closing the CLI of a Slurm run leaves its jobs running; `ddcnn status` shows them and `ddcnn resume`
// re-attaches to them instead of submitting them again; Ctrl-C cancels them (against the real one-node cluster).
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { readRunRecord } from '../../src-main/runs/run-record';
import { runLayout } from '../../src-main/runs/layout';
import { tempWorkspace } from '../helpers/runs';
import { ddcnn, DDCNN_BIN } from '../helpers/cli';
import { jobsNamed, requireSlurm, waitFor } from '../helpers/slurm';

const trainArgs = (ws: string) => ['train', '--executor', 'slurm', '--data', 'mnist', '--limit', '400', '--limit-test', '100', '--epochs', '3', '--batch', '32', '--width', '8', '--workspace', ws];

/** Starts `ddcnn train --executor slurm` and resolves once one of its local models' jobs runs. */
async function trainUntilRunning(ws: string) {
  const cli = spawn(process.execPath, [DDCNN_BIN, ...trainArgs(ws)], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  const exited = new Promise<number | null>((resolve) => cli.on('exit', (code, signal) => resolve(code ?? (signal ? -1 : null))));
  await new Promise<void>((resolve, reject) => {
    cli.stderr.on('data', (d) => {
      stderr += d;
      if (/local-\d: slurm job \S+ RUNNING/.test(stderr)) resolve();
    });
    cli.on('exit', () => reject(new Error(`ddcnn exited before its jobs ran: ${stderr}`)));
  });
  const runDir = /run folder: (.+)/.exec(stderr)![1].trim();
  return { cli, exited, runDir, stderr: () => stderr };
}

describe('ddcnn with --executor slurm, closed and resumed', () => {
  beforeAll(requireSlurm);

  it('keeps the jobs running when the CLI is closed, and resume re-attaches to them without submitting duplicates', async () => {
    const { cli, exited, runDir } = await trainUntilRunning(tempWorkspace());
    // Every stage submitted (the coarse and global jobs go in just after the array).
    await waitFor('every model to have its job', () => Object.values(readRunRecord(runDir).models).every((m) => m.job !== undefined));
    const before = readRunRecord(runDir);
    const ids = Object.fromEntries(Object.entries(before.models).map(([n, m]) => [n, m.job?.id]));
    expect(Object.values(ids).every((id) => id !== undefined)).toBe(true);

    // Closing the terminal: SIGHUP ends the CLI, not the jobs.
    cli.kill('SIGHUP');
    await exited;
    const name = `ddcnn-${before.id}`;
    const alive = [...jobsNamed(name)].filter(([, s]) => s === 'PENDING' || s === 'RUNNING').map(([id]) => id);
    expect(alive.length).toBeGreaterThan(0);

    const status = await ddcnn(['status', runDir]);
    expect(status.code, status.stderr).toBe(0);
    for (const [model, id] of Object.entries(ids)) expect(status.stdout).toMatch(new RegExp(`^${model}\\s.*\\s${id}\\s`, 'm'));

    const resumed = await ddcnn(['resume', runDir, '--json']);
    expect(resumed.code, resumed.stderr).toBe(0);
    expect(JSON.parse(resumed.stdout).status).toBe('completed');
    for (const id of alive) expect(resumed.stderr).toContain(`re-attached to job ${id}`);
    // No duplicates: every model kept its job, and Slurm knows no other job of this run.
    const after = readRunRecord(runDir);
    expect(Object.fromEntries(Object.entries(after.models).map(([n, m]) => [n, m.job?.id]))).toEqual(ids);
    expect([...jobsNamed(name).keys()].sort()).toEqual(Object.values(ids).sort());
    expect(after.restarts).toEqual([]);
    // The epochs trained while nobody followed were caught up from the events files, none twice.
    const epochs = fs.readFileSync(runLayout(runDir).metrics, 'utf8').trim().split('\n').map((l) => JSON.parse(l)).filter((m) => m.type === 'epoch');
    expect(epochs.map((e) => `${e.model}:${e.epoch}`).sort()).toEqual(Object.keys(ids).flatMap((n) => [1, 2, 3].map((e) => `${n}:${e}`)).sort());
    expect(path.basename(runDir)).toBe(before.id);
  });

  it('Ctrl-C cancels every job of the run (exit code 130, run interrupted, no job left pending or running)', async () => {
    const { cli, exited, runDir, stderr } = await trainUntilRunning(tempWorkspace());
    const sentAt = Date.now();
    cli.kill('SIGINT');
    const code = await exited;
    expect(code).toBe(130);
    expect(Date.now() - sentAt).toBeLessThan(15_000);
    expect(stderr()).toContain('cancelling every Slurm job of the run');
    const rec = readRunRecord(runDir);
    expect(rec.status).toBe('interrupted');
    // Every job the run submitted (those of the stages submitted before Ctrl-C arrived) is recorded and ended.
    const jobs = jobsNamed(`ddcnn-${rec.id}`);
    const recorded = Object.values(rec.models).flatMap((m) => m.job?.id ?? []);
    expect(recorded.length).toBeGreaterThanOrEqual(4);
    expect([...jobs.values()].filter((s) => s === 'PENDING' || s === 'RUNNING')).toEqual([]);
    // (array tasks cancelled before they started are listed by Slurm under the array's id)
    const arrays = new Set(recorded.map((id) => id.split('_')[0]));
    expect([...jobs.keys()].filter((id) => !recorded.includes(id) && !arrays.has(id))).toEqual([]);
  });
});
