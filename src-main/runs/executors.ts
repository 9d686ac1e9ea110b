// Chooses a run's executor from its settings in run.json: local processes unless it says Slurm.
import type { Executor } from './executor';
import type { TrainerLauncher } from './launcher';
import type { RunRecord } from './run-record';
import { localExecutor } from './local-executor';
import { slurmExecutor } from './slurm-executor';

export function createExecutor(runDir: string, rec: RunRecord, o: { launcher: TrainerLauncher; workers: number; gpu: boolean }): Executor {
  const cfg = rec.config.executor;
  if (cfg?.kind === 'slurm') return slurmExecutor(runDir, rec.id, cfg);
  return localExecutor(o);
}
