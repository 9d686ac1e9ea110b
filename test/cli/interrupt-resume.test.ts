// Ctrl-C stops every trainer within 5 s and leaves a run that `ddcnn resume` completes.
import { spawn, execFileSync } from 'node:child_process';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { readRunRecord } from '../../src-main/runs/run-record';
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
  it('stops within 5 s on Ctrl-C and resumes to completion', async () => {
    const ws = tempWorkspace();
    const args = ['train', '--data', 'mnist', '--limit', '600', '--limit-test', '200', '--epochs', '4', '--batch', '32', '--width', '8', '--workers', '2', '--workspace', ws, '--json'];
    // detached: its own process group, which receives the SIGINT like a terminal's Ctrl-C would send it.
    const cli = spawn(process.execPath, [DDCNN_BIN, ...args], { detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    const exited = new Promise<{ code: number | null; at: number }>((resolve) => cli.on('exit', (code) => resolve({ code, at: Date.now() })));
    const trainers = await new Promise<number[]>((resolve, reject) => {
      cli.stderr.on('data', (d) => {
        stderr += d;
        if (/local-\d: epoch 1\/4/.test(stderr)) resolve(childPids(cli.pid!));
      });
      cli.on('exit', () => reject(new Error(`ddcnn exited before training: ${stderr}`)));
    });
    expect(trainers.length).toBeGreaterThan(0);
    const sentAt = Date.now();
    process.kill(-cli.pid!, 'SIGINT');
    const { code, at } = await exited;
    expect(at - sentAt).toBeLessThan(5000);
    expect(code).toBe(130);
    expect(trainers.every((pid) => !processAlive(pid))).toBe(true);
    const runDir = /run folder: (.+)/.exec(stderr)![1].trim();
    expect(stderr).toContain(`ddcnn resume ${runDir}`);
    const rec = readRunRecord(runDir);
    expect(rec.status).toBe('interrupted');

    const resumed = await ddcnn(['resume', runDir, '--json']);
    expect(resumed.code, resumed.stderr).toBe(0);
    const summary = JSON.parse(resumed.stdout);
    expect(summary.status).toBe('completed');
    expect(summary.accuracy.local).toHaveLength(4);
    expect(readRunRecord(runDir).status).toBe('completed');
    // Models that had finished before the interruption were not trained again.
    expect(path.basename(runDir)).toBe(summary.runId);
  });
});
