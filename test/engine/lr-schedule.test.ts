import { describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { decayWeights, learningRateAt, plateauFactor, setLearningRate, type Schedule } from '../../src-main/engine/lr-schedule';
import { foldAssignment, foldIndices } from '../../src-main/engine/folds';

describe('learning-rate schedules', () => {
  const cosine: Schedule = { kind: 'cosine', base: 0.01, warmupEpochs: 1, epochs: 5 };

  it('cosine warms up linearly from a tenth of the base rate, peaks at the base rate, and ends at 5% of it', () => {
    expect(learningRateAt(cosine, 0, 0, 10, [])).toBeCloseTo(0.001, 12);
    expect(learningRateAt(cosine, 0, 5, 10, [])).toBeCloseTo(0.001 + 0.009 * 0.5, 12);
    expect(learningRateAt(cosine, 1, 0, 10, [])).toBeCloseTo(0.01, 12);
    // Halfway through the decay (epoch 3 of the 4 after warm-up): 0.05 + 0.95 * 0.5 of the base.
    expect(learningRateAt(cosine, 3, 0, 10, [])).toBeCloseTo(0.01 * (0.05 + 0.95 * 0.5), 12);
    expect(learningRateAt(cosine, 4, 10, 10, [])).toBeCloseTo(0.0005, 12);
    const rates = Array.from({ length: 40 }, (_, i) => learningRateAt(cosine, 1 + Math.floor(i / 10), i % 10, 10, []));
    for (let i = 1; i < rates.length; i++) expect(rates[i]).toBeLessThanOrEqual(rates[i - 1]);
  });

  it('reduce-on-plateau halves the rate after every two epochs in a row without a new best', () => {
    const h = (bests: boolean[]) => bests.map((best) => ({ best }));
    expect(plateauFactor(h([true, false]))).toBe(1);
    expect(plateauFactor(h([true, false, false]))).toBe(0.5);
    expect(plateauFactor(h([true, false, false, true, false, false, false, false]))).toBe(0.125);
    expect(learningRateAt({ kind: 'plateau', base: 0.002, warmupEpochs: 0, epochs: 9 }, 3, 0, 5, h([true, false, false]))).toBe(0.001);
  });

  it("the rate set on a tfjs Adam optimizer is the one its next step uses", async () => {
    // One Adam step moves a weight by (almost exactly) the learning rate, whatever the gradient's size.
    const w = tf.variable(tf.tensor1d([1]));
    const opt = tf.train.adam(0.1);
    setLearningRate(opt, 0.003);
    opt.minimize(() => tf.sum(tf.mul(w, 5)) as tf.Scalar, false, [w]);
    expect((await w.data())[0]).toBeCloseTo(1 - 0.003, 6);
  });

  it('decoupled weight decay shrinks kernels by rate x decay and leaves biases alone', async () => {
    const kernel = tf.variable(tf.tensor2d([[2, -4]]));
    const bias = tf.variable(tf.tensor1d([3]));
    decayWeights([kernel, bias], 0.01, 0.5);
    expect(Array.from(await kernel.data())).toEqual([2 * 0.995, -4 * 0.995].map((v) => Math.fround(v)));
    expect(Array.from(await bias.data())).toEqual([3]);
  });
});

describe('cross-fitting folds', () => {
  it('deal every class evenly over k folds, reproducibly, and partition the cases', () => {
    const labels = Array.from({ length: 101 }, (_, i) => (i % 4 === 0 ? 1 : 0));
    const f = foldAssignment(labels, 3, 9);
    expect(Array.from(foldAssignment(labels, 3, 9))).toEqual(Array.from(f));
    for (const c of [0, 1]) {
      const counts = [0, 1, 2].map((k) => labels.filter((l, i) => l === c && f[i] === k).length);
      expect(Math.max(...counts) - Math.min(...counts)).toBeLessThanOrEqual(1);
    }
    const all = [0, 1, 2].flatMap((k) => foldIndices(f, k, true)).sort((a, b) => a - b);
    expect(all).toEqual(labels.map((_, i) => i));
    expect(foldIndices(f, 1, false).length + foldIndices(f, 1, true).length).toBe(101);
    expect(foldIndices(f, 1, false).some((i) => f[i] === 1)).toBe(false);
  });
});
