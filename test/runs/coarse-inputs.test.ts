// The coarse model's training inputs: out-of-fold outputs of fold models (each trained without its fold and
// predicting exactly that fold), or the local models' outputs on the validation split. Checked against the
// fold models' own saved weights and against the feature scaling the coarse model was fitted with.
import fs from 'node:fs';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { executeRun } from '../../src-main/runs/execute-run';
import { forkLauncher } from '../../src-main/runs/launcher';
import { readF32, runLayout } from '../../src-main/runs/layout';
import { readCachedSplit, readCacheManifest } from '../../src-main/data/cache';
import { loadModel } from '../../src-main/engine/model-io';
import { concatLocalProbs, fitCoarseScaling } from '../../src-main/engine/fusion';
import { foldAssignment, foldIndices } from '../../src-main/engine/folds';
import { createSmallRun, tempWorkspace } from '../helpers/runs';

const small = { grid: [2, 1], limit: 90, limitTest: 30, epochs: 2, width: 4, global: false, classWeight: 'none' as const };

describe("the coarse model's inputs", () => {
  it('out-of-fold: every case of the training split is predicted by a fold model that did not train on it, and the coarse model is fitted on those outputs', async () => {
    const runDir = await createSmallRun(tempWorkspace(), { ...small, coarseInputs: 'out-of-fold', folds: 2 });
    const rec = await executeRun(runDir, { launcher: forkLauncher, workers: 2 }).done;
    expect(rec.status, rec.error).toBe('completed');
    const L = runLayout(runDir);
    const nTrain = readCacheManifest(L.cache).splits.train.labels.length;
    const folds = Object.keys(rec.models).filter((n) => rec.models[n].role === 'fold');
    expect(folds.sort()).toEqual(['local-0-fold-0', 'local-0-fold-1', 'local-1-fold-0', 'local-1-fold-1']);
    const oof: Float32Array[] = [];
    const labels = readCacheManifest(L.cache).splits.train.labels;
    const fold = foldAssignment(labels, 2, rec.config.seed);
    for (const local of ['local-0', 'local-1']) {
      const crops = readCachedSplit(L.cache, 'train', rec.models[local].box);
      const assembled = new Float32Array(nTrain * 10);
      for (let f = 0; f < 2; f++) {
        const name = `${local}-fold-${f}`;
        const rows = foldIndices(fold, f, true);
        const probs = readF32(L.probs(name, 'train'));
        expect(probs.length, name).toBe(rows.length * 10);
        // Its file holds its own saved model's predictions of exactly the cases of its fold, in order.
        const model = await loadModel(L.model(name));
        const predicted = model.predict(tf.tensor(crops.x, [nTrain, ...crops.shape, crops.channels])) as tf.Tensor;
        const all = await predicted.data();
        rows.forEach((r, i) => {
          for (let c = 0; c < 10; c++) expect(probs[i * 10 + c]).toBeCloseTo(all[r * 10 + c], 5);
          assembled.set(probs.subarray(i * 10, i * 10 + 10), r * 10);
        });
        tf.dispose(predicted);
        model.dispose();
        // It trained on every other case: samples seen per epoch = nTrain - its fold's size.
        const m = rec.models[name];
        expect(Math.round(((m.samplesPerSecond ?? 0) * (m.trainSeconds ?? 0)) / (m.epochsRun ?? 1))).toBe(nTrain - rows.length);
      }
      oof.push(assembled);
    }
    const scaling = JSON.parse(fs.readFileSync(L.coarseScaling, 'utf8'));
    const expected = fitCoarseScaling(concatLocalProbs(oof, nTrain, 10), 20);
    scaling.mean.forEach((m: number, j: number) => expect(m).toBeCloseTo(expected.mean[j], 4));
    // Not the scaling of the local models' own (in-sample) training outputs.
    const inSample = fitCoarseScaling(concatLocalProbs(['local-0', 'local-1'].map((n) => readF32(L.probs(n, 'train'))), nTrain, 10), 20);
    expect(Math.max(...scaling.mean.map((m: number, j: number) => Math.abs(m - inSample.mean[j])))).toBeGreaterThan(1e-3);
  });

  it('validation: the coarse model is fitted on the local outputs of the validation split and keeps its last epoch', async () => {
    const runDir = await createSmallRun(tempWorkspace(), { ...small, coarseInputs: 'validation', coarseEpochs: 3 });
    const rec = await executeRun(runDir, { launcher: forkLauncher, workers: 2 }).done;
    expect(rec.status, rec.error).toBe('completed');
    const L = runLayout(runDir);
    const nVal = readCacheManifest(L.cache).splits.val.labels.length;
    const scaling = JSON.parse(fs.readFileSync(L.coarseScaling, 'utf8'));
    const expected = fitCoarseScaling(concatLocalProbs(['local-0', 'local-1'].map((n) => readF32(L.probs(n, 'val'))), nVal, 10), 20);
    scaling.mean.forEach((m: number, j: number) => expect(m).toBeCloseTo(expected.mean[j], 4));
    expect(rec.models.coarse.bestEpoch).toBe(3);
    expect(Object.values(rec.models).some((m) => m.role === 'fold')).toBe(false);
    expect(fs.existsSync(path.join(L.model('coarse'), 'model.json'))).toBe(true);
  });
});
