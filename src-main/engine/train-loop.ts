// The training loop of one model: seeded shuffles, mini-batches copied from typed arrays, a (class-
// weighted) optimisation step per batch, per-batch progress, a validation pass after every epoch that
// names the best epoch so far (model selection, early stopping), a checkpoint hook, and a stop flag
// checked between batches. Every read of a tensor is
// asynchronous (`await data()`): on the webgpu backend dataSync() throws in Node, and elsewhere it would block
// the event loop for nothing.
import * as tf from '@tensorflow/tfjs';
import { seededPermutation } from './random';
import { trainStep, trainableVariables } from './train-step';
import { decayWeights, learningRateAt, setLearningRate, type Schedule } from './lr-schedule';
import { criterionValue, improves, patienceSpent, validationScores, type BestEpoch, type SelectionCriterion } from './model-selection';
import type { BatchProgress, EpochSummary } from './progress';

export type { BatchProgress, EpochSummary };

export interface ArrayData {
  /** n samples of sampleSize values each, one after another. */
  x: Float32Array;
  y: Int32Array;
  n: number;
  /** Shape of one sample as the model expects it (without the batch axis). */
  sampleShape: number[];
}

export interface TrainLoopOptions {
  epochs: number;
  batch: number;
  classes: number;
  seed: number;
  /** Epochs already done (resuming from a checkpoint). */
  startEpoch: number;
  optimizer: tf.Optimizer;
  /** Per-class weights of the loss (and of the validation loss); undefined: every class weighs 1. */
  classWeights?: number[];
  /** The validation criterion that picks the epoch whose weights are kept. */
  select: SelectionCriterion;
  /** Stop when the criterion has not improved for this many epochs. */
  patience?: number;
  /** The best epoch so far (resuming from a checkpoint). */
  best?: BestEpoch;
  /** The learning rate of every step (default: the optimizer's own, constant). */
  schedule?: Schedule;
  /** AdamW-style decoupled weight decay of the kernels, per unit of learning rate (0: none). */
  weightDecay?: number;
  /** The summaries of the epochs already done (resuming): reduce-on-plateau's rate follows from them. */
  history?: EpochSummary[];
  /**
   * Augmentation: writes training sample `index` as seen in `epoch` into dst at offset (sampleShape values).
   * When absent the samples are copied from train.x as they are.
   */
  fillSample?: (index: number, epoch: number, dst: Float32Array, offset: number) => void;
  shouldStop: () => boolean;
  /** Batch of the validation predictions (default 256); a GPU's buffer limits can require less. */
  predictBatch?: number;
  onBatch: (p: BatchProgress) => void;
  /** After every epoch, with whether it is the best so far: the caller keeps its weights and checkpoints. */
  onEpoch: (s: EpochSummary, best: BestEpoch) => Promise<void>;
}

export interface TrainLoopResult {
  /** False when it was stopped (a stop request) before its last epoch. */
  finished: boolean;
  /** The epoch whose weights the caller kept. */
  best?: BestEpoch;
  /** The epoch after which it stopped for want of improvement, if it did. */
  stoppedEarlyAt?: number;
  /**
   * The validation probabilities of the best epoch, when that epoch ran in this call: the outputs of the
   * kept weights on the validation split, so the caller need not predict them again.
   */
  bestValProbs?: Float32Array;
}

function sampleSize(d: ArrayData): number {
  return d.sampleShape.reduce((a, b) => a * b, 1);
}

/** Copies (or augments) samples idx[from..to) into one batch tensor pair (inputs, one-hot labels). */
function makeBatch(d: ArrayData, idx: ArrayLike<number>, from: number, to: number, classes: number, epoch: number, fill?: TrainLoopOptions['fillSample']): [tf.Tensor, tf.Tensor] {
  const size = sampleSize(d);
  const b = to - from;
  const xs = new Float32Array(b * size);
  const ys = new Float32Array(b * classes);
  for (let i = 0; i < b; i++) {
    const s = idx[from + i];
    if (fill) fill(s, epoch, xs, i * size);
    else xs.set(d.x.subarray(s * size, (s + 1) * size), i * size);
    ys[i * classes + d.y[s]] = 1;
  }
  return [tf.tensor(xs, [b, ...d.sampleShape]), tf.tensor2d(ys, [b, classes])];
}

