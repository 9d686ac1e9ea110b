// The trained model-parallel coherent CNN-DNN against its single-process reference, on real MNIST digits
// with a 2x2 decomposition: each branch in its own trainer process, the coarse model in another, only
// outputs and output gradients crossing between them. The reference is the whole coherent model on one
// tape in this process (engine/coherent-step.ts), built from the same seeds and fed the same batches.
import fs from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../../src-main/engine/backend';
import { freshCoherentParts, type CoherentParts } from '../../src-main/engine/coherent-model';
import { coherentStep } from '../../src-main/engine/coherent-step';
import { batchIndices, coherentOrder, gatherInputs, gatherOneHot } from '../../src-main/engine/coherent-batches';
import { coarseHiddenUnits } from '../../src-main/engine/architecture';
import { readCachedSplit } from '../../src-main/data/cache';
import { forkLauncher } from '../../src-main/runs/launcher';
import { readRunRecord } from '../../src-main/runs/run-record';
import { runLayout } from '../../src-main/runs/layout';
import { CoherentGroup, readCommonCheckpoint, trainCoherentParallel } from '../../src-main/runs/coherent-parallel';
import { batchOf, coherentJobs, partLauncher } from '../../src-main/runs/coherent-stage';
import { coherentLayout } from '../../src-main/runs/coherent-protocol';
import type { ArrayData } from '../../src-main/engine/train-loop';
import { createSmallRun, tempWorkspace } from '../helpers/runs';

let backend = '';
beforeAll(async () => {
  backend = (await initBackend()).name;
});

/** A fresh 2x2 MNIST run (not trained): its cache, archs and boxes are all the coherent model needs. */
async function mnistRun(): Promise<string> {
  return createSmallRun(tempWorkspace('ddcnn-coherent-'), { limit: 96, limitTest: 32, epochs: 1, width: 4, batch: 16, global: false, learningRate: 5e-3 });
}

/** The reference: the same parts as the processes build, and each branch's training crops. */
function reference(runDir: string): { parts: CoherentParts; crops: ArrayData[]; y: Int32Array; opt: tf.Optimizer } {
  const rec = readRunRecord(runDir);
  const locals = [0, 1, 2, 3].map((i) => rec.models[`local-${i}`]);
  const parts = freshCoherentParts(locals.map((m) => m.arch!), 10, coarseHiddenUnits(4, 10), rec.config.seed, 'coherent');
  const crops = locals.map((m) => {
    const s = readCachedSplit(runLayout(runDir).cache, 'train', m.box);
    return { x: s.x, y: s.y, n: s.n, sampleShape: [...s.shape, s.channels] };
  });
  return { parts, crops, y: crops[0].y, opt: tf.train.adam(rec.config.learningRate) };
}

async function referenceStep(r: ReturnType<typeof reference>, epoch: number, b: number, batch: number): Promise<number> {
  const idx = batchIndices(coherentOrder(r.y.length, 7, 'coherent', epoch), batch, b);
  const xs = r.crops.map((c) => gatherInputs(c, idx));
  const oneHot = gatherOneHot(r.y, idx, 10);
  const s = await coherentStep(r.parts, r.opt, xs, oneHot);
  tf.dispose([...xs, oneHot]);
  return s.loss;
}

/** Max over each part's weight tensors of max|a - b| / max|b|; a: the processes' weights, b: the reference's. */
function maxRelativeError(processes: Float32Array[][], ref: CoherentParts): { max: number; perPart: number[] } {
  const models = [...ref.locals, ref.coarse];
  const perPart = models.map((m, p) => {
    const ws = m.getWeights();
    expect(processes[p]).toHaveLength(ws.length);
    let worst = 0;
    ws.forEach((w, i) => {
      const r = w.dataSync();
      const a = processes[p][i];
      let diff = 0;
      let scale = 0;
      for (let j = 0; j < r.length; j++) {
        diff = Math.max(diff, Math.abs(a[j] - r[j]));
        scale = Math.max(scale, Math.abs(r[j]));
      }
      worst = Math.max(worst, diff / Math.max(scale, 1e-12));
    });
    return worst;
  });
  return { max: Math.max(...perPart), perPart };
}

