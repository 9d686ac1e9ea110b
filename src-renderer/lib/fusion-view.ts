// The fusion rules as the views need them, on plain arrays: the decision of a probability vector, the
// average and the majority vote of the local models (the same semantics as src-main/engine/fusion.ts, which
// works on whole Float32Arrays in Node), and what each subdomain says about a chosen class.
import type { CaseView } from '../../src-main/api/contract';

/** Index of the largest probability; ties go to the lower class index (as engine/metrics.ts's argmax). */
export function argmax(p: ArrayLike<number>): number {
  let best = 0;
  for (let c = 1; c < p.length; c++) if (p[c] > p[best]) best = c;
  return best;
}

/** Mean of the local probability vectors (one vector per local model, k classes each). */
export function averageOf(locals: number[][]): number[] {
  if (locals.length === 0) return [];
  const k = locals[0].length;
  const out = new Array<number>(k).fill(0);
  for (const p of locals) for (let c = 0; c < k; c++) out[c] += p[c];
  return out.map((v) => v / locals.length);
}

/** Votes per class: each local model votes for its argmax. */
export function voteCounts(locals: number[][]): number[] {
  const k = locals[0]?.length ?? 0;
  const out = new Array<number>(k).fill(0);
  for (const p of locals) out[argmax(p)]++;
  return out;
}

/**
 * Vote shares (votes / N) as engine/fusion.ts's voteShares gives them: a tie between classes with equal
 * votes is broken by a tiny share of the averaged probability, so a tie never silently favours class 0 and
 * the argmax of the shares is the vote's decision.
 */
export function voteOf(locals: number[][]): number[] {
  if (locals.length === 0) return [];
  const avg = averageOf(locals);
  const eps = 1e-6 / (locals.length + 1);
  return voteCounts(locals).map((v, c) => v / locals.length + eps * avg[c]);
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

export interface DecisionRow {
  key: 'cnnDnn' | 'average' | 'vote' | 'global';
  label: string;
  probs: number[];
  decision: number;
}

/** The final decisions of a case, CNN-DNN first, then averaging, voting and the global model when trained. */
export function decisionRows(c: Pick<CaseView, 'cnnDnn' | 'average' | 'vote' | 'global'>): DecisionRow[] {
  const rows: DecisionRow[] = [
    { key: 'cnnDnn', label: 'CNN-DNN (coarse model)', probs: c.cnnDnn, decision: argmax(c.cnnDnn) },
    { key: 'average', label: 'Average of local models', probs: c.average, decision: argmax(c.average) },
    { key: 'vote', label: 'Majority vote (vote shares)', probs: c.vote, decision: argmax(c.vote) },
  ];
  if (c.global) rows.push({ key: 'global', label: 'Global model', probs: c.global, decision: argmax(c.global) });
  return rows;
}
