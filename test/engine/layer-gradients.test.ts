// Gradient checks, wasm against cpu, of every layer type the model zoo uses, run the way training runs
// them: through tf.layers models, tf.variableGrads of a categorical cross-entropy over all trainable
// weights and over the input. The wasm backend is initialised through initBackend, so its kernel
// fixes are in place; a kernel the zoo needs but wasm lacks would make these throw.
//
// Error measure, per gradient tensor: max|a - b| / max(max|b|, 1e-6), a from wasm, b from cpu (see
// ../helpers/gradcheck.ts for why a normwise measure). Tolerance 1e-4.

import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { relativeError, seeded, TOLERANCE } from '../helpers/gradcheck';
import { initBackend } from '../../src-main/engine/backend';

const CLASSES = 3;

interface Case {
  /** Builds the model on the current backend; layers get fresh (unused) initial weights. */
  build: () => tf.LayersModel;
  /** Input shape of one sample. */
  sample: number[];
  /** Shift of the input values: negative for all-negative pooling windows. */
  shift?: number;
}

const BATCH = 2;

/**
 * Gradients of the loss w.r.t. the input and every trainable weight, on one backend. Weights and
 * inputs are seeded, so both backends see identical values.
 */
async function gradients(backend: string, c: Case): Promise<Map<string, Float32Array>> {
  await tf.setBackend(backend);
  const model = c.build();
  const out = new Map<string, Float32Array>();
  tf.tidy(() => {
    model.setWeights(model.getWeights().map((w, i) => tf.tensor(seeded(w.size, 100 + i, 0, 0.5), w.shape)));
    const input = tf.variable(tf.tensor(seeded(BATCH * c.sample.reduce((a, b) => a * b, 1), 7, c.shift ?? 0), [BATCH, ...c.sample]));
    const labels = tf.oneHot(tf.tensor1d([0, 2], 'int32'), CLASSES);
    const weights = model.trainableWeights.map((w) => w.read() as tf.Variable);
    const { grads } = tf.variableGrads(() => {
      const probs = model.apply(input, { training: true }) as tf.Tensor;
      return tf.mean(tf.metrics.categoricalCrossentropy(labels, probs)) as tf.Scalar;
    }, [input, ...weights]);
    out.set('input', grads[input.name].dataSync() as Float32Array);
    // Layer names carry a global counter that differs between the two builds; index and shape do not.
    model.trainableWeights.forEach((w, i) => out.set(`weight ${i} [${w.shape}]`, grads[weights[i].name].dataSync() as Float32Array));
    input.dispose();
  });
  model.dispose();
  return out;
}

async function expectSameGradients(c: Case): Promise<void> {
  const wasm = await gradients('wasm', c);
  const cpu = await gradients('cpu', c);
  expect([...wasm.keys()]).toEqual([...cpu.keys()]);
  for (const [name, g] of cpu) {
    const err = relativeError(wasm.get(name)!, g);
    expect(err, `gradient of ${name}: relative error ${err}`).toBeLessThanOrEqual(TOLERANCE);
  }
}

/** input -> layers -> (flatten) -> dense softmax, the head every zoo model ends with. */
function sequential(sample: number[], layers: tf.layers.Layer[]): () => tf.LayersModel {
  return () => {
    const input = tf.input({ shape: sample });
    let x: tf.SymbolicTensor = input;
    for (const layer of layers) x = layer.apply(x) as tf.SymbolicTensor;
    if (x.shape.length > 2) x = tf.layers.flatten().apply(x) as tf.SymbolicTensor;
    x = tf.layers.dense({ units: CLASSES, activation: 'softmax' }).apply(x) as tf.SymbolicTensor;
    return tf.model({ inputs: input, outputs: x });
  };
}

type Pad = 'same' | 'valid';
const convVariants: [Pad, number, 'relu' | 'linear'][] = [
  ['same', 1, 'linear'], ['same', 1, 'relu'], ['same', 2, 'linear'], ['same', 2, 'relu'],
  ['valid', 1, 'linear'], ['valid', 1, 'relu'], ['valid', 2, 'linear'], ['valid', 2, 'relu'],
];

beforeAll(async () => {
  expect((await initBackend({ force: 'wasm' })).name).toBe('wasm');
});

describe('conv2d', () => {
  for (const [padding, strides, activation] of convVariants) {
    it(`3x3 ${padding}, stride ${strides}, ${activation}, with bias`, async () => {
      await expectSameGradients({
        sample: [7, 8, 3],
        build: () => sequential([7, 8, 3], [
          tf.layers.conv2d({ filters: 4, kernelSize: 3, padding, strides, activation, useBias: true }),
        ])(),
      });
    });
  }

  it('two stacked layers (the input gradient of the second reaches the first)', async () => {
    await expectSameGradients({
      sample: [9, 9, 2],
      build: () => sequential([9, 9, 2], [
        tf.layers.conv2d({ filters: 4, kernelSize: 3, padding: 'same', activation: 'relu' }),
        tf.layers.conv2d({ filters: 5, kernelSize: 3, strides: 2, padding: 'valid' }),
      ])(),
    });
  });
});

