// Builds the tfjs model of an architecture spec, with seeded initial weights.
import * as tf from '@tensorflow/tfjs';
import type { Architecture } from './architecture';

/** A 32-bit seed per layer, derived from the model's seed, so every layer starts differently but reproducibly. */
function layerSeed(seed: number, i: number): number {
  let h = (seed ^ 0x9e3779b9) >>> 0;
  h = Math.imul(h ^ (i + 1), 0x85ebca6b) >>> 0;
  return (h ^ (h >>> 13)) >>> 0;
}

export interface BuildOptions {
  /**
   * Dropout rate before the softmax head (0: none). tfjs draws dropout masks unseeded (a fixed seed would
   * give the same mask at every step), so a run with dropout is not bit-for-bit reproducible.
   */
  dropout?: number;
}

export function buildModel(arch: Architecture, seed: number, opts: BuildOptions = {}): tf.LayersModel {
  const input = tf.input({ shape: [...arch.spatialShape, arch.channels], name: 'input' });
  const outputs = new Map<string, tf.SymbolicTensor>();
  let x: tf.SymbolicTensor = input;
  let spatial = [...arch.spatialShape];
  arch.layers.forEach((l, i) => {
    const kernelInitializer = tf.initializers.heNormal({ seed: layerSeed(seed, i) });
    switch (l.kind) {
      case 'conv': {
        const from = l.input ? outputs.get(l.input)! : x;
        const opts = {
          filters: l.filters,
          kernelSize: l.kernel,
          strides: l.stride,
          padding: 'same' as const,
          activation: l.relu ? ('relu' as const) : undefined,
          kernelInitializer,
          name: l.name,
        };
        x = (arch.dims === 2 ? tf.layers.conv2d(opts) : tf.layers.conv3d(opts)).apply(from) as tf.SymbolicTensor;
        break;
      }
      case 'pool': {
        const opts = { poolSize: l.size, strides: l.size, name: l.name };
        x = (arch.dims === 2 ? tf.layers.maxPooling2d(opts) : tf.layers.maxPooling3d(opts)).apply(x) as tf.SymbolicTensor;
        break;
      }
      case 'add':
        x = tf.layers.add({ name: l.name }).apply([outputs.get(l.inputs[0])!, outputs.get(l.inputs[1])!]) as tf.SymbolicTensor;
        break;
      case 'relu':
        x = tf.layers.activation({ activation: 'relu', name: l.name }).apply(x) as tf.SymbolicTensor;
        break;
      case 'globalAvgPool':
        if (arch.dims === 2) {
          x = tf.layers.globalAveragePooling2d({ name: l.name }).apply(x) as tf.SymbolicTensor;
        } else {
          // tfjs-layers has no 3D global pooling: average over the whole remaining extent instead.
          spatial = x.shape.slice(1, 4) as number[];
          x = tf.layers.averagePooling3d({ poolSize: spatial as [number, number, number], strides: spatial as [number, number, number], name: `${l.name}_pool` }).apply(x) as tf.SymbolicTensor;
          x = tf.layers.flatten({ name: l.name }).apply(x) as tf.SymbolicTensor;
        }
        break;
      case 'flatten':
        x = tf.layers.flatten({ name: l.name }).apply(x) as tf.SymbolicTensor;
        break;
      case 'dense':
        if (l.softmax && opts.dropout) x = tf.layers.dropout({ rate: opts.dropout, name: `${l.name}_dropout` }).apply(x) as tf.SymbolicTensor;
        x = tf.layers
          .dense({
            units: l.units,
            activation: l.softmax ? 'softmax' : 'relu',
            kernelInitializer: l.softmax ? tf.initializers.glorotUniform({ seed: layerSeed(seed, i) }) : kernelInitializer,
            name: l.name,
          })
          .apply(x) as tf.SymbolicTensor;
        break;
    }
    outputs.set(l.name, x);
  });
  return tf.model({ inputs: input, outputs: x, name: 'model' });
}

/** The coarse model: N*K local probabilities -> hidden ReLU layer -> K-class softmax. */
export function buildCoarseModel(inputs: number, hidden: number, classes: number, seed: number): tf.LayersModel {
  return tf.sequential({
    name: 'coarse',
    layers: [
      tf.layers.dense({ inputShape: [inputs], units: hidden, activation: 'relu', kernelInitializer: tf.initializers.heNormal({ seed: layerSeed(seed, 0) }), name: 'hidden' }),
      tf.layers.dense({ units: classes, activation: 'softmax', kernelInitializer: tf.initializers.glorotUniform({ seed: layerSeed(seed, 1) }), name: 'probs' }),
    ],
  });
}
