// Chooses a run's executor from its settings in run.json (local processes unless it says Slurm), and what
// can be done to a run's jobs without an orchestrator: see their states, cancel them.
import type { Executor, JobStatus } from './executor';
import type { RunRecord } from './run-record';
import { localExecutor, type LocalExecutorOptions } from './local-executor';
import { cancelSlurmRun, slurmExecutor, slurmJobStates } from './slurm-executor';

export function createExecutor(runDir: string, rec: RunRecord, o: LocalExecutorOptions): Executor {
  const cfg = rec.config.executor;
  if (cfg?.kind === 'slurm') return slurmExecutor(runDir, rec.id, cfg);
  return localExecutor(o);
}

/** Every model's job as its executor sees it now (a local run: as run.json last recorded it). */
export async function runJobStates(rec: RunRecord): Promise<Record<string, JobStatus | undefined>> {
  const jobs = Object.fromEntries(Object.entries(rec.models).map(([n, m]) => [n, m.job]));
  return rec.config.executor?.kind === 'slurm' ? slurmJobStates(rec.id, jobs) : jobs;
}

/** Cancels every job of a cluster run; returns the ids. A local run's trainers belong to the process that runs it. */
export async function cancelRunJobs(runDir: string, rec: RunRecord): Promise<string[]> {
  if (rec.config.executor?.kind !== 'slurm') {
    throw new Error(`run ${rec.id} trains with local processes: stop it with Ctrl-C in the terminal that runs it, or Stop in the app`);
  }
  return cancelSlurmRun(runDir, rec.id, Object.values(rec.models).map((m) => (m.state === 'done' ? undefined : m.job)));
}
