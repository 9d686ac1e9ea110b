// Gradient checks, wasm against cpu, of every layer type the model zoo uses, run the way training runs
// them: through tf.layers models, tf.variableGrads of a categorical cross-entropy over all trainable
// weights and over the input. The wasm backend is initialised through initBackend, so its kernel
// fixes are in place; a kernel the zoo needs but wasm lacks would make these throw.
//
// Error measure, per gradient tensor: max|a - b| / max(max|b|, 1e-6), a from wasm, b from cpu (see
// ../helpers/gradcheck.ts for why a normwise measure). Tolerance 1e-4.

import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { seeded } from '../helpers/gradcheck';
import { BATCH, CLASSES, expectSameGradients, sequential, ZOO_GRADIENT_CASES } from '../helpers/zoo-gradient-cases';
import { initBackend } from '../../src-main/engine/backend';

beforeAll(async () => {
  expect((await initBackend({ force: 'wasm' })).name).toBe('wasm');
});

for (const group of new Set(ZOO_GRADIENT_CASES.map((c) => c.group))) {
  describe(group, () => {
    for (const c of ZOO_GRADIENT_CASES.filter((k) => k.group === group)) {
      it(c.title, async () => {
        await expectSameGradients('wasm', c);
      });
    }
  });
}

describe('kernels the wasm backend lacks', () => {
  it('are never reached by a training step of the zoo layer types', async () => {
    await tf.setBackend('wasm');
    const missing = ['DepthwiseConv2dNativeBackpropFilter', 'DepthwiseConv2dNativeBackpropInput', 'UnsortedSegmentSum'];
    const model2d = sequential([8, 8, 1], [
      tf.layers.conv2d({ filters: 3, kernelSize: 3, padding: 'same', activation: 'relu' }),
      tf.layers.maxPooling2d({ poolSize: 2 }),
      tf.layers.conv2d({ filters: 3, kernelSize: 3, strides: 2, padding: 'same' }),
      tf.layers.globalAveragePooling2d({}),
    ])();
    const model3d = sequential([4, 4, 4, 1], [
      tf.layers.conv3d({ filters: 2, kernelSize: 3, padding: 'same', activation: 'relu' }),
      tf.layers.maxPooling3d({ poolSize: 2 }),
      tf.layers.averagePooling3d({ poolSize: 2, strides: 2 }),
    ])();
    const used = new Set<string>();
    for (const [model, sample] of [[model2d, [8, 8, 1]], [model3d, [4, 4, 4, 1]]] as [tf.LayersModel, number[]][]) {
      model.compile({ optimizer: tf.train.adam(), loss: 'categoricalCrossentropy' });
      const xs = tf.tensor(seeded(BATCH * sample.reduce((a, b) => a * b, 1), 3), [BATCH, ...sample]);
      const ys = tf.oneHot(tf.tensor1d([1, 2], 'int32'), CLASSES);
      const profile = await tf.profile(async () => { await model.trainOnBatch(xs, ys); });
      for (const k of profile.kernels) used.add(k.name);
      tf.dispose([xs, ys]);
      model.dispose();
    }
    expect(used.has('Conv2DBackpropFilter')).toBe(true);
    expect(used.has('Conv3DBackpropFilterV2')).toBe(true);
    for (const name of missing) expect(used.has(name)).toBe(false);
  });
});
