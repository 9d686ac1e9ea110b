// The gradient checks of every layer type the model zoo uses, as data, so that each backend under
// test (wasm, webgpu) is checked against the cpu backend on the very same cases. A case is run the
// way training runs it: through a tf.layers model, tf.variableGrads of a categorical cross-entropy
// over all trainable weights and over the input.
import * as tf from '@tensorflow/tfjs';
import { expect } from 'vitest';
import { relativeError, seeded, TOLERANCE } from './gradcheck';

export const CLASSES = 3;
export const BATCH = 2;

export interface GradientCase {
  group: string;
  title: string;
  /** Builds the model on the current backend; layers get fresh (unused) initial weights. */
  build: () => tf.LayersModel;
  /** Input shape of one sample. */
  sample: number[];
  /** Shift of the input values: negative for all-negative pooling windows. */
  shift?: number;
}

/**
 * Gradients of the loss w.r.t. the input and every trainable weight, on one backend. Weights and
 * inputs are seeded, so both backends see identical values. Read asynchronously: dataSync() throws
 * on the webgpu backend.
 */
export async function gradients(backend: string, c: GradientCase): Promise<Map<string, Float32Array>> {
  await tf.setBackend(backend);
  const model = c.build();
  const names: string[] = [];
  const tensors = tf.tidy(() => {
    model.setWeights(model.getWeights().map((w, i) => tf.tensor(seeded(w.size, 100 + i, 0, 0.5), w.shape)));
    const input = tf.variable(tf.tensor(seeded(BATCH * c.sample.reduce((a, b) => a * b, 1), 7, c.shift ?? 0), [BATCH, ...c.sample]));
    const labels = tf.oneHot(tf.tensor1d([0, 2], 'int32'), CLASSES);
    const weights = model.trainableWeights.map((w) => w.read() as tf.Variable);
    const { grads } = tf.variableGrads(() => {
      const probs = model.apply(input, { training: true }) as tf.Tensor;
      return tf.mean(tf.metrics.categoricalCrossentropy(labels, probs)) as tf.Scalar;
    }, [input, ...weights]);
    names.push('input');
    // Layer names carry a global counter that differs between the two builds; index and shape do not.
    model.trainableWeights.forEach((w, i) => names.push(`weight ${i} [${w.shape}]`));
    const out = [grads[input.name], ...weights.map((w) => grads[w.name])];
    input.dispose();
    return out;
  });
  const out = new Map<string, Float32Array>();
  for (let i = 0; i < tensors.length; i++) out.set(names[i], (await tensors[i].data()) as Float32Array);
  tf.dispose(tensors);
  model.dispose();
  return out;
}

/** Checks one case on `backend` against cpu and returns the largest relative error over its gradients. */
export async function expectSameGradients(backend: string, c: GradientCase): Promise<number> {
  const tested = await gradients(backend, c);
  const cpu = await gradients('cpu', c);
  expect([...tested.keys()]).toEqual([...cpu.keys()]);
  let worst = 0;
  for (const [name, g] of cpu) {
    const err = relativeError(tested.get(name)!, g);
    expect(err, `gradient of ${name}: relative error ${err}`).toBeLessThanOrEqual(TOLERANCE);
    worst = Math.max(worst, err);
  }
  return worst;
}

