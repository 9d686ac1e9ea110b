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
import { augmentCropInto, augmentRegion, sampleTransform, type RegionData } from '../engine/augment';
import { foldAssignment, foldIndices } from '../engine/folds';
import { readCachedSplit, readCacheManifest } from '../data/cache';
import type { SplitName } from '../engine/types';
import type { FromTrainer, TrainerJob } from './protocol';
import { readCheckpoint, writeCheckpoint, type CheckpointState } from './checkpoint';
import { readF32, runLayout } from './layout';
import { peakRssMB } from '../data/peak-memory';

const SPLITS: SplitName[] = ['train', 'val', 'test'];

/** The training split's local probabilities of one local model, each case from the fold model that did not train on it. */
function outOfFoldProbs(job: TrainerJob, local: string, labels: number[]): Float32Array {
  const L = runLayout(job.runDir);
  const k = job.fold?.k ?? foldCountOf(job);
  const fold = foldAssignment(labels, k, job.seed);
  const out = new Float32Array(labels.length * job.classes);
  for (let f = 0; f < k; f++) {
    const rows = foldIndices(fold, f, true);
    const probs = readF32(L.probs(`${local}-fold-${f}`, 'train'));
    if (probs.length !== rows.length * job.classes) throw new Error(`${L.probs(`${local}-fold-${f}`, 'train')}: ${probs.length} values, expected ${rows.length} cases x ${job.classes} classes`);
    rows.forEach((r, i) => out.set(probs.subarray(i * job.classes, (i + 1) * job.classes), r * job.classes));
  }
  return out;
}

/** How many folds the run's fold models use: the coarse job learns it from the fold models' folders. */
function foldCountOf(job: TrainerJob): number {
  const local = job.coarse!.locals[0];
  const L = runLayout(job.runDir);
  let k = 0;
  while (fs.existsSync(L.probs(`${local}-fold-${k}`, 'train'))) k++;
  if (k < 2) throw new Error(`out-of-fold coarse inputs: the fold models' outputs of ${local} are missing in ${L.model(`${local}-fold-0`)}`);
  return k;
}

/**
 * The coarse model's inputs of one split. Its training inputs are the local models' outputs on the training
 * split, their out-of-fold outputs, or their outputs on the validation split (by job.coarseInputs). The
 * feature scaling is fitted on the training inputs (the first loaded) and written next to the model, so that
 * predict applies the identical one.
 */
function loadCoarseSplit(job: TrainerJob, split: SplitName, scaling?: CoarseFeatureScaling): ArrayData & { scaling: CoarseFeatureScaling } {
  const L = runLayout(job.runDir);
  const from: SplitName = split === 'train' && job.coarseInputs === 'validation' ? 'val' : split;
  const labels = readCacheManifest(job.cacheDir).splits[from].labels;
  const n = labels.length;
  const width = job.coarse!.locals.length * job.classes;
  const outOfFold = split === 'train' && job.coarseInputs === 'out-of-fold';
  const perLocal = job.coarse!.locals.map((name) => (outOfFold ? outOfFoldProbs(job, name, labels) : readF32(L.probs(name, from))));
  const concat = concatLocalProbs(perLocal, n, job.classes);
  if (!scaling) {
    scaling = fitCoarseScaling(concat, width);
    fs.mkdirSync(L.model(job.model), { recursive: true });
    writeFileAtomic(L.coarseScaling, JSON.stringify(scaling));
  }
  return { x: coarseFeatures(concat, scaling), y: Int32Array.from(labels), n, sampleShape: [width], scaling };
}

/** The subdomain box a model reads (undefined: the whole input). */
const boxOf = (job: TrainerJob) => (job.role === 'local' || job.role === 'fold' ? job.box : undefined);

function loadSplit(job: TrainerJob, split: SplitName, scaling?: CoarseFeatureScaling): ArrayData & { scaling?: CoarseFeatureScaling } {
  if (job.role === 'coarse') return loadCoarseSplit(job, split, scaling);
  const s = readCachedSplit(job.cacheDir, split, boxOf(job));
  return { x: s.x, y: s.y, n: s.n, sampleShape: [...s.shape, s.channels] };
}

