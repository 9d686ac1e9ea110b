// The fused Adam step (engine/adam.ts) against tfjs's own AdamOptimizer on the cpu backend, the
// reference: same weights and moments step after step, one kernel per variable, and a checkpoint
// (getWeights / setWeights) that continues exactly.
import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { relativeError, seeded, TOLERANCE } from '../helpers/gradcheck';
import { initBackend } from '../../src-main/engine/backend';
import { adam } from '../../src-main/engine/adam';
import { setLearningRate } from '../../src-main/engine/lr-schedule';

const SHAPES = [[3, 3, 1, 13], [13], [7, 5], [6]];
let run = 0;

/** Trains fresh variables for `steps` steps with seeded gradients; returns every variable's values and the optimizer's weights. */
async function train(backend: string, make: (rate: number) => tf.Optimizer, steps: number): Promise<{ values: Float32Array[]; state: Float32Array[] }> {
  await tf.setBackend(backend);
  run++;
  const vars = SHAPES.map((shape, i) => tf.variable(tf.tensor(seeded(shape.reduce((a, b) => a * b, 1), 10 + i), shape), true, `adam-test-${run}-${i}`));
  const optimizer = make(0.01);
  for (let s = 0; s < steps; s++) {
    if (s === 3) setLearningRate(optimizer, 0.004); // a schedule's change of rate between steps
    const grads = vars.map((v, i) => ({ name: v.name, tensor: tf.tensor(seeded(v.size, 100 * s + i, 0, 1 + s), v.shape) }));
    optimizer.applyGradients(grads);
    tf.dispose(grads.map((g) => g.tensor));
  }
  const values = vars.map((v) => v.dataSync() as Float32Array);
  const state = (await optimizer.getWeights()).map((w) => w.tensor.dataSync() as Float32Array);
  tf.dispose(vars);
  optimizer.dispose();
  return { values, state };
}

beforeAll(async () => {
  expect((await initBackend({ force: 'wasm' })).name).toBe('wasm');
});

describe('fused Adam on wasm', () => {
  it('gives the weights, moments and iteration count of tfjs\'s AdamOptimizer on cpu, step after step, through a change of rate', async () => {
    for (const steps of [1, 6]) {
      const ours = await train('wasm', adam, steps);
      const reference = await train('cpu', (r) => tf.train.adam(r), steps);
      ours.values.forEach((v, i) => expect(relativeError(v, reference.values[i]), `variable ${i} after ${steps} steps`).toBeLessThanOrEqual(TOLERANCE));
      expect(ours.state.length).toBe(reference.state.length);
      ours.state.forEach((w, i) => expect(relativeError(w, reference.state[i]), `optimizer weight ${i} after ${steps} steps`).toBeLessThanOrEqual(TOLERANCE));
    }
  });

  it('runs one kernel per variable instead of tfjs\'s ten or so', async () => {
    await tf.setBackend('wasm');
    const vars = SHAPES.map((shape, i) => tf.variable(tf.zeros(shape), true, `adam-count-${i}`));
    const grads = vars.map((v) => ({ name: v.name, tensor: tf.onesLike(v) }));
    const count = async (optimizer: tf.Optimizer) => {
      optimizer.applyGradients(grads); // creates the moments
      const info = await tf.profile(() => optimizer.applyGradients(grads));
      optimizer.dispose();
      return info.kernels;
    };
    const fused = await count(adam(0.01));
    const unfused = await count(tf.train.adam(0.01));
    expect(fused.filter((k) => k.name === 'DdcnnAdamUpdate')).toHaveLength(SHAPES.length);
    expect(fused.length).toBeLessThan(SHAPES.length + 6);
    expect(unfused.length).toBeGreaterThan(8 * SHAPES.length);
    tf.dispose([...vars, ...grads.map((g) => g.tensor)]);
  });

  it('continues from a checkpoint of its weights (getWeights, then setWeights on a new optimizer) as if never interrupted, up to float32 rounding', async () => {
    await tf.setBackend('wasm');
    const start = SHAPES.map((shape, i) => seeded(shape.reduce((a, b) => a * b, 1), 40 + i));
    const gradsAt = (vars: tf.Variable[], s: number) => vars.map((v, i) => ({ name: v.name, tensor: tf.tensor(seeded(v.size, 7 * s + i), v.shape) }));
    const step = (o: tf.Optimizer, vars: tf.Variable[], s: number) => {
      const g = gradsAt(vars, s);
      o.applyGradients(g);
      tf.dispose(g.map((x) => x.tensor));
    };
    const straight = SHAPES.map((shape, i) => tf.variable(tf.tensor(start[i], shape), true, `adam-straight-${i}`));
    const a = adam(0.01);
    for (let s = 0; s < 4; s++) step(a, straight, s);

    const resumed = SHAPES.map((shape, i) => tf.variable(tf.tensor(start[i], shape), true, `adam-resumed-${i}`));
    const first = adam(0.01);
    for (let s = 0; s < 2; s++) step(first, resumed, s);
    const saved = (await first.getWeights()).map((w) => ({ name: w.name, tensor: w.tensor.clone() }));
    first.dispose();
    const second = adam(0.01);
    await second.setWeights(saved);
    for (let s = 2; s < 4; s++) step(second, resumed, s);

    // tfjs's setWeights recomputes accBeta as beta^t where the uninterrupted optimizer multiplied it up step
    // by step: the two differ in the last float32 bits, for tfjs's own AdamOptimizer as much as for this one.
    straight.forEach((v, i) => expect(relativeError(resumed[i].dataSync() as Float32Array, v.dataSync() as Float32Array)).toBeLessThanOrEqual(1e-5));
    tf.dispose([...straight, ...resumed, ...saved.map((w) => w.tensor)]);
    a.dispose();
    second.dispose();
  });
});
