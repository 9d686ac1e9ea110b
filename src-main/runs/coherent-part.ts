// One part of a model-parallel coherent CNN-DNN, inside its own trainer process: a branch (one local model
// on its own subdomain crops) or the coarse model (on the branches' outputs, with the labels). It answers
// the coordinator's messages one at a time, in order (coherent-protocol.ts); every batch's sample indices
// come from the shared seeded order (engine/coherent-batches.ts), so only B x K outputs and their
// gradients cross process boundaries.
import fs from 'node:fs';
import * as tf from '@tensorflow/tfjs';
import { adam } from '../engine/adam';
import { initBackend } from '../engine/backend';
import { buildCoarseModel, buildModel } from '../engine/model-builder';
import { loadModel, saveModel } from '../engine/model-io';
import { predictProbs, type ArrayData } from '../engine/train-loop';
import { balancedClassWeights } from '../engine/train-step';
import { validationScores } from '../engine/model-selection';
import { coarseFromLocalOutputs, partSeed, uninformedScaling } from '../engine/coherent-model';
import { branchBackward, branchForward, coarseStep } from '../engine/coherent-step';
import { batchIndices, coherentOrder, gatherInputs, gatherOneHot } from '../engine/coherent-batches';
import type { CoarseFeatureScaling } from '../engine/fusion';
import { readCachedSplit, readCacheManifest } from '../data/cache';
import { readTensors, writeTensors } from './checkpoint';
import { runLayout } from './layout';
import { coherentLayout, type CoherentPartJob, type FromCoherentPart, type ToCoherentPart } from './coherent-protocol';

interface PartState {
  model: tf.LayersModel;
  optimizer: tf.Optimizer;
  /** The weights of the best epoch so far (the coordinator judges which epoch is best). */
  best?: tf.Tensor[];
}

/** The part's model and optimizer: from the stage's common checkpoint, from the run's CNN-DNN, or fresh. */
async function initialState(job: CoherentPartJob): Promise<PartState> {
  const optimizer = adam(job.learningRate);
  const C = coherentLayout(job.runDir, job.variant);
  if (job.startEpoch > 0) {
    const dir = C.partCheckpoint(job.part, job.startEpoch);
    const model = await loadModel(dir);
    await optimizer.setWeights(readTensors(dir, 'optimizer') ?? []);
    return { model, optimizer, best: readTensors(dir, 'best')?.map((t) => t.tensor) };
  }
  if (job.init === 'run') return { model: await loadModel(runLayout(job.runDir).model(job.part)), optimizer };
  const seed = partSeed(job.seed, job.variant, job.part);
  const model = job.part === 'coarse' ? buildCoarseModel(job.subdomains * job.classes, job.hidden, job.classes, seed) : buildModel(job.arch!, seed);
  return { model, optimizer };
}

/** The coarse feature scaling: the run's fitted one for transfer learning, the uninformed one otherwise. */
function scalingOf(job: CoherentPartJob): CoarseFeatureScaling {
  if (job.init !== 'run') return uninformedScaling(job.subdomains, job.classes);
  const file = runLayout(job.runDir).coarseScaling;
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8')) as CoarseFeatureScaling;
  } catch (e) {
    throw new Error(`${file}: the coarse model's feature scaling could not be read (${(e as Error).message})`);
  }
}

