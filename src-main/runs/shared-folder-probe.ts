// Before a run's jobs are submitted: is the run folder the same folder on the compute nodes? A probe job
// writes a file into it, and this host must read that file back within a time limit. Trainers under Slurm
// read their data from the run folder and report through files in it, so without a shared filesystem a run
// could only fail later, in every job, with less clear errors.
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { runLayout } from './layout';
import { ENDED_STATES, sbatch, scancel, scontrolJob, squeueByName } from './slurm-commands';
import type { JobStatus } from './executor';

/**
 * After the probe job has completed, how long its file may take to appear here (a shared filesystem's attribute
 * cache). A probe job that failed could not write it (no such folder on the node): no need to wait.
 */
const AFTER_END_MS = 10_000;

export async function probeSharedFolder(runDir: string, o: { jobName: string; args: string[]; timeoutSeconds: number }): Promise<void> {
  const L = runLayout(runDir);
  fs.mkdirSync(L.slurm, { recursive: true });
  const token = crypto.randomBytes(8).toString('hex');
  const file = path.join(L.slurm, `probe-${token}`);
  // The probe runs where the trainers will (the same resources and arguments), from / so that it does not
  // depend on the submitting folder, with its output discarded; its only trace is the file.
  const id = await sbatch([...o.args, '--time=5', `--job-name=${o.jobName}-probe`, '--chdir=/', '--output=/dev/null', '--no-requeue', `--wrap=echo ${token} > '${file}'`]);
  const t0 = Date.now();
  let last: JobStatus | undefined;
  let endedAt: number | undefined;
  try {
    for (;;) {
      if (fs.existsSync(file) && fs.readFileSync(file, 'utf8').trim() === token) return;
      if (endedAt === undefined) {
        last = (await squeueByName(`${o.jobName}-probe`)).get(id) ?? (await scontrolJob(id)) ?? { id, state: 'GONE' };
        if (ENDED_STATES.has(last.state) || last.state === 'GONE') endedAt = Date.now();
      }
      const late = endedAt !== undefined && (last?.state !== 'COMPLETED' || Date.now() - endedAt > AFTER_END_MS);
      if (late || Date.now() - t0 > o.timeoutSeconds * 1000) break;
      await new Promise((r) => setTimeout(r, 250));
    }
  } finally {
    fs.rmSync(file, { force: true });
    await scancel([id]).catch(() => {});
  }
  const state = last ? `${last.state}${last.reason ? `, ${last.reason}` : ''}` : 'unknown';
  if (endedAt === undefined) {
    throw new Error(
      `Slurm did not run the shared-filesystem probe for ${runDir} within ${o.timeoutSeconds} s (probe job ${id}: ${state}). ` +
        'Check the partition and account (sinfo, squeue), or allow the probe longer.',
    );
  }
  throw new Error(
    `the run folder ${runDir} is not shared with the Slurm compute nodes: probe job ${id} (${state}) was to write ${file}, ` +
      `and this host did not see it within ${Math.round((Date.now() - t0) / 1000)} s. Trainers read their data from the run folder ` +
      'and report through it, so it must be on a filesystem that this host and the nodes share (on most clusters /home, /project ' +
      'or /scratch): start the run with --workspace <a folder there>.',
  );
}
