// Model selection by validation: every model keeps the weights of its best epoch by a criterion on the
// validation split (its loss, AUC or balanced accuracy), not those of its last epoch, and may stop early
// when the criterion has not improved for `patience` epochs.
import { metricsFromProbs } from './metrics';

/** 'last': no selection, the last epoch's weights are kept (each epoch counts as the best so far). */
export type SelectionCriterion = 'loss' | 'auc' | 'balanced-accuracy' | 'last';
export const SELECTION_CRITERIA: readonly SelectionCriterion[] = ['loss', 'auc', 'balanced-accuracy', 'last'];

export interface ValidationScores {
  /** Mean cross-entropy, each sample weighted by its class's weight when the training loss is. */
  loss: number;
  accuracy: number;
  balancedAccuracy: number;
  /** Two classes only. */
  auc?: number;
}

/** Smallest probability whose log is taken, as in the training loss. */
const PROB_FLOOR = 1e-7;

/** The validation scores of predicted probabilities (n x classes, row-major). */
export function validationScores(probs: Float32Array, y: Int32Array, classes: number, classWeights?: number[]): ValidationScores {
  let loss = 0;
  for (let i = 0; i < y.length; i++) loss -= Math.log(Math.max(probs[i * classes + y[i]], PROB_FLOOR)) * (classWeights?.[y[i]] ?? 1);
  const m = metricsFromProbs(probs, y, classes);
  return { loss: loss / Math.max(1, y.length), accuracy: m.accuracy, balancedAccuracy: m.balancedAccuracy, auc: m.auc };
}

/** The criterion's value, larger is better; NaN (an AUC on a split with one class) never counts as better. */
export function criterionValue(s: ValidationScores, c: SelectionCriterion, epoch: number): number {
  if (c === 'last') return epoch;
  if (c === 'loss') return -s.loss;
  if (c === 'auc') return s.auc ?? Number.NaN;
  return s.balancedAccuracy;
}

export interface BestEpoch {
  /** 1-based epoch whose weights are kept. */
  epoch: number;
  /** The criterion's value there (larger is better). */
  value: number;
}

/** Whether an epoch's value beats the best so far; ties keep the earlier epoch (the simpler model). */
export function improves(value: number, best: BestEpoch | undefined): boolean {
  if (Number.isNaN(value)) return best === undefined;
  return best === undefined || Number.isNaN(best.value) || value > best.value;
}

/** Whether to stop: `patience` epochs have passed since the best one. */
export function patienceSpent(epoch: number, best: BestEpoch | undefined, patience: number | undefined): boolean {
  return patience !== undefined && best !== undefined && epoch - best.epoch >= patience;
}