/** Starts the part; returns the handler of the coordinator's later messages. */
export async function startCoherentPart(job: CoherentPartJob, send: (m: FromCoherentPart) => void): Promise<(m: ToCoherentPart) => void> {
  const backend = await initBackend({ force: job.backend });
  const part = job.part;
  const isCoarse = part === 'coarse';
  const manifest = readCacheManifest(job.cacheDir);
  const labels = {
    train: Int32Array.from(manifest.splits.train.labels),
    val: Int32Array.from(manifest.splits.val.labels),
    test: Int32Array.from(manifest.splits.test.labels),
  };
  const crops: Partial<Record<'train' | 'val' | 'test', ArrayData>> = {};
  const cropOf = (split: 'train' | 'val' | 'test'): ArrayData => {
    if (!crops[split]) {
      const s = readCachedSplit(job.cacheDir, split, job.box);
      crops[split] = { x: s.x, y: s.y, n: s.n, sampleShape: [...s.shape, s.channels] };
    }
    return crops[split]!;
  };
  if (!isCoarse) cropOf('train');
  const scaling = isCoarse ? scalingOf(job) : undefined;
  const classWeights = isCoarse && job.classWeight === 'balanced' ? tf.tensor1d(balancedClassWeights(labels.train, job.classes)) : undefined;
  const state = await initialState(job);
  const nTrain = labels.train.length;
  let lastCrop: tf.Tensor | undefined;

  const indices = (epoch: number, batch: number) => batchIndices(coherentOrder(nTrain, job.seed, job.variant, epoch), job.batch, batch);
  const asOutputs = (data: Float32Array[]) => data.map((d) => tf.tensor2d(d, [d.length / job.classes, job.classes]));

  async function handle(m: ToCoherentPart): Promise<void> {
    switch (m.type) {
      case 'forward': {
        lastCrop?.dispose();
        lastCrop = gatherInputs(cropOf('train'), indices(m.epoch, m.batch));
        const out = branchForward(state.model, lastCrop);
        const data = (await out.data()) as Float32Array;
        out.dispose();
        send({ type: 'outputs', part, data });
        return;
      }
      case 'backward': {
        const g = tf.tensor2d(m.grad, [m.grad.length / job.classes, job.classes]);
        branchBackward(state.model, state.optimizer, lastCrop!, g);
        g.dispose();
        send({ type: 'stepped', part });
        return;
      }
      case 'coarse-step': {
        const oneHot = gatherOneHot(labels.train, indices(m.epoch, m.batch), job.classes);
        const outs = asOutputs(m.outputs);
        const r = await coarseStep(state.model, scaling!, state.optimizer, outs, oneHot, classWeights);
        const grads = await Promise.all(r.outputGrads.map(async (g) => (await g.data()) as Float32Array));
        tf.dispose([oneHot, ...outs, ...r.outputGrads]);
        send({ type: 'coarse-stepped', part, loss: r.loss, correct: r.correct, grads });
        return;
      }
      case 'predict': {
        send({ type: 'predicted', part, data: await predictProbs(state.model, cropOf(m.split), job.classes) });
        return;
      }
      case 'validate':
      case 'coarse-predict': {
        const outs = asOutputs(m.outputs);
        const probs = coarseFromLocalOutputs(state.model, scaling!, outs, false);
        const data = (await probs.data()) as Float32Array;
        tf.dispose([probs, ...outs]);
        if (m.type === 'coarse-predict') {
          send({ type: 'predicted', part, data });
          return;
        }
        const cw = job.classWeight === 'balanced' ? balancedClassWeights(labels.train, job.classes) : undefined;
        send({ type: 'validated', part, scores: validationScores(data, labels.val, job.classes, cw) });
        return;
      }
      case 'checkpoint': {
        if (m.isBest) {
          tf.dispose(state.best);
          state.best = state.model.getWeights().map((w) => w.clone());
        }
        const dir = coherentLayout(job.runDir, job.variant).partCheckpoint(part, m.epoch);
        fs.rmSync(dir, { recursive: true, force: true });
        await saveModel(state.model, dir);
        await writeTensors(dir, 'optimizer', await state.optimizer.getWeights());
        if (state.best) await writeTensors(dir, 'best', state.best.map((tensor, i) => ({ name: `w${i}`, tensor })));
        send({ type: 'checkpointed', part, epoch: m.epoch });
        return;
      }
      case 'finish': {
        if (state.best) state.model.setWeights(state.best);
        await saveModel(state.model, coherentLayout(job.runDir, job.variant).part(part));
        send({ type: 'finished', part });
        return;
      }
      case 'weights': {
        send({ type: 'weights', part, data: await Promise.all(state.model.getWeights().map(async (w) => (await w.data()) as Float32Array)) });
        return;
      }
    }
  }

  // One message at a time, in the order they came: each answer belongs to the request before it.
  let queue = Promise.resolve();
  send({ type: 'ready', part, pid: process.pid, params: state.model.countParams(), backend: backend.name });
  return (m) => {
    queue = queue.then(() => handle(m)).catch((e: Error) => {
      send({ type: 'error', part, message: e.stack ?? String(e) });
      setTimeout(() => process.exit(1), 50);
    });
  };
}
