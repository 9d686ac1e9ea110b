// What one trainer process does: train one model (a local model on its subdomain crops, the global
// model on whole inputs, or the coarse model on the frozen local models' probabilities), checkpoint
// every epoch, and write the model and its predicted probabilities into the run folder.
import * as tf from '@tensorflow/tfjs';
import fs from 'node:fs';
import { initBackend, describeBackend, type BackendInfo } from '../engine/backend';
import { buildCoarseModel, buildModel } from '../engine/model-builder';
import { saveModel, writeFileAtomic } from '../engine/model-io';
import { predictProbs, trainLoop, type ArrayData } from '../engine/train-loop';
import { balancedClassWeights } from '../engine/train-step';
import { guardDevice, type DeviceGuard } from '../engine/device-limits';
import { deviceLabel } from '../engine/gpu-devices';
import { modelCost, type ModelCost } from '../engine/architecture';
import { coarseFeatures, concatLocalProbs, fitCoarseScaling, type CoarseFeatureScaling } from '../engine/fusion';
import { deriveSeed } from '../engine/random';
import { readCachedSplit, readCacheManifest } from '../data/cache';
import type { SplitName } from '../engine/types';
import type { FromTrainer, TrainerJob } from './protocol';
import { readCheckpoint, writeCheckpoint, type CheckpointState } from './checkpoint';
import { readF32, runLayout } from './layout';
import { peakRssMB } from '../data/peak-memory';

const SPLITS: SplitName[] = ['train', 'val', 'test'];

/**
 * The coarse model's inputs of one split. The feature scaling is fitted on the training split (the
 * first split loaded) and written next to the model, so that predict applies the identical one.
 */
function loadCoarseSplit(job: TrainerJob, split: SplitName, scaling?: CoarseFeatureScaling): ArrayData & { scaling: CoarseFeatureScaling } {
  const L = runLayout(job.runDir);
  const labels = readCacheManifest(job.cacheDir).splits[split].labels;
  const n = labels.length;
  const width = job.coarse!.locals.length * job.classes;
  const concat = concatLocalProbs(job.coarse!.locals.map((name) => readF32(L.probs(name, split))), n, job.classes);
  if (!scaling) {
    scaling = fitCoarseScaling(concat, width);
    fs.mkdirSync(L.model(job.model), { recursive: true });
    writeFileAtomic(L.coarseScaling, JSON.stringify(scaling));
  }
  return { x: coarseFeatures(concat, scaling), y: Int32Array.from(labels), n, sampleShape: [width], scaling };
}

function loadSplit(job: TrainerJob, split: SplitName, scaling?: CoarseFeatureScaling): ArrayData & { scaling?: CoarseFeatureScaling } {
  if (job.role === 'coarse') return loadCoarseSplit(job, split, scaling);
  const s = readCachedSplit(job.cacheDir, split, job.role === 'local' ? job.box : undefined);
  return { x: s.x, y: s.y, n: s.n, sampleShape: [...s.shape, s.channels] };
}

function freshModel(job: TrainerJob): tf.LayersModel {
  const seed = deriveSeed(job.seed, job.model);
  if (job.role === 'coarse') return buildCoarseModel(job.coarse!.locals.length * job.classes, job.coarse!.hidden, job.classes, seed);
  return buildModel(job.arch!, seed);
}

/** The largest tensors of one training sample, for the device's limits. */
function stepCost(job: TrainerJob): Pick<ModelCost, 'largestActivation' | 'largestWeight'> {
  if (job.role !== 'coarse') return modelCost(job.arch!);
  const inputs = job.coarse!.locals.length * job.classes;
  return { largestActivation: Math.max(inputs, job.coarse!.hidden), largestWeight: inputs * job.coarse!.hidden };
}

export async function runTrainer(job: TrainerJob, send: (m: FromTrainer) => void, shouldStop: () => boolean): Promise<void> {
  const backend = await initBackend({ force: job.backend });
  // Before any data is read: a batch the GPU cannot hold is refused (with the largest that fits), and
  // the device's asynchronous errors end the trainer instead of letting it write wrong results.
  const nTrain = readCacheManifest(job.cacheDir).splits.train.labels.length;
  const device = guardDevice(backend, stepCost(job), Math.min(job.batch, nTrain));
  await Promise.race([trainAndWrite(job, send, shouldStop, backend, device), device.failed]);
}

