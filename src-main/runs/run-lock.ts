// A run has one owner: the process that executes it holds run.lock in the run folder (its pid, host and
// start time), so that `ddcnn train`, `ddcnn resume`, `ddcnn serve` and the app, on one workspace, never
// train, resume or delete the same run at once. A lock left by a process that died is found stale (same
// host, pid gone) and taken over; a lock of another host (a shared workspace) is respected, since its
// process cannot be checked from here.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { RunOwner } from './run-types';

export type { RunOwner };

const LOCK = 'run.lock';

export class RunLockedError extends Error {
  override name = 'RunLockedError';
  constructor(
    readonly runDir: string,
    readonly owner: RunOwner,
  ) {
    super(`run ${path.basename(runDir)} is being trained by another process (${describeOwner(owner)}); wait for it, or stop that process`);
  }
}

export function describeOwner(o: RunOwner): string {
  return `pid ${o.pid} on ${o.host}, since ${o.startedAt}`;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    // EPERM: the process exists but belongs to another user.
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function readLock(file: string): RunOwner | undefined {
  try {
    const o = JSON.parse(fs.readFileSync(file, 'utf8')) as RunOwner;
    return Number.isInteger(o.pid) && typeof o.host === 'string' ? o : undefined;
  } catch {
    // Missing, or torn by a crash between create and write: either way nobody can be shown to hold it.
    return undefined;
  }
}

/** Whether a lock's owner may still be running: another host's always may. */
const isLive = (o: RunOwner) => o.host !== os.hostname() || alive(o.pid);

/** The process that trains the run now, if any (a stale lock counts as none). */
export function runOwner(runDir: string): RunOwner | undefined {
  const owner = readLock(path.join(runDir, LOCK));
  return owner && isLive(owner) ? owner : undefined;
}

/**
 * Takes the run's lock for this process, or throws RunLockedError naming the live owner. Returns the
 * release function (which removes the lock only while it is still this process's).
 */
export function acquireRunLock(runDir: string): () => void {
  const file = path.join(runDir, LOCK);
  const me: RunOwner = { pid: process.pid, host: os.hostname(), startedAt: new Date().toISOString() };
  // Two tries: the second after removing a stale lock. The lock appears with its content in one step (a
  // hard link of a written temp file, which fails if the lock exists): no process ever reads it half-written.
  const tmp = `${file}.${me.pid}.tmp`;
  fs.writeFileSync(tmp, JSON.stringify(me));
  try {
    for (let attempt = 0; attempt < 2; attempt++) {
      try {
        fs.linkSync(tmp, file);
        return () => {
          const now = readLock(file);
          if (now?.pid === me.pid && now.host === me.host) fs.rmSync(file, { force: true });
        };
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
        const owner = readLock(file);
        if (owner && isLive(owner)) throw new RunLockedError(runDir, owner);
        fs.rmSync(file, { force: true });
      }
    }
  } finally {
    fs.rmSync(tmp, { force: true });
  }
  const owner = readLock(file);
  throw new RunLockedError(runDir, owner ?? { pid: -1, host: 'unknown', startedAt: 'unknown' });
}
