// Two runs side by side (the Runs view): their settings and their results as rows of text, with the
// better value of each result marked (higher accuracy and AUC, shorter times). Pure.
import type { RunDetails, RunListItem } from '../../src-main/api/contract';
import { duration, grid, percent } from './format';

export interface CompareRow {
  key: string;
  label: string;
  section: 'settings' | 'results';
  a: string;
  b: string;
  /** Which run is better on this row, when it is a result with a direction and the two differ. */
  better?: 'a' | 'b';
}

type Direction = 'higher' | 'lower';

const text = (v: unknown): string => (v === undefined || v === null || v === '' ? '–' : String(v));
const widthOf = (d: RunDetails) => d.record.config.width ?? (d.record.dataset.inputShape.length === 4 ? 8 : 16);

type RunState = Pick<RunListItem, 'status' | 'active' | 'owner'>;

/**
 * A run's status as the Runs view says it: a run another process holds is training there; a 'running' run
 * that nobody trains was cut off.
 */
export function statusText(r: RunState): string {
  if (r.owner) return 'training in another process';
  return r.status === 'running' && !r.active ? 'cut off' : r.status;
}

/** Whether a run can be resumed here: interrupted, failed, cut off, or created but never started, and nobody else's. */
export function canResume(r: RunState): boolean {
  return !r.active && !r.owner && (r.status === 'interrupted' || r.status === 'failed' || r.status === 'created' || r.status === 'running');
}

/** Whether a run can be deleted here: nobody trains it, neither this app nor another process. */
export function canDelete(r: RunState): boolean {
  return !r.active && !r.owner;
}

