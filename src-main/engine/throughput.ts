// Training throughput of one process on the reference network of the engine issue:
// 28x28x1 -> conv 16 3x3 relu -> maxpool 2 -> conv 32 3x3 relu -> maxpool 2 -> dense 10, batch 64.
import * as tf from '@tensorflow/tfjs';

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
  model.compile({ optimizer: tf.train.adam(1e-3), loss: 'categoricalCrossentropy', metrics: ['accuracy'] });
  return model;
}

/**
 * Trains the reference net on `x` (n x 784, values 0..1) and labels `y` for `batches` batches after
 * `warmup` batches, and returns samples per second of the timed part.
 */
export async function measureThroughput(x: Float32Array, y: Int32Array, o: { batch?: number; batches?: number; warmup?: number } = {}): Promise<number> {
  const batch = o.batch ?? 64;
  const batches = o.batches ?? 100;
  const warmup = o.warmup ?? 5;
  const n = y.length;
  const model = referenceNet();
  const step = async (b: number) => {
    const from = (b * batch) % Math.max(1, n - batch);
    const [xs, ys] = tf.tidy(() => [
      tf.tensor4d(x.subarray(from * 784, (from + batch) * 784), [batch, 28, 28, 1]),
      tf.oneHot(tf.tensor1d(y.subarray(from, from + batch), 'int32'), 10).toFloat(),
    ]);
    await model.trainOnBatch(xs, ys);
    tf.dispose([xs, ys]);
  };
  for (let b = 0; b < warmup; b++) await step(b);
  const t0 = performance.now();
  for (let b = 0; b < batches; b++) await step(warmup + b);
  const seconds = (performance.now() - t0) / 1000;
  model.dispose();
  return (batches * batch) / seconds;
}
