// The coherent CNN-DNN (Klawonn, Lanser & Weber, arXiv 2408.14442): the N local CNNs and the coarse DNN
// as one model, whose single loss on the coarse model's decision sends gradients through the coarse
// model into every local model. The parts stay separate tfjs models (the same builders as the CNN-DNN's),
// so that the same parts can be trained in one process (the reference) or each in its own process
// (trained model-parallel, coherent-step.ts), and so that transfer learning can start from the run's
// finished local and coarse models.
//
// Between them sits the CNN-DNN's coarse feature map (fusion.ts: standardised log-probabilities),
// written here as a differentiable tensor op. A coherent model trained from scratch has no trained local
// outputs to fit the standardisation on: it centres every input on log(1/K), the value of a local
// model that knows nothing, with unit scale. Transfer learning keeps the run's fitted scaling.
import * as tf from '@tensorflow/tfjs';
import type { CoarseFeatureScaling } from './fusion';
import { buildCoarseModel, buildModel } from './model-builder';
import { deriveSeed } from './random';
import type { Architecture } from './architecture';

/** Smallest probability whose log is taken, as in fusion.ts's coarse features. */
const PROB_FLOOR = 1e-7;

export interface CoherentParts {
  locals: tf.LayersModel[];
  coarse: tf.LayersModel;
  scaling: CoarseFeatureScaling;
}

/** The scaling of a coherent model trained from scratch: log(1/K) as the centre of every input, unit scale. */
export function uninformedScaling(subdomains: number, classes: number): CoarseFeatureScaling {
  const width = subdomains * classes;
  return { mean: new Array<number>(width).fill(Math.log(1 / classes)), std: new Array<number>(width).fill(1) };
}

/** The coarse model's input from the concatenated local probabilities (B x N*K), differentiable. */
export function coarseFeatureTensor(concatenated: tf.Tensor, scaling: CoarseFeatureScaling): tf.Tensor {
  return tf.tidy(() => tf.div(tf.sub(tf.log(tf.clipByValue(concatenated, PROB_FLOOR, 1)), tf.tensor1d(scaling.mean)), tf.tensor1d(scaling.std)));
}

/** The coarse model's probabilities from the N local outputs (each B x K). */
export function coarseFromLocalOutputs(coarse: tf.LayersModel, scaling: CoarseFeatureScaling, outputs: tf.Tensor[], training: boolean): tf.Tensor {
  return tf.tidy(() => coarse.apply(coarseFeatureTensor(tf.concat(outputs, 1), scaling), { training }) as tf.Tensor);
}

/** The whole coherent model's probabilities (B x K) from the N subdomain crops of one batch. */
export function coherentForward(parts: CoherentParts, crops: tf.Tensor[], training: boolean): tf.Tensor {
  return tf.tidy(() => {
    const outputs = parts.locals.map((m, i) => m.apply(crops[i], { training }) as tf.Tensor);
    return coarseFromLocalOutputs(parts.coarse, parts.scaling, outputs, training);
  });
}

/** The names of the coherent model's parts: local-<i> and coarse, as the CNN-DNN's models are named. */
export const localPartName = (i: number) => `local-${i}`;

/**
 * The seed of one part of a coherent model trained from scratch: derived from the run's seed, the variant
 * and the part, so that it starts differently from the CNN-DNN's models yet identically in every process.
 */
export function partSeed(seed: number, variant: string, part: string): number {
  return deriveSeed(seed, `${variant}/${part}`);
}

/** A fresh coherent model: the run's local architectures and its coarse model's shape, seeded per part. */
export function freshCoherentParts(archs: Architecture[], classes: number, hidden: number, seed: number, variant: string): CoherentParts {
  return {
    locals: archs.map((a, i) => buildModel(a, partSeed(seed, variant, localPartName(i)))),
    coarse: buildCoarseModel(archs.length * classes, hidden, classes, partSeed(seed, variant, 'coarse')),
    scaling: uninformedScaling(archs.length, classes),
  };
}

/** Every trainable variable of the coherent model: the local models' in order, then the coarse model's. */
export function coherentVariables(parts: CoherentParts): tf.Variable[] {
  return [...parts.locals, parts.coarse].flatMap((m) => m.trainableWeights.map((w) => w.read() as tf.Variable));
}
