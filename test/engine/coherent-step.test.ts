// The coherent CNN-DNN in one process: the model-parallel decomposition of a step (branch forward, coarse
// loss and output gradients, branch backward, one optimizer per part) against the single-tape step, and
// end-to-end training on a task that no frozen CNN-DNN can learn.
import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../../src-main/engine/backend';
import { architecture } from '../../src-main/engine/architecture';
import { freshCoherentParts, type CoherentParts, coherentForward } from '../../src-main/engine/coherent-model';
import { branchBackward, branchForward, coarseStep, coherentStep } from '../../src-main/engine/coherent-step';
import { batchIndices, coherentOrder, gatherInputs, gatherOneHot } from '../../src-main/engine/coherent-batches';
import type { ArrayData } from '../../src-main/engine/train-loop';
import seedrandom from 'seedrandom';

beforeAll(async () => {
  await initBackend({ force: 'wasm' });
});

/**
 * Generated 8x8 images, 2x2 subdomains of 4x4: each quadrant is bright or dark (plus noise); the label is
 * whether the top-left and the bottom-right quadrants are equally bright (an XOR). Any one quadrant alone
 * says nothing about the label, so local models trained on the label learn nothing (chance), while a
 * coherent model can make its branches report their quadrant's brightness.
 */
function xorQuadrants(n: number, seed: string): { crops: ArrayData[]; y: Int32Array } {
  const rng = seedrandom(seed);
  const y = new Int32Array(n);
  const crops = [0, 1, 2, 3].map(() => ({ x: new Float32Array(n * 16), y, n, sampleShape: [4, 4, 1] }));
  for (let i = 0; i < n; i++) {
    const bright = [0, 1, 2, 3].map(() => rng() < 0.5);
    y[i] = bright[0] === bright[3] ? 1 : 0;
    for (let q = 0; q < 4; q++) for (let j = 0; j < 16; j++) crops[q].x[i * 16 + j] = (bright[q] ? 0.7 : 0.3) + 0.2 * (rng() - 0.5);
  }
  return { crops, y };
}

const arch = architecture({ family: 'vgg', spatialShape: [4, 4], channels: 1, classes: 2, width: 4 });
const parts = (): CoherentParts => freshCoherentParts([arch, arch, arch, arch], 2, 16, 3, 'coherent');

/** max |a - b| / max |b| over every weight tensor of two equally built models. */
function maxRelativeError(a: CoherentParts, b: CoherentParts): number {
  const wa = [...a.locals, a.coarse].flatMap((m) => m.getWeights());
  const wb = [...b.locals, b.coarse].flatMap((m) => m.getWeights());
  let worst = 0;
  wa.forEach((t, i) => {
    const x = t.dataSync();
    const r = wb[i].dataSync();
    let diff = 0;
    let scale = 0;
    for (let j = 0; j < x.length; j++) {
      diff = Math.max(diff, Math.abs(x[j] - r[j]));
      scale = Math.max(scale, Math.abs(r[j]));
    }
    worst = Math.max(worst, diff / Math.max(scale, 1e-12));
  });
  return worst;
}

describe('the coherent CNN-DNN step', () => {
  it('split into branch forward, coarse step and branch backward (one Adam per part) gives the single-tape step\'s weights within 1e-5 over 3 steps', async () => {
    const { crops, y } = xorQuadrants(64, 'split');
    const ref = parts();
    const split = parts();
    const start = maxRelativeError(ref, split);
    expect(start).toBe(0);
    const refOpt = tf.train.adam(0.01);
    const branchOpts = split.locals.map(() => tf.train.adam(0.01));
    const coarseOpt = tf.train.adam(0.01);
    const order = coherentOrder(64, 1, 'coherent', 0);
    for (let b = 0; b < 3; b++) {
      const idx = batchIndices(order, 16, b);
      const xs = crops.map((c) => gatherInputs(c, idx));
      const oneHot = gatherOneHot(y, idx, 2);
      const r = await coherentStep(ref, refOpt, xs, oneHot);
      const outs = split.locals.map((m, i) => branchForward(m, xs[i]));
      const c = await coarseStep(split.coarse, split.scaling, coarseOpt, outs, oneHot);
      split.locals.forEach((m, i) => branchBackward(m, branchOpts[i], xs[i], c.outputGrads[i]));
      expect(Math.abs(c.loss - r.loss) / r.loss).toBeLessThan(1e-5);
      tf.dispose([...xs, oneHot, ...outs, ...c.outputGrads]);
    }
    const err = maxRelativeError(split, ref);
    console.log(`in-process split vs single-tape, 3 steps: max relative weight error ${err.toExponential(2)}`);
    // The steps did move the weights: equal weights would also be equal if nothing had been trained.
    const moved = maxRelativeError(ref, parts());
    expect(moved).toBeGreaterThan(1e-3);
    expect(err).toBeLessThanOrEqual(1e-5);
  });

  it('trained end to end learns an XOR of two subdomains that each subdomain alone cannot predict (test accuracy > 0.9)', async () => {
    const train = xorQuadrants(512, 'train');
    const test = xorQuadrants(256, 'test');
    const m = parts();
    const opt = tf.train.adam(0.01);
    for (let epoch = 0; epoch < 12; epoch++) {
      const order = coherentOrder(512, 1, 'coherent', epoch);
      for (let b = 0; b < 16; b++) {
        const idx = batchIndices(order, 32, b);
        const xs = train.crops.map((c) => gatherInputs(c, idx));
        const oneHot = gatherOneHot(train.y, idx, 2);
        await coherentStep(m, opt, xs, oneHot);
        tf.dispose([...xs, oneHot]);
      }
    }
    const all = Int32Array.from({ length: 256 }, (_, i) => i);
    const decided = Array.from(tf.tidy(() => coherentForward(m, test.crops.map((c) => gatherInputs(c, all)), false).argMax(-1).dataSync()));
    const acc = decided.filter((p, i) => p === test.y[i]).length / 256;
    console.log(`coherent XOR test accuracy ${acc}`);
    expect(acc).toBeGreaterThan(0.9);
  });
});
