// Fusion of the local models' probabilities without a coarse network: the baselines the papers
// compare the CNN-DNN against.
import { argmax } from './metrics';

/** Mean of the N local probability vectors of each sample. locals[i] is n x k, row-major. */
export function averageProbs(locals: Float32Array[], n: number, k: number): Float32Array {
  const out = new Float32Array(n * k);
  for (const p of locals) for (let j = 0; j < n * k; j++) out[j] += p[j];
  for (let j = 0; j < n * k; j++) out[j] /= locals.length;
  return out;
}

/**
 * Majority vote of the local models' decisions. The result is given as vote shares (votes / N) per
 * class, so that it can be scored like probabilities; ties between classes with equal votes are
 * broken by the averaged probability, so a tie never silently favours class 0.
 */
export function voteShares(locals: Float32Array[], n: number, k: number): Float64Array {
  const avg = averageProbs(locals, n, k);
  // Double precision: in float32 the tie-breaking share below would vanish next to a vote share.
  const out = new Float64Array(n * k);
  for (const p of locals) for (let i = 0; i < n; i++) out[i * k + argmax(p, i * k, k)] += 1 / locals.length;
  // A tiny share of the average decides ties without changing any non-tied decision.
  const eps = 1e-6 / (locals.length + 1);
  for (let j = 0; j < n * k; j++) out[j] += eps * avg[j];
  return out;
}

/** Concatenates the N local probability vectors of each sample: the coarse model's input (n x N*k). */
export function concatLocalProbs(locals: Float32Array[], n: number, k: number): Float32Array {
  const N = locals.length;
  const out = new Float32Array(n * N * k);
  for (let i = 0; i < n; i++) {
    for (let s = 0; s < N; s++) out.set(locals[s].subarray(i * k, (i + 1) * k), i * N * k + s * k);
  }
  return out;
}

/** Smallest probability the coarse features distinguish: log(1e-7) = -16.1. */
const PROB_FLOOR = 1e-7;

/**
 * The coarse model's input: the concatenated local probabilities, as logarithms. The local models'
 * evidence sits mostly near 0 and 1, where probabilities differ by tiny amounts that a dense layer
 * barely sees; logs spread them out. In one experiment on the local probabilities of an MNIST 2x2 run
 * (5 epochs), the same coarse network reached 98.61% test accuracy on log-probabilities and 98.48% on
 * the raw probabilities.
 */
export function coarseFeatures(concatenated: Float32Array): Float32Array {
  return concatenated.map((p) => Math.log(Math.max(p, PROB_FLOOR)));
}
