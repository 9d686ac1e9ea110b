// The fusion rules as the views need them, on one case's plain arrays: the engine's own rules
// (src-main/engine/fusion.ts: average, majority vote with its tie-break; engine/metrics.ts: argmax) and what
// each subdomain says about a chosen class.
import type { CaseView } from '../../src-main/api/contract';
import { averageProbs, voteShares } from '../../src-main/engine/fusion';
import { argmax as argmaxAt } from '../../src-main/engine/metrics';

/** Index of the largest probability; ties go to the lower class index. */
export const argmax = (p: ArrayLike<number>): number => argmaxAt(p, 0, p.length);

/** Mean of the local probability vectors (one vector per local model, k classes each). */
export function averageOf(locals: number[][]): number[] {
  return locals.length === 0 ? [] : Array.from(averageProbs(locals, 1, locals[0].length));
}

/** Votes per class: each local model votes for its argmax. */
export function voteCounts(locals: number[][]): number[] {
  const out = new Array<number>(locals[0]?.length ?? 0).fill(0);
  for (const p of locals) out[argmax(p)]++;
  return out;
}

/** Vote shares (votes / N, a tie broken by the averaged probability): the argmax is the vote's decision. */
export function voteOf(locals: number[][]): number[] {
  return locals.length === 0 ? [] : Array.from(voteShares(locals, 1, locals[0].length));
}

/** A subdomain's index from its model name ('local-3' -> 3). */
export function subdomainIndex(model: string): number {
  const m = /(\d+)$/.exec(model);
  if (!m) throw new Error(`not a local model name: ${model}`);
  return Number(m[1]);
}

export interface SubdomainConfidence {
  index: number;
  model: string;
  /** The local model's probability of the chosen class. */
  value: number;
  /** The local model's own decision. */
  decision: number;
}

/** Every subdomain's probability of class `cls`, in subdomain order. */
export function subdomainConfidence(subdomains: CaseView['subdomains'], cls: number): SubdomainConfidence[] {
  return subdomains
    .map((s) => ({ index: subdomainIndex(s.model), model: s.model, value: s.probs[cls] ?? NaN, decision: argmax(s.probs) }))
    .sort((a, b) => a.index - b.index);
}

export const VARIANT_LABELS = { coherent: 'Coherent CNN-DNN', transfer: 'Transfer learning' } as const;

export interface DecisionRow {
  key: 'cnnDnn' | 'average' | 'vote' | 'global' | 'coherent' | 'transfer';
  label: string;
  probs: number[];
  decision: number;
}

/** The final decisions of a case, CNN-DNN first, then averaging, voting and the global model when trained. */
export function decisionRows(c: Pick<CaseView, 'cnnDnn' | 'average' | 'vote' | 'global' | 'variants'>): DecisionRow[] {
  const rows: DecisionRow[] = [
    { key: 'cnnDnn', label: 'CNN-DNN (coarse model)', probs: c.cnnDnn, decision: argmax(c.cnnDnn) },
    { key: 'average', label: 'Average of local models', probs: c.average, decision: argmax(c.average) },
    { key: 'vote', label: 'Majority vote (vote shares)', probs: c.vote, decision: argmax(c.vote) },
  ];
  if (c.global) rows.push({ key: 'global', label: 'Global model', probs: c.global, decision: argmax(c.global) });
  for (const v of c.variants ?? []) rows.push({ key: v.key, label: VARIANT_LABELS[v.key], probs: v.probs, decision: argmax(v.probs) });
  return rows;
}
