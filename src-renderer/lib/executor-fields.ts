// The Training form's "Run on" choice and the Slurm cluster's fields, to and from the api's executor settings
// (the train:start request's `executor`, and what settings:executor remembers per workspace).
import type { ExecutorSettingsView } from '../../src-main/api/contract';

export type RunOn = 'local' | 'slurm';

/** The fields as the form edits them: text, or numbers that may be left empty. */
export interface ClusterFields {
  partition: string;
  account: string;
  gpusPerModel: number | null;
  cpusPerModel: number | null;
  memPerModel: string;
  timeLimit: string;
  /** Further sbatch arguments, separated by spaces. */
  sbatchArgs: string;
}

export const EMPTY_CLUSTER: ClusterFields = { partition: '', account: '', gpusPerModel: null, cpusPerModel: null, memPerModel: '', timeLimit: '', sbatchArgs: '' };

const count = (v: unknown, min: number): number | undefined => {
  const n = typeof v === 'number' ? v : typeof v === 'string' && v.trim() !== '' ? Number(v) : Number.NaN;
  return Number.isInteger(n) && n >= min ? n : undefined;
};

/** The request's executor: only the fields that were filled in (the main process validates them again). */
export function executorFromFields(runOn: RunOn, f: ClusterFields): ExecutorSettingsView {
  if (runOn === 'local') return { kind: 'local' };
  const out: ExecutorSettingsView = { kind: 'slurm' };
  const text = (s: string) => (s.trim() === '' ? undefined : s.trim());
  const set = <K extends keyof typeof out>(k: K, v: (typeof out)[K] | undefined) => {
    if (v !== undefined) out[k] = v;
  };
  set('partition', text(f.partition));
  set('account', text(f.account));
  set('gpusPerModel', count(f.gpusPerModel, 0));
  set('cpusPerModel', count(f.cpusPerModel, 1));
  set('memPerModel', text(f.memPerModel));
  set('timeLimit', text(f.timeLimit));
  const args = f.sbatchArgs.split(/\s+/).filter(Boolean);
  if (args.length) out.sbatchArgs = args;
  return out;
}

export function fieldsFromExecutor(cfg: ExecutorSettingsView): { runOn: RunOn; fields: ClusterFields } {
  if (cfg.kind === 'local') return { runOn: 'local', fields: { ...EMPTY_CLUSTER } };
  return {
    runOn: 'slurm',
    fields: {
      partition: cfg.partition ?? '',
      account: cfg.account ?? '',
      gpusPerModel: cfg.gpusPerModel ?? null,
      cpusPerModel: cfg.cpusPerModel ?? null,
      memPerModel: cfg.memPerModel ?? '',
      timeLimit: cfg.timeLimit ?? '',
      sbatchArgs: (cfg.sbatchArgs ?? []).join(' '),
    },
  };
}
