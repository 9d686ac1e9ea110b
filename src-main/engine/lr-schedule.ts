// Learning-rate schedules and decoupled weight decay. The rate of every step is a pure function of the
// schedule, the step's position and the epochs' history, so a model resumed from a checkpoint continues
// with exactly the rate it would have had.
import * as tf from '@tensorflow/tfjs';

export type ScheduleKind = 'constant' | 'cosine' | 'plateau';

export interface Schedule {
  kind: ScheduleKind;
  /** The base (peak) learning rate. */
  base: number;
  /** Cosine: epochs of linear warm-up from base/10 (may be fractional, 0 for none). */
  warmupEpochs: number;
  epochs: number;
}

/** Reduce-on-plateau: the rate halves after this many epochs in a row without a new best. */
export const PLATEAU_PATIENCE = 2;
export const PLATEAU_FACTOR = 0.5;
/** Cosine decays to this share of the base rate at the last step, not to 0 (the last epochs still learn). */
const COSINE_FLOOR = 0.05;

/** The factor reduce-on-plateau has reached after the epochs of `history` (true: a new best). */
export function plateauFactor(history: { best?: boolean }[]): number {
  let factor = 1;
  let without = 0;
  for (const h of history) {
    without = h.best ? 0 : without + 1;
    if (without === PLATEAU_PATIENCE) {
      factor *= PLATEAU_FACTOR;
      without = 0;
    }
  }
  return factor;
}

/** The learning rate of batch `batch` (0-based) of `batches` in epoch `epoch` (0-based). */
export function learningRateAt(s: Schedule, epoch: number, batch: number, batches: number, history: { best?: boolean }[]): number {
  if (s.kind === 'constant') return s.base;
  if (s.kind === 'plateau') return s.base * plateauFactor(history);
  const t = epoch + batch / batches;
  if (t < s.warmupEpochs) return s.base * (0.1 + (0.9 * t) / s.warmupEpochs);
  const span = Math.max(1e-9, s.epochs - s.warmupEpochs);
  const progress = Math.min(1, (t - s.warmupEpochs) / span);
  return s.base * (COSINE_FLOOR + (1 - COSINE_FLOOR) * 0.5 * (1 + Math.cos(Math.PI * progress)));
}

/** tfjs's optimizers read their learning rate from this field at every step; it has no public setter. */
export function setLearningRate(optimizer: tf.Optimizer, rate: number): void {
  (optimizer as unknown as { learningRate: number }).learningRate = rate;
}

/**
 * AdamW's decoupled weight decay, after the optimizer's step: w <- w * (1 - rate * decay), for kernels only
 * (biases are not decayed), so the decay does not pass through Adam's per-weight scaling.
 */
export function decayWeights(variables: tf.Variable[], rate: number, decay: number): void {
  if (decay <= 0) return;
  const keep = 1 - rate * decay;
  tf.tidy(() => {
    for (const v of variables) if (v.shape.length > 1) v.assign(tf.mul(v, keep));
  });
}
