// The test cases behind the numbers of eval.json: every model's decision per test case, the cases of one
// confusion-matrix cell, and the case list of the Inspect view filtered by true label or by the CNN-DNN's
// mistakes. eval.json stores each case's probabilities (coarse, global, every local model); averaging and
// voting are recomputed from the local ones with the engine's rules (lib/fusion-view.ts).
import type { EvalView } from '../../src-main/api/contract';
import { argmax, averageOf, voteOf } from './fusion-view';

/** The model keys of eval.json in the order the views list them: CNN-DNN, global, average, vote, locals. */
export function modelKeys(ev: Pick<EvalView, 'models'>): string[] {
  const keys = Object.keys(ev.models);
  const locals = localKeys(ev);
  return [...['cnnDnn', 'global', 'coherent', 'transfer', 'average', 'vote'].filter((k) => keys.includes(k)), ...locals];
}

/**
 * The local models' keys in eval.json's order, which is also the order of every sample's `local` array
 * (src-main/runs/evaluate.ts writes both from the run record's models), sorted by index for display.
 */
export function localKeys(ev: Pick<EvalView, 'models'>): string[] {
  return Object.keys(ev.models).filter((k) => /^local-\d+$/.test(k));
}

export function modelLabel(key: string): string {
  if (key === 'cnnDnn') return 'CNN-DNN';
  if (key === 'global') return 'Global model';
  if (key === 'average') return 'Average';
  if (key === 'vote') return 'Majority vote';
  if (key === 'coherent') return 'Coherent CNN-DNN';
  if (key === 'transfer') return 'Transfer learning';
  const m = /^local-(\d+)$/.exec(key);
  return m ? `Local ${m[1]}` : key;
}

type Sample = EvalView['samples'][number];

/** The probabilities (or vote shares) a model gives one sample; undefined when the run lacks that model. */
export function sampleProbs(ev: Pick<EvalView, 'models'>, key: string, s: Sample): number[] | undefined {
  if (key === 'cnnDnn') return s.cnnDnn;
  if (key === 'global') return s.global;
  if (key === 'average') return averageOf(s.local);
  if (key === 'vote') return voteOf(s.local);
  if (key === 'coherent') return s.coherent;
  if (key === 'transfer') return s.transfer;
  const i = localKeys(ev).indexOf(key);
  return i < 0 ? undefined : s.local[i];
}

/** The model's decision for every test sample, in sample order (-1 where the model gave nothing). */
export function predictions(ev: Pick<EvalView, 'models' | 'samples'>, key: string): number[] {
  return ev.samples.map((s) => {
    const p = sampleProbs(ev, key, s);
    return p ? argmax(p) : -1;
  });
}

/** confusion[true][predicted] from decisions and labels. */
export function confusionFrom(pred: number[], labels: number[], k: number): number[][] {
  const m = Array.from({ length: k }, () => new Array<number>(k).fill(0));
  pred.forEach((p, i) => {
    if (p >= 0 && p < k && labels[i] >= 0 && labels[i] < k) m[labels[i]][p]++;
  });
  return m;
}

/** The test case indices of one confusion-matrix cell: true class t, predicted class p. */
export function casesInCell(ev: Pick<EvalView, 'models' | 'samples'>, key: string, t: number, p: number): number[] {
  const pred = predictions(ev, key);
  return ev.samples.filter((s, i) => s.label === t && pred[i] === p).map((s) => s.index);
}

/** A cell's share of its row (the true class's cases): what the matrix's shading shows. */
export function rowShare(confusion: number[][], t: number, p: number): number {
  const total = confusion[t].reduce((a, b) => a + b, 0);
  return total === 0 ? 0 : confusion[t][p] / total;
}

export interface CaseFilter {
  /** Only cases of this true class. */
  label?: number;
  /** Only cases the CNN-DNN gets wrong. */
  wrong?: boolean;
}

export interface CaseListItem {
  index: number;
  label: number;
  /** The CNN-DNN's decision and its probability. */
  predicted: number;
  confidence: number;
}

/** The test cases that pass the filter, in index order. */
export function filterCases(samples: EvalView['samples'], filter: CaseFilter): CaseListItem[] {
  const out: CaseListItem[] = [];
  for (const s of samples) {
    const predicted = argmax(s.cnnDnn);
    if (filter.label !== undefined && s.label !== filter.label) continue;
    if (filter.wrong && predicted === s.label) continue;
    out.push({ index: s.index, label: s.label, predicted, confidence: s.cnnDnn[predicted] });
  }
  return out;
}
