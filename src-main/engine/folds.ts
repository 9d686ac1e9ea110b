// Cross-fitting folds of a training split, for the coarse model's out-of-fold inputs: each case's local
// probabilities come from a model that did not train on it, so the coarse model learns from outputs as
// confident as those it will see on new cases, not from over-fitted ones.
import { seededPermutation } from './random';

/**
 * The fold (0..k-1) of every case: stratified (each class's cases are dealt round-robin, in a seeded
 * order), so that every fold holds about 1/k of each class.
 */
export function foldAssignment(labels: ArrayLike<number>, k: number, seed: number): Int32Array {
  const fold = new Int32Array(labels.length);
  const order = seededPermutation(labels.length, `folds:${seed}`);
  const dealt = new Map<number, number>();
  for (let i = 0; i < order.length; i++) {
    const c = labels[order[i]];
    const n = dealt.get(c) ?? 0;
    fold[order[i]] = n % k;
    dealt.set(c, n + 1);
  }
  return fold;
}

/** The indices of the cases in fold f (inFold true) or in every other fold (inFold false). */
export function foldIndices(fold: Int32Array, f: number, inFold: boolean): number[] {
  const out: number[] = [];
  for (let i = 0; i < fold.length; i++) if ((fold[i] === f) === inFold) out.push(i);
  return out;
}