/** input -> layers -> (flatten) -> dense softmax, the head every zoo model ends with. */
export function sequential(sample: number[], layers: tf.layers.Layer[]): () => tf.LayersModel {
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

/** Every layer type of the zoo: conv2d, conv3d, max pooling 2D/3D, global/3D average pooling, add, relu, flatten, dense, softmax + cross-entropy. */
export const ZOO_GRADIENT_CASES: GradientCase[] = [
  ...convVariants.map(([padding, strides, activation]): GradientCase => ({
    group: 'conv2d',
    title: `3x3 ${padding}, stride ${strides}, ${activation}, with bias`,
    sample: [7, 8, 3],
    build: () => sequential([7, 8, 3], [tf.layers.conv2d({ filters: 4, kernelSize: 3, padding, strides, activation, useBias: true })])(),
  })),
  {
    group: 'conv2d',
    title: 'two stacked layers (the input gradient of the second reaches the first)',
    sample: [9, 9, 2],
    build: () => sequential([9, 9, 2], [
      tf.layers.conv2d({ filters: 4, kernelSize: 3, padding: 'same', activation: 'relu' }),
      tf.layers.conv2d({ filters: 5, kernelSize: 3, strides: 2, padding: 'valid' }),
    ])(),
  },
  ...convVariants.map(([padding, strides, activation]): GradientCase => ({
    group: 'conv3d',
    title: `3x3x3 ${padding}, stride ${strides}, ${activation}, with bias`,
    sample: [5, 6, 5, 2],
    build: () => sequential([5, 6, 5, 2], [tf.layers.conv3d({ filters: 3, kernelSize: 3, padding, strides, activation, useBias: true })])(),
  })),
  {
    group: 'conv3d',
    title: 'two stacked layers with several channels',
    sample: [6, 6, 6, 2],
    build: () => sequential([6, 6, 6, 2], [
      tf.layers.conv3d({ filters: 3, kernelSize: 3, padding: 'same', activation: 'relu' }),
      tf.layers.conv3d({ filters: 4, kernelSize: 3, strides: 2, padding: 'same' }),
    ])(),
  },
  {
    group: 'pooling',
    title: 'maxPooling2d on all-negative windows and after conv + relu',
    sample: [8, 8, 2],
    shift: -0.6,
    build: () => sequential([8, 8, 2], [
      tf.layers.maxPooling2d({ poolSize: 2 }),
      tf.layers.conv2d({ filters: 3, kernelSize: 3, padding: 'same', activation: 'relu' }),
      tf.layers.maxPooling2d({ poolSize: 2 }),
    ])(),
  },
  {
    group: 'pooling',
    title: 'maxPooling3d on all-negative windows and after conv + relu',
    sample: [4, 8, 8, 2],
    shift: -0.6,
    build: () => sequential([4, 8, 8, 2], [
      tf.layers.maxPooling3d({ poolSize: 2 }),
      tf.layers.conv3d({ filters: 3, kernelSize: 3, padding: 'same', activation: 'relu' }),
      tf.layers.maxPooling3d({ poolSize: 2 }),
    ])(),
  },
  {
    group: 'pooling',
    title: 'globalAveragePooling2d',
    sample: [6, 6, 2],
    build: () => sequential([6, 6, 2], [
      tf.layers.conv2d({ filters: 4, kernelSize: 3, padding: 'same', activation: 'relu' }),
      tf.layers.globalAveragePooling2d({}),
    ])(),
  },
  {
    group: 'pooling',
    title: 'averagePooling3d over the full spatial extent (3D global pooling)',
    sample: [4, 5, 6, 2],
    build: () => sequential([4, 5, 6, 2], [
      tf.layers.conv3d({ filters: 3, kernelSize: 3, padding: 'same', activation: 'relu' }),
      tf.layers.averagePooling3d({ poolSize: [4, 5, 6], strides: [4, 5, 6] }),
    ])(),
  },
  {
    group: 'residual block, dense and activations',
    title: 'conv -> relu -> conv, add (residual), activation relu, global pooling, dense relu, dense softmax',
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
  },
  {
    group: 'residual block, dense and activations',
    title: 'the coarse model: dense relu -> dense softmax on concatenated local probabilities',
    sample: [4 * CLASSES],
    build: () => tf.sequential({
      layers: [
        tf.layers.dense({ inputShape: [4 * CLASSES], units: 8, activation: 'relu' }),
        tf.layers.dense({ units: CLASSES, activation: 'softmax' }),
      ],
    }),
  },
];