/** The rows `rows` of a data set, in that order. */
function selectRows(d: ArrayData, rows: number[]): ArrayData {
  const size = d.sampleShape.reduce((a, b) => a * b, 1);
  const x = new Float32Array(rows.length * size);
  rows.forEach((r, i) => x.set(d.x.subarray(r * size, (r + 1) * size), i * size));
  return { x, y: Int32Array.from(rows, (r) => d.y[r]), n: rows.length, sampleShape: d.sampleShape };
}

/**
 * The training inputs of a model: the split's crops (unchanged: what its final predictions are made on), the
 * rows it trains on (a fold model leaves its fold out), and, with augmentation, the function that writes a
 * case as seen in an epoch: cropped out of the whole input moved the same way for every model, so it reads
 * the part of the input around its box that a shift or rotation can bring in.
 */
interface TrainingInputs {
  all: ArrayData & { scaling?: CoarseFeatureScaling };
  train: ArrayData;
  /** A fold model: the cases of the fold it leaves out (and predicts). */
  heldOut?: ArrayData;
  fill?: (index: number, epoch: number, dst: Float32Array, offset: number) => void;
}

function loadTraining(job: TrainerJob): TrainingInputs {
  const all = loadSplit(job, 'train');
  const folds = job.fold && foldAssignment(all.y, job.fold.k, job.seed);
  const rows = folds ? foldIndices(folds, job.fold!.index, false) : undefined;
  const heldOut = folds ? selectRows(all, foldIndices(folds, job.fold!.index, true)) : undefined;
  const train = rows ? selectRows(all, rows) : all;
  if (job.role === 'coarse' || !job.augment) return { all, train, heldOut };
  const manifest = readCacheManifest(job.cacheDir);
  const shape = manifest.spatialShape;
  const box = boxOf(job) ?? { start: shape.map(() => 0), end: shape.slice() };
  const region = augmentRegion(job.augment, box, shape);
  const source: RegionData = { x: readCachedSplit(job.cacheDir, 'train', region).x, region, shape, channels: manifest.channels };
  const settings = job.augment;
  const fill = (index: number, epoch: number, dst: Float32Array, offset: number) => {
    const original = rows ? rows[index] : index;
    augmentCropInto(source, original, box, sampleTransform(settings, shape.length, job.seed, epoch, original), dst, offset);
  };
  return { all, train, heldOut, fill };
}

function freshModel(job: TrainerJob): tf.LayersModel {
  const seed = deriveSeed(job.seed, job.model);
  if (job.role === 'coarse') return buildCoarseModel(job.coarse!.locals.length * job.classes, job.coarse!.hidden, job.classes, seed);
  return buildModel(job.arch!, seed, { dropout: job.dropout });
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
  const training = loadTraining(job);
  const { train } = training;
  const val = loadSplit(job, 'val', training.all.scaling);
  // Trained on the validation split's outputs, the coarse model has no held-out data left to select an epoch
  // by: it keeps its last epoch.
  const keepsLast = job.role === 'coarse' && job.coarseInputs === 'validation';
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
    patience: keepsLast ? undefined : job.patience,
    best: state.best,
    schedule: { kind: job.schedule, base: job.learningRate, warmupEpochs: job.warmup, epochs: job.epochs },
    weightDecay: job.weightDecay,
    history: state.history,
    fillSample: training.fill,
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
  if (bestWeights && !keepsLast) model.setWeights(bestWeights);

  // Outputs: the final model, and its probabilities on every split (the coarse model's inputs and the
  // evaluation's). The global model's train-split outputs are not needed by anything.
  await saveModel(model, L.model(job.model));
  // A fold model predicts only the fold it left out (its probs-train.f32 holds those cases, in index order).
  const splits = job.role === 'fold' ? (['train'] as SplitName[]) : job.role === 'local' ? SPLITS : (['val', 'test'] as SplitName[]);
  for (const split of splits) {
    const data = split === 'train' ? (training.heldOut ?? training.all) : split === 'val' ? val : loadSplit(job, split, training.all.scaling);
    const probs = await predictProbs(model, data, job.classes, device.predictBatch);
    writeFileAtomic(L.probs(job.model, split), new Uint8Array(probs.buffer, probs.byteOffset, probs.byteLength));
  }
  await device.check();
  const trainedSamples = state.history.length * train.n;
  const done = {
    model: job.model,
    trainSeconds: state.trainSeconds,
    params,
    bestEpoch: keepsLast ? state.epochsDone : state.best?.epoch,
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
