// The batches of coherent training. Every part of a model-parallel coherent model (each branch in its own
// process, and the coarse side) derives the same batch order from the run's seed and the epoch alone, so
// that no sample indices cross process boundaries and every branch sees the crops of the same samples.
import * as tf from '@tensorflow/tfjs';
import { seededPermutation } from './random';
import type { ArrayData } from './train-loop';

/** The sample order of one epoch of coherent training: the same in every process of the variant. */
export function coherentOrder(n: number, seed: number, variant: string, epoch: number): Int32Array {
  return seededPermutation(n, `${seed}:${variant}:${epoch}`);
}

export function batchCount(n: number, batch: number): number {
  return Math.ceil(n / batch);
}

/** The sample indices of batch b of an epoch's order. */
export function batchIndices(order: Int32Array, batch: number, b: number): Int32Array {
  return order.subarray(b * batch, Math.min(order.length, (b + 1) * batch));
}

/** The inputs of the given samples as one batch tensor. */
export function gatherInputs(d: ArrayData, idx: ArrayLike<number>): tf.Tensor {
  const size = d.sampleShape.reduce((a, b) => a * b, 1);
  const xs = new Float32Array(idx.length * size);
  for (let i = 0; i < idx.length; i++) xs.set(d.x.subarray(idx[i] * size, (idx[i] + 1) * size), i * size);
  return tf.tensor(xs, [idx.length, ...d.sampleShape]);
}

/** One-hot labels of the given samples (B x K). */
export function gatherOneHot(y: ArrayLike<number>, idx: ArrayLike<number>, classes: number): tf.Tensor2D {
  const ys = new Float32Array(idx.length * classes);
  for (let i = 0; i < idx.length; i++) ys[i * classes + y[idx[i]]] = 1;
  return tf.tensor2d(ys, [idx.length, classes]);
}
