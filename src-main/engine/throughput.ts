// Training throughput of one process on the reference network of the engine issue:
// 28x28x1 -> conv 16 3x3 relu -> maxpool 2 -> conv 32 3x3 relu -> maxpool 2 -> dense 10, batch 64.
import * as tf from '@tensorflow/tfjs';
import { adam } from './adam';

export function referenceNet(seed = 1): tf.LayersModel {
  const model = tf.sequential({
    layers: [
      tf.layers.conv2d({ inputShape: [28, 28, 1], filters: 16, kernelSize: 3, activation: 'relu', kernelInitializer: tf.initializers.heNormal({ seed }) }),
      tf.layers.maxPooling2d({ poolSize: 2 }),
      tf.layers.conv2d({ filters: 32, kernelSize: 3, activation: 'relu', kernelInitializer: tf.initializers.heNormal({ seed: seed + 1 }) }),
      tf.layers.maxPooling2d({ poolSize: 2 }),
      tf.layers.flatten(),
      tf.layers.dense({ units: 10, activation: 'softmax', kernelInitializer: tf.initializers.glorotUniform({ seed: seed + 2 }) }),
    ],
  });
  model.compile({ optimizer: adam(1e-3), loss: 'categoricalCrossentropy', metrics: ['accuracy'] });
  return model;
}

/**
 * Trains the reference net on `x` (n x 784, values 0..1) and labels `y` for `batches` batches after
 * `warmup` batches, and returns samples per second of the timed part.
 */
export async function measureThroughput(x: Float32Array, y: Int32Array, o: { batch?: number; batches?: number; warmup?: number } = {}): Promise<number> {
  const model = referenceNet();
  try {
    return (await measureTraining(model, x, y, { sampleShape: [28, 28, 1], classes: 10, batch: o.batch ?? 64, batches: o.batches ?? 100, warmup: o.warmup ?? 5 })).samplesPerSecond;
  } finally {
    model.dispose();
  }
}

export interface TrainingMeasure {
  sampleShape: number[];
  classes: number;
  batch: number;
  /** Timed batches (at most, with `seconds`). */
  batches: number;
  warmup: number;
  /** Stop the timed part after this many seconds, if it comes first. */
  seconds?: number;
}

/**
 * Trains a compiled `model` on samples of `x` (n samples of sampleShape) with labels `y`: `warmup`
 * batches (kernel compilation, first allocations), then timed batches until `batches` or `seconds`.
 * Each step ends with its loss read back, so asynchronous backends (webgpu) are timed to completion.
 */
export async function measureTraining(model: tf.LayersModel, x: Float32Array, y: Int32Array, o: TrainingMeasure): Promise<{ samplesPerSecond: number; batches: number; seconds: number }> {
  const size = o.sampleShape.reduce((a, b) => a * b, 1);
  const n = y.length;
  const step = async (b: number) => {
    const from = (b * o.batch) % Math.max(1, n - o.batch);
    const [xs, ys] = tf.tidy(() => [
      tf.tensor(x.subarray(from * size, (from + o.batch) * size), [o.batch, ...o.sampleShape]),
      tf.oneHot(tf.tensor1d(y.subarray(from, from + o.batch), 'int32'), o.classes).toFloat(),
    ]);
    await model.trainOnBatch(xs, ys);
    tf.dispose([xs, ys]);
  };
  for (let b = 0; b < o.warmup; b++) await step(b);
  const t0 = performance.now();
  let done = 0;
  while (done < o.batches && (o.seconds === undefined || (performance.now() - t0) / 1000 < o.seconds)) await step(o.warmup + done++);
  const seconds = (performance.now() - t0) / 1000;
  return { samplesPerSecond: (done * o.batch) / seconds, batches: done, seconds };
}
