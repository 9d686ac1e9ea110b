// One optimisation step of the coherent CNN-DNN, in the two ways the follow-up paper trains it:
//
// - in one process (the reference): one tape over the whole model, one loss (class-weighted cross-entropy
//   of the coarse model's output), gradients of every part's variables from it;
// - trained model-parallel: every branch (local model) computes its outputs on its own crops (branchForward),
//   the coarse side computes the loss, steps the coarse model and returns the gradient of the loss with
//   respect to each branch's B x K outputs (coarseStep); each branch back-propagates that gradient through
//   its own model and steps its own optimizer (branchBackward).
//
// Both give the same update: Adam is elementwise, so one Adam over all variables equals one Adam per part
// stepped once per batch, and a branch's gradient J_i^T (dL/dy_i) is exactly its share of the chain rule.
// branchBackward recomputes the branch's forward pass inside its own tape (a tape cannot outlive the
// message round trip), so the forward pass must be a function of the weights and the crop alone: every
// pass runs the layers in inference mode (TRAINING_MODE), which only switches dropout off (the zoo has no
// batch normalisation). A local model built with dropout, which transfer learning can load, thus trains
// without it in the coherent stage.
import * as tf from '@tensorflow/tfjs';
import { coarseFromLocalOutputs, coherentForward, coherentVariables, type CoherentParts } from './coherent-model';
import { trainableVariables, weightedCrossEntropy, type StepResult } from './train-step';
import type { CoarseFeatureScaling } from './fusion';

/** The layers' training flag in every coherent pass: false, so that a branch's recomputation is exact (above). */
const TRAINING_MODE = false;

/** Correct decisions of a batch, as a kept scalar tensor. */
function correctCount(probs: tf.Tensor, oneHot: tf.Tensor): tf.Tensor {
  return tf.keep(tf.sum(tf.cast(tf.equal(tf.argMax(probs, -1), tf.argMax(oneHot, -1)), 'float32')));
}

async function readStep(value: tf.Scalar, correct: tf.Tensor): Promise<StepResult> {
  const both = tf.stack([value, correct]);
  const [loss, right] = await both.data();
  tf.dispose([value, correct, both]);
  return { loss, correct: right };
}

/** The single-process step: the whole coherent model on one tape, one optimizer over all its variables. */
export async function coherentStep(parts: CoherentParts, optimizer: tf.Optimizer, crops: tf.Tensor[], oneHot: tf.Tensor, classWeights?: tf.Tensor1D): Promise<StepResult> {
  let correct: tf.Tensor | undefined;
  const { value, grads } = tf.variableGrads(() => {
    const probs = coherentForward(parts, crops, TRAINING_MODE);
    correct = correctCount(probs, oneHot);
    return weightedCrossEntropy(probs, oneHot, classWeights);
  }, coherentVariables(parts));
  optimizer.applyGradients(grads);
  tf.dispose(Object.values(grads));
  return readStep(value, correct!);
}

/** A branch's forward pass on its crops: its B x K outputs, to send to the coarse side. */
export function branchForward(local: tf.LayersModel, crop: tf.Tensor): tf.Tensor {
  return tf.tidy(() => local.apply(crop, { training: TRAINING_MODE }) as tf.Tensor);
}

/**
 * The coarse side of a model-parallel step: the loss on the coarse model's output, a step of the coarse
 * model's optimizer, and dL/d(outputs_i) for every branch i (each B x K; the caller disposes them).
 */
export async function coarseStep(
  coarse: tf.LayersModel,
  scaling: CoarseFeatureScaling,
  optimizer: tf.Optimizer,
  outputs: tf.Tensor[],
  oneHot: tf.Tensor,
  classWeights?: tf.Tensor1D,
): Promise<StepResult & { outputGrads: tf.Tensor[] }> {
  // The branch outputs become (untrainable by any optimizer) variables for one tape: variableGrads then
  // gives the loss's gradient with respect to them beside the coarse model's own.
  const inputs = outputs.map((o, i) => tf.variable(o, true, `coherent_branch_output_${i}_${Date.now()}_${Math.random()}`));
  const coarseVars = trainableVariables(coarse);
  let correct: tf.Tensor | undefined;
  const { value, grads } = tf.variableGrads(() => {
    const probs = coarseFromLocalOutputs(coarse, scaling, inputs, TRAINING_MODE);
    correct = correctCount(probs, oneHot);
    return weightedCrossEntropy(probs, oneHot, classWeights);
  }, [...coarseVars, ...inputs]);
  const outputGrads = inputs.map((v) => grads[v.name]);
  optimizer.applyGradients(Object.fromEntries(coarseVars.map((v) => [v.name, grads[v.name]])));
  tf.dispose(coarseVars.map((v) => grads[v.name]));
  tf.dispose(inputs);
  return { ...(await readStep(value, correct!)), outputGrads };
}

/** A branch's backward pass: J^T (dL/d outputs) through its own model, and a step of its own optimizer. */
export function branchBackward(local: tf.LayersModel, optimizer: tf.Optimizer, crop: tf.Tensor, outputGrad: tf.Tensor): void {
  const { value, grads } = tf.variableGrads(() => tf.sum(tf.mul(local.apply(crop, { training: TRAINING_MODE }) as tf.Tensor, outputGrad)) as tf.Scalar, trainableVariables(local));
  optimizer.applyGradients(grads);
  tf.dispose([value, ...Object.values(grads)]);
}
