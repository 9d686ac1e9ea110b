// The four Slurm commands the Slurm executor uses (sbatch, squeue, scontrol, scancel), run as processes
// and their output parsed. No sacct: many clusters' users cannot run it, and a cluster without slurmdbd has
// none; a finished job is known from squeue/scontrol while Slurm keeps it, and from the trainer's done file.
import { execFile } from 'node:child_process';
import type { JobStatus } from './executor';

function run(cmd: string, args: string[], timeoutMs = 60_000): Promise<string> {
  return new Promise((resolve, reject) =>
    execFile(cmd, args, { encoding: 'utf8', timeout: timeoutMs }, (err, stdout, stderr) => {
      if (!err) return resolve(stdout);
      const why = (err as NodeJS.ErrnoException).code === 'ENOENT' ? `${cmd} not found: the Slurm client commands must be on this host's PATH` : stderr.trim() || err.message;
      reject(new Error(`${cmd} ${args.join(' ')}: ${why}`));
    }),
  );
}

/** Submits a batch job; returns its job id (of an array: the array's id). */
export async function sbatch(args: string[]): Promise<string> {
  const out = await run('sbatch', ['--parsable', ...args]);
  // --parsable prints "<id>" or "<id>;<cluster>".
  const id = out.trim().split(';')[0];
  if (!/^\d+$/.test(id)) throw new Error(`sbatch ${args.join(' ')}: unexpected answer "${out.trim()}"`);
  return id;
}

const status = (id: string, state: string, reason: string, node: string): JobStatus => ({
  id,
  state,
  ...(reason && reason !== 'None' && reason !== '(null)' ? { reason } : {}),
  ...(node && node !== '(null)' ? { node } : {}),
});

/** Every job of the given name that Slurm still knows (pending, running, or recently ended), array tasks one by one. */
export async function squeueByName(name: string): Promise<Map<string, JobStatus>> {
  const out = await run('squeue', ['--noheader', '--array', '--states=all', `--name=${name}`, '--format=%i|%T|%r|%N']);
  const jobs = new Map<string, JobStatus>();
  for (const line of out.split('\n')) {
    const [id, state, reason = '', node = ''] = line.trim().split('|');
    if (id && state) jobs.set(id, status(id, state, reason, node));
  }
  return jobs;
}

/** One job's state from scontrol, or undefined when Slurm no longer knows it. */
export async function scontrolJob(id: string): Promise<JobStatus | undefined> {
  let out: string;
  try {
    out = await run('scontrol', ['show', 'job', id, '--oneliner']);
  } catch (e) {
    if (/Invalid job id/i.test((e as Error).message)) return undefined;
    throw e;
  }
  const field = (k: string) => new RegExp(`(?:^|\\s)${k}=(\\S*)`).exec(out)?.[1] ?? '';
  return status(id, field('JobState'), field('Reason'), field('NodeList'));
}

/** Cancels jobs (or, with `signal`, only signals them); ids Slurm has forgotten are ignored. */
export async function scancel(ids: string[], opts: { signal?: string; name?: string } = {}): Promise<void> {
  if (ids.length === 0 && !opts.name) return;
  const args = [...(opts.signal ? [`--signal=${opts.signal}`] : []), ...(opts.name ? [`--name=${opts.name}`] : []), ...ids];
  try {
    await run('scancel', args);
  } catch (e) {
    if (!/Invalid job id|already completing or completed/i.test((e as Error).message)) throw e;
  }
}

/** States after which a job runs no more. */
export const ENDED_STATES = new Set(['COMPLETED', 'FAILED', 'CANCELLED', 'TIMEOUT', 'NODE_FAIL', 'OUT_OF_MEMORY', 'BOOT_FAIL', 'DEADLINE', 'PREEMPTED', 'SPECIAL_EXIT', 'REVOKED']);