async function trainAndWrite(job: TrainerJob, send: (m: FromTrainer) => void, shouldStop: () => boolean, backend: BackendInfo, device: DeviceGuard): Promise<void> {
  const L = runLayout(job.runDir);
  const train = loadSplit(job, 'train');
  const val = loadSplit(job, 'val', train.scaling);
  const optimizer = tf.train.adam(job.learningRate);

  // Resume from the last complete checkpoint when there is one (a restart after a crash, or `ddcnn resume`):
  // the model, the optimizer's state and the best epoch's weights.
  let state: CheckpointState = { epochsDone: 0, trainSeconds: 0, history: [] };
  let model: tf.LayersModel;
  let bestWeights: tf.Tensor[] | undefined;
  const checkpoint = await readCheckpoint(L.model(job.model));
  if (checkpoint) {
    ({ state, model, best: bestWeights } = checkpoint);
    await optimizer.setWeights(checkpoint.optimizer);
  } else {
    model = freshModel(job);
  }
  const params = model.countParams();
  send({ type: 'started', model: job.model, pid: process.pid, backend: backend.name, backendNote: describeBackend(backend), resumedFromEpoch: state.epochsDone, params, device: deviceLabel(backend) });

  let epochStart = performance.now();
  const result = await trainLoop(model, train, val, {
    epochs: job.epochs,
    batch: job.batch,
    classes: job.classes,
    seed: deriveSeed(job.seed, job.model),
    startEpoch: state.epochsDone,
    optimizer,
    classWeights: job.classWeight === 'balanced' ? balancedClassWeights(train.y, job.classes) : undefined,
    select: job.select,
    patience: job.patience,
    best: state.best,
    shouldStop,
    predictBatch: device.predictBatch,
    onBatch: (p) => send({ type: 'progress', model: job.model, epochs: job.epochs, ...p }),
    onEpoch: async (summary, best) => {
      state.trainSeconds += (performance.now() - epochStart) / 1000;
      state.epochsDone = summary.epoch;
      state.history.push(summary);
      state.best = best;
      if (summary.best) {
        tf.dispose(bestWeights);
        bestWeights = model.getWeights().map((w) => w.clone());
      }
      send({ type: 'epoch', model: job.model, epochs: job.epochs, ...summary });
      await device.check();
      await writeCheckpoint(L.model(job.model), model, state, { optimizer: await optimizer.getWeights(), best: bestWeights });
      send({ type: 'checkpoint', model: job.model, epoch: summary.epoch });
      epochStart = performance.now();
    },
  });
  if (!result.finished) {
    send({ type: 'stopped', model: job.model });
    return;
  }
  // The model is the best epoch's, not the last one's.
  if (bestWeights) model.setWeights(bestWeights);

  // Outputs: the final model, and its probabilities on every split (the coarse model's inputs and the
  // evaluation's). The global model's train-split outputs are not needed by anything.
  await saveModel(model, L.model(job.model));
  const splits = job.role === 'local' ? SPLITS : (['val', 'test'] as SplitName[]);
  for (const split of splits) {
    const data = split === 'train' ? train : split === 'val' ? val : loadSplit(job, split, train.scaling);
    const probs = await predictProbs(model, data, job.classes, device.predictBatch);
    writeFileAtomic(L.probs(job.model, split), new Uint8Array(probs.buffer, probs.byteOffset, probs.byteLength));
  }
  await device.check();
  const trainedSamples = state.history.length * train.n;
  const done = {
    model: job.model,
    trainSeconds: state.trainSeconds,
    params,
    bestEpoch: state.best?.epoch,
    epochsRun: state.epochsDone,
    selectedBy: job.select,
    peakRssMB: peakRssMB(),
    samplesPerSecond: trainedSamples / Math.max(1e-9, state.trainSeconds),
    history: state.history,
    backend: backend.name,
    finishedAt: new Date().toISOString(),
  };
  writeFileAtomic(L.done(job.model), JSON.stringify(done, null, 1));
  send({ type: 'done', model: job.model, trainSeconds: done.trainSeconds, params, peakRssMB: done.peakRssMB, samplesPerSecond: done.samplesPerSecond, bestEpoch: done.bestEpoch, epochsRun: done.epochsRun });
}