describe('the trained model-parallel coherent CNN-DNN', () => {
  it('gives the single-process weights after one step (relative error <= 1e-5, 2x2 MNIST, 5 processes) and the same loss curve over 10 steps', async () => {
    const runDir = await mnistRun();
    const rec = readRunRecord(runDir);
    const group = await CoherentGroup.start(coherentJobs(runDir, rec, 'coherent', backend), partLauncher(forkLauncher));
    try {
      // Five processes, none of them this one.
      expect(new Set(group.pids).size).toBe(5);
      expect(group.pids).not.toContain(process.pid);
      const ref = reference(runDir);
      const before = maxRelativeError(await group.weights(), ref.parts);
      expect(before.max).toBe(0);

      const losses: number[] = [];
      const refLosses: number[] = [];
      const batches = Math.ceil(rec.dataset.nTrain / batchOf(rec));
      for (let step = 0; step < 10; step++) {
        const epoch = Math.floor(step / batches);
        const b = step % batches;
        losses.push((await group.step(epoch, b)).loss);
        refLosses.push(await referenceStep(ref, epoch, b, batchOf(rec)));
        if (step === 0) {
          const one = maxRelativeError(await group.weights(), ref.parts);
          console.log(`[${backend}] model-parallel vs single-process after 1 step: max relative weight error ${one.max.toExponential(2)} (per part ${one.perPart.map((e) => e.toExponential(1)).join(', ')})`);
          expect(one.max).toBeLessThanOrEqual(1e-5);
        }
      }
      const after = maxRelativeError(await group.weights(), ref.parts);
      const lossErr = Math.max(...losses.map((l, i) => Math.abs(l - refLosses[i]) / refLosses[i]));
      console.log(`10 steps: losses ${losses.map((l) => l.toFixed(4)).join(' ')}; max relative loss difference ${lossErr.toExponential(2)}; weights ${after.max.toExponential(2)}`);
      expect(lossErr).toBeLessThanOrEqual(1e-5);
      expect(after.max).toBeLessThanOrEqual(1e-4);
      // The curve is a training curve: the loss went down over the 10 steps.
      expect(losses.slice(-3).reduce((a, b) => a + b) / 3).toBeLessThan(losses.slice(0, 3).reduce((a, b) => a + b) / 3);
      // Gradients reached every branch: each one's weights moved from their start.
      const fresh = freshCoherentParts([0, 1, 2, 3].map((i) => rec.models[`local-${i}`].arch!), 10, coarseHiddenUnits(4, 10), 7, 'coherent');
      expect(maxRelativeError(await group.weights(), fresh).perPart.every((e) => e > 1e-3)).toBe(true);
    } finally {
      group.close();
    }
  });

  it('resumes from its last common checkpoint after a branch is killed: the resumed run ends with the weights of an uninterrupted one', async () => {
    const runDir = await mnistRun();
    const rec = readRunRecord(runDir);
    const train = (dir: string, onStep?: (g: CoherentGroup | undefined, epoch: number, batch: number) => void) => {
      let group: CoherentGroup | undefined;
      return trainCoherentParallel({
        runDir: dir,
        variant: 'coherent',
        jobs: coherentJobs(dir, readRunRecord(dir), 'coherent', backend),
        epochs: 3,
        nTrain: rec.dataset.nTrain,
        batch: batchOf(rec),
        select: 'loss',
        launch: partLauncher(forkLauncher),
        shouldStop: () => false,
        onReady: (g) => (group = g),
        onStep: (s) => onStep?.(group, s.epoch, s.batch),
      });
    };
    // Uninterrupted: 3 epochs.
    const whole = await train(runDir);
    expect(whole.finished).toBe(true);
    const C = coherentLayout(runDir, 'coherent');
    const wholeWeights = ['local-0', 'local-1', 'local-2', 'local-3', 'coarse'].map((p) => fs.readFileSync(`${C.part(p)}/weights.bin`));

    // Same run, but branch local-2 is killed in the middle of epoch 2 (after the common checkpoint of epoch 1).
    const second = await mnistRun();
    let killed = false;
    await expect(
      train(second, (g, epoch, batch) => {
        if (!killed && epoch === 1 && batch === 2) {
          killed = true;
          process.kill(g!.pids[2], 'SIGKILL');
        }
      }),
    ).rejects.toThrow(/local-2 exited with signal SIGKILL/);
    expect(readCommonCheckpoint(second, 'coherent').epochsDone).toBe(1);
    const resumed = await train(second);
    expect(resumed.finished).toBe(true);
    expect(resumed.state.history.map((h) => h.epoch)).toEqual([1, 2, 3]);
    const C2 = coherentLayout(second, 'coherent');
    // The best epoch's weights of both: equal to float rounding (a resume replays the same batches and Adam state).
    ['local-0', 'local-1', 'local-2', 'local-3', 'coarse'].forEach((p, i) => {
      const a = new Float32Array(wholeWeights[i].buffer.slice(wholeWeights[i].byteOffset, wholeWeights[i].byteOffset + wholeWeights[i].byteLength));
      const bb = fs.readFileSync(`${C2.part(p)}/weights.bin`);
      const b = new Float32Array(bb.buffer.slice(bb.byteOffset, bb.byteOffset + bb.byteLength));
      expect(b.length).toBe(a.length);
      let diff = 0;
      let scale = 0;
      for (let j = 0; j < a.length; j++) {
        diff = Math.max(diff, Math.abs(a[j] - b[j]));
        scale = Math.max(scale, Math.abs(a[j]));
      }
      expect(diff / scale).toBeLessThanOrEqual(1e-6);
    });
    expect(resumed.state.history.map((h) => h.valLoss)).toEqual(whole.state.history.map((h) => h.valLoss));
  });
});
