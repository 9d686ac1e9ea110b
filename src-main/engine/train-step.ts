// One optimisation step of a model on one batch, written out rather than through tfjs-layers'
// trainOnBatch: the loss can weight classes (trainOnBatch takes no class or sample weights), nothing is
// compiled into the model (so checkpoints do not depend on tfjs's serialisation of losses and
// optimizers), and the only values read back are the batch's loss and correct count, asynchronously (a
// synchronous read throws on the webgpu backend in Node).
import * as tf from '@tensorflow/tfjs';

/** Smallest probability whose log the loss takes: keeps log(0) out of the loss and its gradient. */
const PROB_FLOOR = 1e-7;

/**
 * Mean over the batch of each sample's cross-entropy times its class's weight (Keras's class_weight).
 * `probs` are softmax outputs (batch x K), `oneHot` the labels, `classWeights` K weights or undefined.
 */
export function weightedCrossEntropy(probs: tf.Tensor, oneHot: tf.Tensor, classWeights?: tf.Tensor1D): tf.Scalar {
  return tf.tidy(() => {
    const perSample = tf.neg(tf.sum(tf.mul(oneHot, tf.log(tf.clipByValue(probs, PROB_FLOOR, 1))), -1));
    const weighted = classWeights ? tf.mul(perSample, tf.sum(tf.mul(oneHot, classWeights), -1)) : perSample;
    return tf.mean(weighted) as tf.Scalar;
  });
}

export interface StepResult {
  /** The batch's (weighted) mean loss before the step. */
  loss: number;
  /** How many of the batch's samples the model got right before the step. */
  correct: number;
}

/** The trainable variables of a model, in layer order: the order the optimizer's state is kept in. */
export function trainableVariables(model: tf.LayersModel): tf.Variable[] {
  return model.trainableWeights.map((w) => w.read() as tf.Variable);
}

/** Computes the loss and its gradients on one batch and applies them with the optimizer. */
export async function trainStep(model: tf.LayersModel, optimizer: tf.Optimizer, xs: tf.Tensor, oneHot: tf.Tensor, classWeights?: tf.Tensor1D): Promise<StepResult> {
  const variables = trainableVariables(model);
  let correct: tf.Tensor | undefined;
  const { value, grads } = tf.variableGrads(() => {
    const probs = model.apply(xs, { training: true }) as tf.Tensor;
    correct = tf.keep(tf.sum(tf.cast(tf.equal(tf.argMax(probs, -1), tf.argMax(oneHot, -1)), 'float32')));
    return weightedCrossEntropy(probs, oneHot, classWeights);
  }, variables);
  optimizer.applyGradients(grads);
  const both = tf.stack([value, correct!]);
  const [loss, right] = await both.data();
  tf.dispose([value, correct!, both, ...Object.values(grads)]);
  return { loss, correct: right };
}

/** How many of the labels fall in each of the classes. */
function classCounts(labels: ArrayLike<number>, classes: number): number[] {
  const counts = new Array<number>(classes).fill(0);
  for (let i = 0; i < labels.length; i++) counts[labels[i]]++;
  return counts;
}

/**
 * Balanced class weights n / (K * n_c) of a training split: every class weighs as much as the others in
 * the loss, whatever its count. A class without cases gets 0 (it never occurs in the loss anyway).
 */
export function balancedClassWeights(labels: ArrayLike<number>, classes: number): number[] {
  return classCounts(labels, classes).map((c) => (c === 0 ? 0 : labels.length / (classes * c)));
}

/** The imbalance above which class weighting is on by default: the largest class over the smallest. */
export const IMBALANCE_FOR_WEIGHTS = 1.5;

export function imbalance(labels: ArrayLike<number>, classes: number): number {
  const present = classCounts(labels, classes).filter((c) => c > 0);
  return Math.max(...present) / Math.min(...present);
}
