// vitest globalSetup: a real one-node Slurm cluster (scripts/slurm-local.sh) for test/runs/slurm-*.test.ts.
// Started when Slurm is installed (.ci/run installs it) and not already running; the daemons it started are
// stopped by pid at the end. A cluster that was already up (a developer's, or another test run's) is left alone.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { SLURM_DIR, slurmInstalled } from './slurm';

const SCRIPT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../scripts/slurm-local.sh');
const DAEMONS = ['munged', 'slurmctld', 'slurmd'];

const pidOf = (name: string): number | undefined => {
  try {
    const pid = Number(fs.readFileSync(path.join(SLURM_DIR, `${name}.pid`), 'utf8'));
    process.kill(pid, 0);
    return pid;
  } catch {
    return undefined;
  }
};

let started: number[] = [];

export function setup(): void {
  process.env.SLURM_CONF = path.join(SLURM_DIR, 'slurm.conf');
  if (!slurmInstalled()) return; // the Slurm tests say what is missing
  const before = new Set(DAEMONS.map(pidOf).filter((p) => p !== undefined));
  if (before.size === DAEMONS.length) return;
  const t0 = performance.now();
  execFileSync(SCRIPT, ['start'], { stdio: ['ignore', 'ignore', 'inherit'], env: { ...process.env, DDCNN_SLURM_DIR: SLURM_DIR } });
  started = DAEMONS.map(pidOf).filter((p): p is number => p !== undefined && !before.has(p));
  process.stderr.write(`slurm: started ${started.length} daemon(s) in ${((performance.now() - t0) / 1000).toFixed(1)} s\n`);
}

export async function teardown(): Promise<void> {
  // slurmd first, munged last: the reverse of their start.
  for (const pid of [...started].reverse()) {
    try {
      process.kill(pid, 'SIGTERM');
    } catch {
      continue;
    }
    for (let i = 0; i < 50; i++) {
      try {
        process.kill(pid, 0);
      } catch {
        break;
      }
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}