describe('conv3d', () => {
  for (const [padding, strides, activation] of convVariants) {
    it(`3x3x3 ${padding}, stride ${strides}, ${activation}, with bias`, async () => {
      await expectSameGradients({
        sample: [5, 6, 5, 2],
        build: () => sequential([5, 6, 5, 2], [
          tf.layers.conv3d({ filters: 3, kernelSize: 3, padding, strides, activation, useBias: true }),
        ])(),
      });
    });
  }

  it('two stacked layers with several channels', async () => {
    await expectSameGradients({
      sample: [6, 6, 6, 2],
      build: () => sequential([6, 6, 6, 2], [
        tf.layers.conv3d({ filters: 3, kernelSize: 3, padding: 'same', activation: 'relu' }),
        tf.layers.conv3d({ filters: 4, kernelSize: 3, strides: 2, padding: 'same' }),
      ])(),
    });
  });
});

describe('pooling', () => {
  it('maxPooling2d on all-negative windows and after conv + relu', async () => {
    await expectSameGradients({
      sample: [8, 8, 2],
      shift: -0.6,
      build: () => sequential([8, 8, 2], [
        tf.layers.maxPooling2d({ poolSize: 2 }),
        tf.layers.conv2d({ filters: 3, kernelSize: 3, padding: 'same', activation: 'relu' }),
        tf.layers.maxPooling2d({ poolSize: 2 }),
      ])(),
    });
  });

  it('maxPooling3d on all-negative windows and after conv + relu', async () => {
    await expectSameGradients({
      sample: [4, 8, 8, 2],
      shift: -0.6,
      build: () => sequential([4, 8, 8, 2], [
        tf.layers.maxPooling3d({ poolSize: 2 }),
        tf.layers.conv3d({ filters: 3, kernelSize: 3, padding: 'same', activation: 'relu' }),
        tf.layers.maxPooling3d({ poolSize: 2 }),
      ])(),
    });
  });

  it('globalAveragePooling2d', async () => {
    await expectSameGradients({
      sample: [6, 6, 2],
      build: () => sequential([6, 6, 2], [
        tf.layers.conv2d({ filters: 4, kernelSize: 3, padding: 'same', activation: 'relu' }),
        tf.layers.globalAveragePooling2d({}),
      ])(),
    });
  });

  it('averagePooling3d over the full spatial extent (3D global pooling)', async () => {
    await expectSameGradients({
      sample: [4, 5, 6, 2],
      build: () => sequential([4, 5, 6, 2], [
        tf.layers.conv3d({ filters: 3, kernelSize: 3, padding: 'same', activation: 'relu' }),
        tf.layers.averagePooling3d({ poolSize: [4, 5, 6], strides: [4, 5, 6] }),
      ])(),
    });
  });
});

describe('residual block, dense and activations', () => {
  it('conv -> relu -> conv, add (residual), activation relu, global pooling, dense relu, dense softmax', async () => {
    await expectSameGradients({
      sample: [6, 6, 3],
      build: () => {
        const input = tf.input({ shape: [6, 6, 3] });
        const a = tf.layers.conv2d({ filters: 4, kernelSize: 3, padding: 'same' }).apply(input) as tf.SymbolicTensor;
        const r = tf.layers.activation({ activation: 'relu' }).apply(a) as tf.SymbolicTensor;
        const b = tf.layers.conv2d({ filters: 4, kernelSize: 3, padding: 'same' }).apply(r) as tf.SymbolicTensor;
        const sum = tf.layers.add().apply([a, b]) as tf.SymbolicTensor;
        let x = tf.layers.activation({ activation: 'relu' }).apply(sum) as tf.SymbolicTensor;
        x = tf.layers.globalAveragePooling2d({}).apply(x) as tf.SymbolicTensor;
        x = tf.layers.dense({ units: 5, activation: 'relu' }).apply(x) as tf.SymbolicTensor;
        x = tf.layers.dense({ units: CLASSES, activation: 'softmax' }).apply(x) as tf.SymbolicTensor;
        return tf.model({ inputs: input, outputs: x });
      },
    });
  });

  it('the coarse model: dense relu -> dense softmax on concatenated local probabilities', async () => {
    await expectSameGradients({
      sample: [4 * CLASSES],
      build: () => tf.sequential({
        layers: [
          tf.layers.dense({ inputShape: [4 * CLASSES], units: 8, activation: 'relu' }),
          tf.layers.dense({ units: CLASSES, activation: 'softmax' }),
        ],
      }),
    });
  });
});

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