/** Class probabilities of every sample (n x classes, row-major), predicted in batches and read asynchronously. */
export async function predictProbs(model: tf.LayersModel, d: ArrayData, classes: number, batch = 256): Promise<Float32Array> {
  const size = sampleSize(d);
  const out = new Float32Array(d.n * classes);
  for (let from = 0; from < d.n; from += batch) {
    const to = Math.min(d.n, from + batch);
    // batchSize: predict() would otherwise cut every batch into slices of 32 and concatenate their outputs
    // again (measured: 12% of a small local model's prediction time).
    const probs = tf.tidy(() => model.predict(tf.tensor(d.x.subarray(from * size, to * size), [to - from, ...d.sampleShape]), { batchSize: to - from }) as tf.Tensor);
    try {
      out.set((await probs.data()) as Float32Array, from * classes);
    } finally {
      probs.dispose();
    }
  }
  return out;
}

/** Trains `model` with its optimizer; the caller keeps the weights of the best epoch it is told of. */
export async function trainLoop(model: tf.LayersModel, train: ArrayData, val: ArrayData, o: TrainLoopOptions): Promise<TrainLoopResult> {
  const batches = Math.ceil(train.n / o.batch);
  const total = (o.epochs - o.startEpoch) * train.n;
  const classWeights = o.classWeights ? tf.tensor1d(o.classWeights) : undefined;
  let best = o.best;
  let bestValProbs: Float32Array | undefined;
  const history = [...(o.history ?? [])];
  const variables = trainableVariables(model);
  let seen = 0;
  const t0 = performance.now();
  let lastReport = 0;
  try {
    for (let epoch = o.startEpoch; epoch < o.epochs; epoch++) {
      if (patienceSpent(epoch, best, o.patience)) return { finished: true, best, stoppedEarlyAt: epoch, bestValProbs };
      const epochStart = performance.now();
      // The permutation depends only on the seed and the epoch, so a resumed run shuffles identically.
      const order = seededPermutation(train.n, `${o.seed}:${epoch}`);
      let lossSum = 0;
      let lastRate: number | undefined;
      let correct = 0;
      let counted = 0;
      for (let b = 0; b < batches; b++) {
        if (o.shouldStop()) return { finished: false, best };
        const from = b * o.batch;
        const to = Math.min(train.n, from + o.batch);
        const rate = o.schedule ? learningRateAt(o.schedule, epoch, b, batches, history) : undefined;
        if (rate !== undefined) setLearningRate(o.optimizer, rate);
        lastRate = rate;
        const [xs, ys] = makeBatch(train, order, from, to, o.classes, epoch, o.fillSample);
        const step = await trainStep(model, o.optimizer, xs, ys, classWeights);
        tf.dispose([xs, ys]);
        if (o.weightDecay && rate !== undefined) decayWeights(variables, rate, o.weightDecay);
        lossSum += step.loss * (to - from);
        correct += step.correct;
        counted += to - from;
        seen += to - from;
        const now = performance.now();
        if (now - lastReport > 250 || b === batches - 1) {
          lastReport = now;
          const perSecond = seen / ((now - t0) / 1000);
          o.onBatch({ epoch, batch: b + 1, batches, loss: lossSum / counted, accuracy: correct / counted, samplesPerSecond: perSecond, etaSeconds: (total - seen) / perSecond });
          // Let the event loop turn: a training step's awaits are mostly microtasks, so without this a stop
          // request (an IPC message, or the SIGTERM of a cancelled or timed-out Slurm job) would wait for the epoch's end.
          await new Promise((r) => setImmediate(r));
        }
      }
      const valProbs = await predictProbs(model, val, o.classes, o.predictBatch);
      const v = validationScores(valProbs, val.y, o.classes, o.classWeights);
      const value = criterionValue(v, o.select, epoch + 1);
      const isBest = improves(value, best);
      if (isBest) {
        best = { epoch: epoch + 1, value };
        bestValProbs = valProbs;
      }
      const summary: EpochSummary = {
          epoch: epoch + 1,
          loss: lossSum / counted,
          accuracy: correct / counted,
          valLoss: v.loss,
          valAccuracy: v.accuracy,
          valBalancedAccuracy: v.balancedAccuracy,
          ...(v.auc === undefined ? {} : { valAuc: v.auc }),
          best: isBest,
          seconds: (performance.now() - epochStart) / 1000,
          ...(lastRate === undefined ? {} : { learningRate: lastRate }),
        };
      history.push(summary);
      await o.onEpoch(summary, best!);
    }
    return { finished: true, best, bestValProbs };
  } finally {
    classWeights?.dispose();
  }
}
