// The Results view's numbers: one row per model from eval.json's metrics and the run's timings and
// parameter counts (the same quantities as the CLI's end-of-run table, src-main/runs/summary.ts), and the
// speed-up of the CNN-DNN over the global model.
import type { EvalView, RunSummaryView } from '../../src-main/api/contract';
import { localKeys, modelLabel } from './confusion';

export interface ResultRow {
  key: string;
  label: string;
  kind: 'cnnDnn' | 'global' | 'coherent' | 'fusion' | 'local';
  accuracy: number;
  /** Absent for runs made before it was recorded. */
  balancedAccuracy?: number;
  auc?: number;
  sensitivity?: number;
  specificity?: number;
  /** Seconds inside the training loops (CNN-DNN: slowest local model + coarse model). */
  trainSeconds?: number;
  /** Clock time of the model's stage(s) (CNN-DNN: parallel local stage + coarse stage). */
  wallSeconds?: number;
  params?: number;
}

type Timing = Pick<RunSummaryView, 'seconds' | 'params'>;

/** The rows of every model: CNN-DNN, global (when trained), average, vote, then each local model. */
export function resultRows(ev: Pick<EvalView, 'models'>, summary: Timing, localTrainSeconds: Record<string, number | undefined> = {}): ResultRow[] {
  const locals = localKeys(ev);
  const localParams = locals.reduce((a, k) => a + (summary.params[k] ?? 0), 0);
  const s = summary.seconds;
  const metrics = (key: string) => {
    const m = ev.models[key];
    return { accuracy: m.accuracy, balancedAccuracy: m.balancedAccuracy, auc: m.auc, sensitivity: m.sensitivity, specificity: m.specificity };
  };
  const rows: ResultRow[] = [
    {
      key: 'cnnDnn',
      label: 'CNN-DNN (local models + coarse model)',
      kind: 'cnnDnn',
      ...metrics('cnnDnn'),
      trainSeconds: s.localMax + s.coarse,
      wallSeconds: s.cnnDnnWall,
      params: localParams + (summary.params.coarse ?? 0),
    },
  ];
  if (ev.models.global) {
    rows.push({ key: 'global', label: 'Global model', kind: 'global', ...metrics('global'), trainSeconds: s.global, wallSeconds: s.globalWall, params: summary.params.global });
  }
  // The follow-up paper's variants, in runs that trained them: the whole model's parameters and its stage's times.
  const variant = (key: 'coherent' | 'transfer', label: string) => {
    if (ev.models[key]) rows.push({ key, label, kind: 'coherent', ...metrics(key), trainSeconds: s[key], wallSeconds: s[`${key}Wall`], params: summary.params[key] });
  };
  variant('coherent', 'Coherent CNN-DNN (trained end to end)');
  variant('transfer', 'Transfer learning (coherent, from this CNN-DNN)');
  rows.push({ key: 'average', label: 'Average of the local models', kind: 'fusion', ...metrics('average'), params: localParams });
  rows.push({ key: 'vote', label: 'Majority vote of the local models', kind: 'fusion', ...metrics('vote'), params: localParams });
  for (const k of locals) {
    rows.push({ key: k, label: modelLabel(k), kind: 'local', ...metrics(k), trainSeconds: localTrainSeconds[k], params: summary.params[k] });
  }
  return rows;
}

export interface SpeedUp {
  /** Global model's wall time / the CNN-DNN's wall time (local stage + coarse stage). */
  wall?: number;
  /** Global model's training-loop time / (slowest local model + coarse model). */
  train?: number;
}

const ratio = (a: number | undefined, b: number | undefined) => (a !== undefined && b !== undefined && a > 0 && b > 0 ? a / b : undefined);

/** How many times faster the CNN-DNN trained than the global model; empty without a global model. */
export function speedUp(seconds: RunSummaryView['seconds']): SpeedUp {
  return { wall: ratio(seconds.globalWall, seconds.cnnDnnWall), train: ratio(seconds.global, seconds.localMax + seconds.coarse) };
}

/** Each local model's test accuracy by subdomain index, for the decomposition map. */
export function localAccuracies(ev: Pick<EvalView, 'models'>): Map<number, number> {
  return new Map(localKeys(ev).map((k) => [Number(k.slice('local-'.length)), ev.models[k].accuracy]));
}
