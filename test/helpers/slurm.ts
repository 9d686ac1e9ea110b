// Helpers for the tests against the real one-node Slurm cluster that test/helpers/slurm-cluster.ts starts.
import { execFileSync } from 'node:child_process';
import path from 'node:path';

export const SLURM_DIR = process.env.DDCNN_SLURM_DIR ?? '/var/tmp/ddcnn-slurm';
process.env.SLURM_CONF ??= path.join(SLURM_DIR, 'slurm.conf');

/** A folder that exists on this host but not on the cluster's node (an empty tmpfs in slurmd's mount namespace). */
export const NODE_PRIVATE_DIR = path.join(SLURM_DIR, 'node-private');

export function slurmInstalled(): boolean {
  try {
    execFileSync('sh', ['-c', 'command -v slurmctld && command -v slurmd && command -v sbatch && command -v munged'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/** Fails with what to do when the cluster is not there (these tests never skip). */
export function requireSlurm(): void {
  if (!slurmInstalled()) throw new Error('Slurm is not installed: run scripts/slurm-local.sh install (as .ci/run does)');
  const state = execFileSync('sinfo', ['-h', '-N', '-o', '%T'], { encoding: 'utf8' }).trim();
  if (!/^(idle|mixed|allocated)/m.test(state)) throw new Error(`the test cluster's node is "${state}", not idle: see ${SLURM_DIR}/log/`);
}

/** Every job (array tasks one by one) with this name that Slurm still knows, with its state. */
export function jobsNamed(name: string): Map<string, string> {
  const out = execFileSync('squeue', ['-h', '-r', '--states=all', `--name=${name}`, '-o', '%i|%T'], { encoding: 'utf8' });
  return new Map(out.trim().split('\n').filter(Boolean).map((l) => l.split('|') as [string, string]));
}

export async function waitFor(what: string, cond: () => boolean, timeoutMs = 60_000, everyMs = 200): Promise<void> {
  const t0 = Date.now();
  while (!cond()) {
    if (Date.now() - t0 > timeoutMs) throw new Error(`timed out after ${timeoutMs / 1000} s waiting for ${what}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}
