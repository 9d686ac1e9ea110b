// What one trainer process does: train one model (a local model on its subdomain crops, the global
// model on whole inputs, or the coarse model on the frozen local models' probabilities), checkpoint
// every epoch, and write the model and its predicted probabilities into the run folder.
import * as tf from '@tensorflow/tfjs';
import { adam } from '../engine/adam';
import { initBackend, describeBackend, type BackendInfo } from '../engine/backend';
import { buildCoarseModel, buildModel } from '../engine/model-builder';
import { saveModel, writeFileAtomic } from '../engine/model-io';
import { predictProbs, trainLoop } from '../engine/train-loop';
import { balancedClassWeights } from '../engine/train-step';
import { guardDevice, type DeviceGuard } from '../engine/device-limits';
import { deviceLabel } from '../engine/gpu-devices';
import { modelCost, type ModelCost } from '../engine/architecture';
import { deriveSeed } from '../engine/random';
import { readCacheManifest } from '../data/cache';
import type { SplitName } from '../engine/types';
import type { FromTrainer, TrainerJob } from './protocol';
import { readCheckpoint, writeCheckpoint, type CheckpointState } from './checkpoint';
import { loadSplit, loadTraining } from './trainer-inputs';
import { runLayout } from './layout';
import { peakRssMB } from '../data/peak-memory';

const SPLITS: SplitName[] = ['train', 'val', 'test'];

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
  const optimizer = adam(job.learningRate);

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
    // The kept weights' validation outputs were computed in the best epoch's validation pass (unless that
    // epoch ran before a resume, or the last epoch is kept instead): no need to predict them twice.
    const reuse = split === 'val' && !keepsLast ? result.bestValProbs : undefined;
    const data = split === 'train' ? (training.heldOut ?? training.all) : split === 'val' ? val : loadSplit(job, split, training.all.scaling);
    const probs = reuse ?? (await predictProbs(model, data, job.classes, device.predictBatch));
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
  // The process may train another model next (local-executor.ts): nothing of this one stays on its heap.
  tf.dispose(bestWeights);
  model.dispose();
  optimizer.dispose();
  send({ type: 'done', model: job.model, trainSeconds: done.trainSeconds, params, peakRssMB: done.peakRssMB, samplesPerSecond: done.samplesPerSecond, bestEpoch: done.bestEpoch, epochsRun: done.epochsRun });
}