export function compareRows(a: RunDetails, b: RunDetails): CompareRow[] {
  const rows: CompareRow[] = [];
  const setting = (key: string, label: string, f: (d: RunDetails) => unknown) => rows.push({ key, label, section: 'settings', a: text(f(a)), b: text(f(b)) });
  const result = (key: string, label: string, f: (d: RunDetails) => number | undefined, show: (v: number | undefined) => string, dir: Direction) => {
    const va = f(a);
    const vb = f(b);
    const row: CompareRow = { key, label, section: 'results', a: show(va), b: show(vb) };
    // Only where the difference shows: two times that both read 0s are not one better than the other.
    if (va !== undefined && vb !== undefined && Number.isFinite(va) && Number.isFinite(vb) && row.a !== row.b) {
      row.better = (dir === 'higher') === va > vb ? 'a' : 'b';
    }
    rows.push(row);
  };

  setting('dataset', 'Data set', (d) => d.record.dataset.name);
  setting('source', 'Source', (d) => d.record.dataset.source);
  setting('inputShape', 'Input shape', (d) => d.record.dataset.inputShape.slice(0, -1).reverse().join('×'));
  setting('classes', 'Classes', (d) => d.record.dataset.classes.join(', '));
  setting('split', 'Train / val / test', (d) => `${d.record.dataset.nTrain} / ${d.record.dataset.nVal} / ${d.record.dataset.nTest}`);
  setting('grid', 'Decomposition', (d) => grid(d.record.decomposition.grid));
  setting('overlap', 'Overlap', (d) => d.record.decomposition.overlap);
  setting('family', 'Model family', (d) => d.record.config.family);
  setting('width', 'Base width', widthOf);
  setting('epochs', 'Epochs', (d) => d.record.config.epochs);
  setting('batch', 'Batch size', (d) => d.record.config.batch);
  setting('learningRate', 'Learning rate', (d) => d.record.config.learningRate);
  setting('seed', 'Seed', (d) => d.record.config.seed);
  setting('limit', 'Training cases (limit)', (d) => d.record.config.limit ?? 'all');
  setting('workers', 'Trainer processes', (d) => d.record.config.workers ?? 'all cores');
  setting('global', 'Global model', (d) => (d.record.config.global ? 'yes' : 'no'));
  setting('backend', 'Backend', (d) => d.record.backend?.name);
  if (a.record.dataset.classes.length === 2 || b.record.dataset.classes.length === 2) setting('positive', 'Positive class', (d) => d.summary?.positiveClass ?? d.record.dataset.positiveClass);
  setting('status', 'Status', (d) => statusText({ status: d.record.status, active: d.active }));

  const acc = (f: (s: NonNullable<RunDetails['summary']>) => number | undefined) => (d: RunDetails) => (d.summary ? f(d.summary) : undefined);
  const pct = (v: number | undefined) => percent(v, 2);
  const auc = (v: number | undefined) => (v === undefined ? '–' : v.toFixed(3));
  const secs = (v: number | undefined) => duration(v);
  result('acc.cnnDnn', 'Accuracy: CNN-DNN', acc((s) => s.accuracy.cnnDnn), pct, 'higher');
  result('acc.global', 'Accuracy: global model', acc((s) => s.accuracy.global), pct, 'higher');
  result('acc.average', 'Accuracy: average', acc((s) => s.accuracy.average), pct, 'higher');
  result('acc.vote', 'Accuracy: vote', acc((s) => s.accuracy.vote), pct, 'higher');
  // Runs made before balanced accuracy was recorded have none: their rows show a dash.
  result('bacc.cnnDnn', 'Balanced accuracy: CNN-DNN', acc((s) => s.balancedAccuracy?.cnnDnn), pct, 'higher');
  result('bacc.global', 'Balanced accuracy: global model', acc((s) => s.balancedAccuracy?.global), pct, 'higher');
  if (a.summary?.auc || b.summary?.auc) {
    const positive = (d: RunDetails) => (d.summary?.positiveClass ? ` (${d.summary.positiveClass})` : '');
    const label = positive(a) === positive(b) ? positive(a) : '';
    result('auc.cnnDnn', `AUC${label}: CNN-DNN`, acc((s) => s.auc?.cnnDnn), auc, 'higher');
    result('auc.global', `AUC${label}: global model`, acc((s) => s.auc?.global), auc, 'higher');
  }
  // The follow-up paper's variants, where either run trained them.
  for (const [key, name] of [['coherent', 'coherent CNN-DNN'], ['transfer', 'transfer learning']] as const) {
    if (a.summary?.accuracy[key] === undefined && b.summary?.accuracy[key] === undefined) continue;
    result(`acc.${key}`, `Accuracy: ${name}`, acc((s) => s.accuracy[key]), pct, 'higher');
    result(`bacc.${key}`, `Balanced accuracy: ${name}`, acc((s) => s.balancedAccuracy[key]), pct, 'higher');
    if (a.summary?.auc || b.summary?.auc) result(`auc.${key}`, `AUC: ${name}`, acc((s) => s.auc?.[key]), auc, 'higher');
    result(`time.${key}Wall`, `Time: ${name} (wall)`, acc((s) => s.seconds[`${key}Wall`]), secs, 'lower');
  }
  result('time.cnnDnnWall', 'Time: CNN-DNN (wall)', acc((s) => s.seconds.cnnDnnWall), secs, 'lower');
  result('time.localMax', 'Time: slowest local model', acc((s) => s.seconds.localMax), secs, 'lower');
  result('time.coarse', 'Time: coarse model', acc((s) => s.seconds.coarse), secs, 'lower');
  result('time.globalWall', 'Time: global model (wall)', acc((s) => s.seconds.globalWall), secs, 'lower');
  result('time.totalWall', 'Time: whole run', acc((s) => s.seconds.totalWall), secs, 'lower');
  const params = (d: RunDetails, role: 'local' | 'global' | 'coarse') => {
    const models = Object.values(d.record.models).filter((m) => m.role === role);
    return models.length ? models.reduce((s, m) => s + m.params, 0) : undefined;
  };
  const n = (v: number | undefined) => (v === undefined ? '–' : v.toLocaleString('en-US'));
  rows.push({ key: 'params.local', label: 'Parameters: all local models', section: 'results', a: n(params(a, 'local')), b: n(params(b, 'local')) });
  rows.push({ key: 'params.global', label: 'Parameters: global model', section: 'results', a: n(params(a, 'global')), b: n(params(b, 'global')) });
  rows.push({ key: 'restarts', label: 'Trainer restarts', section: 'results', a: text(a.record.restarts.length), b: text(b.record.restarts.length) });
  return rows;
}
