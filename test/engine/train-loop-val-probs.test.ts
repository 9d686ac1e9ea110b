// The validation outputs trainLoop hands back with its best epoch (which the trainer writes instead of
// predicting the validation split again) are exactly what the kept weights predict.
import { beforeAll, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../../src-main/engine/backend';
import { adam } from '../../src-main/engine/adam';
import { predictProbs, trainLoop, type ArrayData } from '../../src-main/engine/train-loop';
import { seeded } from '../helpers/gradcheck';

/** Two noisy classes told apart by the sign of the first input. */
function data(n: number, seed: number): ArrayData {
  const x = seeded(n * 6, seed);
  const y = new Int32Array(n);
  for (let i = 0; i < n; i++) y[i] = x[i * 6] + 0.3 * x[i * 6 + 1] > 0 ? 1 : 0;
  return { x, y, n, sampleShape: [6] };
}

beforeAll(async () => {
  await initBackend({ force: 'wasm' });
});

it('hands back the best epoch\'s validation probabilities, equal to the predictions of the weights kept from that epoch', async () => {
  const model = tf.sequential({ layers: [tf.layers.dense({ inputShape: [6], units: 8, activation: 'relu', kernelInitializer: tf.initializers.heNormal({ seed: 3 }) }), tf.layers.dense({ units: 2, activation: 'softmax', kernelInitializer: tf.initializers.glorotUniform({ seed: 4 }) })] });
  const train = data(200, 1);
  const val = data(80, 2);
  let kept: tf.Tensor[] | undefined;
  let bestEpochs = 0;
  const result = await trainLoop(model, train, val, {
    epochs: 6, batch: 16, classes: 2, seed: 5, startEpoch: 0, optimizer: adam(0.05), select: 'loss',
    shouldStop: () => false, onBatch: () => {},
    onEpoch: async (s) => {
      if (!s.best) return;
      bestEpochs++;
      tf.dispose(kept);
      kept = model.getWeights().map((w) => w.clone());
    },
  });
  expect(bestEpochs).toBeGreaterThan(1);
  model.setWeights(kept!);
  const predicted = await predictProbs(model, val, 2);
  expect(result.bestValProbs).toBeDefined();
  expect(Array.from(result.bestValProbs!)).toEqual(Array.from(predicted));
});
