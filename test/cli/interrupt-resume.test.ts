// Ctrl-C stops every trainer within 5 s and leaves a run that `ddcnn resume` completes.
import { spawn, execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { readRunRecord } from '../../src-main/runs/run-record';
import { runLayout } from '../../src-main/runs/layout';
import { processAlive, tempWorkspace } from '../helpers/runs';
import { ddcnn, DDCNN_BIN } from '../helpers/cli';

function childPids(pid: number): number[] {
  try {
    return execFileSync('ps', ['-o', 'pid=', '--ppid', String(pid)], { encoding: 'utf8' }).trim().split(/\s+/).filter(Boolean).map(Number);
  } catch {
    return [];
  }
}

describe('ddcnn train, Ctrl-C and ddcnn resume', () => {
  it('stops within 5 s on Ctrl-C and resumes to completion without retraining the models that had finished', async () => {
    const ws = tempWorkspace();
    const args = ['train', '--data', 'mnist', '--limit', '600', '--limit-test', '200', '--epochs', '4', '--batch', '32', '--width', '8', '--workers', '2', '--workspace', ws, '--json'];
    // detached: its own process group, which receives the SIGINT like a terminal's Ctrl-C would send it.
    const cli = spawn(process.execPath, [DDCNN_BIN, ...args], { detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    const exited = new Promise<{ code: number | null; at: number }>((resolve) => cli.on('exit', (code) => resolve({ code, at: Date.now() })));
    // Interrupt once some local models have finished and others are still training.
    const { trainers, runDir, finished } = await new Promise<{ trainers: number[]; runDir: string; finished: string[] }>((resolve, reject) => {
      const poll = setInterval(() => {
        const dir = /run folder: (.+)/.exec(stderr)?.[1].trim();
        if (!dir || !fs.existsSync(runLayout(dir).runJson)) return;
        const models = readRunRecord(dir).models;
        const done = Object.keys(models).filter((m) => models[m].role === 'local' && models[m].state === 'done');
        if (done.length > 0 && done.length < 4) {
          clearInterval(poll);
          resolve({ trainers: childPids(cli.pid!), runDir: dir, finished: done });
        }
      }, 100);
      cli.stderr.on('data', (d) => (stderr += d));
      cli.on('exit', () => {
        clearInterval(poll);
        reject(new Error(`ddcnn exited before it could be interrupted: ${stderr}`));
      });
    });
    const doneBefore = finished.map((m) => fs.readFileSync(runLayout(runDir).done(m), 'utf8'));
    expect(trainers.length).toBeGreaterThan(0);
    const sentAt = Date.now();
    process.kill(-cli.pid!, 'SIGINT');
    const { code, at } = await exited;
    expect(at - sentAt).toBeLessThan(5000);
    expect(code).toBe(130);
    expect(trainers.every((pid) => !processAlive(pid))).toBe(true);
    expect(stderr).toContain(`ddcnn resume ${runDir}`);
    const rec = readRunRecord(runDir);
    expect(rec.status).toBe('interrupted');

    const resumed = await ddcnn(['resume', runDir, '--json']);
    expect(resumed.code, resumed.stderr).toBe(0);
    const summary = JSON.parse(resumed.stdout);
    expect(summary.status).toBe('completed');
    expect(summary.accuracy.local).toHaveLength(4);
    expect(readRunRecord(runDir).status).toBe('completed');
    expect(path.basename(runDir)).toBe(summary.runId);
    // Models that had finished before the interruption were not trained again: their done.json is the
    // one written before, and metrics.jsonl holds each of their 4 epochs once.
    expect(finished.map((m) => fs.readFileSync(runLayout(runDir).done(m), 'utf8'))).toEqual(doneBefore);
    const epochs = fs.readFileSync(runLayout(runDir).metrics, 'utf8').trim().split('\n').map((l) => JSON.parse(l)).filter((l) => l.type === 'epoch');
    for (const m of finished) expect(epochs.filter((l) => l.model === m).map((l) => l.epoch)).toEqual([1, 2, 3, 4]);
    // and the models cut off did train to the end after the resume.
    const cutOff = ['local-0', 'local-1', 'local-2', 'local-3'].filter((m) => !finished.includes(m));
    for (const m of cutOff) expect(epochs.filter((l) => l.model === m).at(-1).epoch).toBe(4);
  });
});
