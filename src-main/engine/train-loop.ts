// The training loop of one model: seeded shuffles, mini-batches copied from typed arrays, per-batch
// progress, a validation pass and a checkpoint hook after every epoch, and a stop flag checked
// between batches.
import * as tf from '@tensorflow/tfjs';
import { seededPermutation } from './random';
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
  shouldStop: () => boolean;
  onBatch: (p: BatchProgress) => void;
  onEpoch: (s: EpochSummary) => Promise<void>;
}

function sampleSize(d: ArrayData): number {
  return d.sampleShape.reduce((a, b) => a * b, 1);
}

/** Copies samples idx[from..to) into one batch tensor pair (inputs, one-hot labels). */
function makeBatch(d: ArrayData, idx: ArrayLike<number>, from: number, to: number, classes: number): [tf.Tensor, tf.Tensor] {
  const size = sampleSize(d);
  const b = to - from;
  const xs = new Float32Array(b * size);
  const ys = new Float32Array(b * classes);
  for (let i = 0; i < b; i++) {
    const s = idx[from + i];
    xs.set(d.x.subarray(s * size, (s + 1) * size), i * size);
    ys[i * classes + d.y[s]] = 1;
  }
  return [tf.tensor(xs, [b, ...d.sampleShape]), tf.tensor2d(ys, [b, classes])];
}

/** Class probabilities of every sample (n x classes, row-major), predicted in batches. */
export function predictProbs(model: tf.LayersModel, d: ArrayData, classes: number, batch = 256): Float32Array {
  const size = sampleSize(d);
  const out = new Float32Array(d.n * classes);
  for (let from = 0; from < d.n; from += batch) {
    const to = Math.min(d.n, from + batch);
    const probs = tf.tidy(() => {
      const x = tf.tensor(d.x.subarray(from * size, to * size), [to - from, ...d.sampleShape]);
      return (model.predict(x) as tf.Tensor).dataSync() as Float32Array;
    });
    out.set(probs, from * classes);
  }
  return out;
}

/** Mean cross-entropy and accuracy of predicted probabilities. */
export function lossAndAccuracy(probs: Float32Array, y: Int32Array, classes: number): { loss: number; accuracy: number } {
  let loss = 0;
  let correct = 0;
  for (let i = 0; i < y.length; i++) {
    const row = probs.subarray(i * classes, (i + 1) * classes);
    loss -= Math.log(Math.max(row[y[i]], 1e-7));
    let best = 0;
    for (let c = 1; c < classes; c++) if (row[c] > row[best]) best = c;
    if (best === y[i]) correct++;
  }
  return { loss: loss / Math.max(1, y.length), accuracy: correct / Math.max(1, y.length) };
}

/** Trains `model` (compiled by the caller) and returns false if it was stopped before the last epoch. */
export async function trainLoop(model: tf.LayersModel, train: ArrayData, val: ArrayData, o: TrainLoopOptions): Promise<boolean> {
  const batches = Math.ceil(train.n / o.batch);
  const total = (o.epochs - o.startEpoch) * train.n;
  let seen = 0;
  const t0 = performance.now();
  let lastReport = 0;
  for (let epoch = o.startEpoch; epoch < o.epochs; epoch++) {
    const epochStart = performance.now();
    // The permutation depends only on the seed and the epoch, so a resumed run shuffles identically.
    const order = seededPermutation(train.n, `${o.seed}:${epoch}`);
    let lossSum = 0;
    let accSum = 0;
    let counted = 0;
    for (let b = 0; b < batches; b++) {
      if (o.shouldStop()) return false;
      const from = b * o.batch;
      const to = Math.min(train.n, from + o.batch);
      const [xs, ys] = makeBatch(train, order, from, to, o.classes);
      const result = (await model.trainOnBatch(xs, ys)) as number[];
      tf.dispose([xs, ys]);
      lossSum += result[0] * (to - from);
      accSum += result[1] * (to - from);
      counted += to - from;
      seen += to - from;
      const now = performance.now();
      if (now - lastReport > 250 || b === batches - 1) {
        lastReport = now;
        const rate = seen / ((now - t0) / 1000);
        o.onBatch({
          epoch,
          batch: b + 1,
          batches,
          loss: lossSum / counted,
          accuracy: accSum / counted,
          samplesPerSecond: rate,
          etaSeconds: (total - seen) / rate,
        });
        // Let the event loop turn: trainOnBatch's awaits are microtasks only, so without this a stop request
        // (an IPC message, or the SIGTERM of a cancelled or timed-out Slurm job) would wait for the last epoch.
        await new Promise((r) => setImmediate(r));
      }
    }
    const valMetrics = lossAndAccuracy(predictProbs(model, val, o.classes), val.y, o.classes);
    await o.onEpoch({
      epoch: epoch + 1,
      loss: lossSum / counted,
      accuracy: accSum / counted,
      valLoss: valMetrics.loss,
      valAccuracy: valMetrics.accuracy,
      seconds: (performance.now() - epochStart) / 1000,
    });
  }
  return true;
}
