// The training settings a run resolves at creation (augmentation, schedule, regularisation, the coarse
// model's inputs), recorded in run.json so that a resume and the views see what ran. The defaults were
// chosen by measurement on validation data (see the README's "Training defaults").
import { augmentPreset, augments, type AugmentSettings } from '../engine/augment';
import { RUN_DEFAULTS, type RunConfig } from './run-config';

/** Below this many training cases the default batch is SMALL_SET_BATCH and the learning rate SMALL_SET_LEARNING_RATE. */
export const SMALL_TRAINING_SET = 5000;
/** From SMALL_TRAINING_SET cases on, the local models' default batch is this many times the default batch... */
export const LOCAL_BATCH_FACTOR = 2;
/** ...and from LARGE_TRAINING_SET cases on this many times (about 40 steps an epoch at batch 64 or more). */
export const LARGE_TRAINING_SET = 10_000;
export const LARGE_LOCAL_BATCH_FACTOR = 4;
export const SMALL_SET_BATCH = 16;
export const SMALL_SET_LEARNING_RATE = 0.003;
export const DEFAULT_FOLDS = 3;

/** Fills in the defaults of the training settings, for a data set of `dims` spatial axes and nTrain training cases. */
export function resolveTrainingSettings(config: RunConfig, dims: number, nTrain: number): void {
  // Small training sets get more optimisation steps per epoch from a smaller batch, and a higher rate: on the
  // demo's validation split, batch 16 at 0.003 beat batch 64 at 0.001 and batch 16 at 0.001 (README).
  const defaultBatch = config.batch === undefined;
  config.batch ??= nTrain < SMALL_TRAINING_SET ? SMALL_SET_BATCH : RUN_DEFAULTS.batch;
  // A local model does about 1/N of the global model's work per sample, so at the same batch its steps are
  // N times shorter and their fixed costs (kernel calls, the optimizer's pass over the weights, the loss
  // read back) weigh N times more. With the batch the rate grows too (linear scaling). On MNIST 2x2 a local
  // model took 232 us per sample at batch 64, 199 at 128, and 8% less again at 256 (README); on 12,000
  // digits (2 epochs) the validation accuracy of the local models' mean and of the coarse model was
  // 79.60% / 93.92% at 64, 79.75% / 94.37% at 128, and 79.95% / 94.37% at 256 against 79.90% / 94.18% at
  // 128 in the same session. Small sets keep the batch: they need the steps; a set of 5,000 to 10,000 cases
  // gets only twice the batch, for about 40 steps an epoch. A batch the user chose applies to every
  // model, unless a local batch is given too.
  const factor = nTrain >= LARGE_TRAINING_SET ? LARGE_LOCAL_BATCH_FACTOR : nTrain >= SMALL_TRAINING_SET ? LOCAL_BATCH_FACTOR : 1;
  config.localBatch ??= defaultBatch ? factor * config.batch : config.batch;
  config.learningRate ??= nTrain < SMALL_TRAINING_SET ? SMALL_SET_LEARNING_RATE : RUN_DEFAULTS.learningRate;
  // By measurement on the validation splits (README): light augmentation lowered the coarse model's AUC on
  // the demo's volumes (0.810 to 0.765, 5 epochs) and on LIDC's (0.869 to 0.852, 15 epochs), and raised the
  // coarse model's accuracy on MNIST's images (95.03% to 95.62%, 12,000 digits, 3 epochs).
  config.augment ??= dims === 2 ? 'light' : 'none';
  config.schedule ??= 'cosine';
  config.warmup ??= config.schedule === 'cosine' ? 1 : 0;
  config.weightDecay ??= 0;
  config.dropout ??= 0;
  // Out-of-fold inputs gave the demo's coarse model a validation AUC of 0.769 against 0.767 for training-split
  // inputs at rate 0.001, and 0.769 against 0.810 at 0.003, for three times the local models' training.
  config.coarseInputs ??= 'train';
  if (config.coarseInputs === 'out-of-fold') config.folds ??= DEFAULT_FOLDS;
  if (config.flip?.includes('z') && dims !== 3) throw new Error(`--flip z needs volumes; ${config.data} is 2D (flip x or y)`);
  if (config.rotate && dims !== 2) throw new Error(`--rotate is for 2D images; ${config.data} is 3D (rotations of volumes are not offered)`);
}

/** The local models' learning rate: the run's, scaled with their batch (linear scaling). */
export function localLearningRate(config: RunConfig): number {
  const rate = config.learningRate ?? RUN_DEFAULTS.learningRate;
  return config.localBatch === undefined ? rate : (rate * config.localBatch) / (config.batch ?? RUN_DEFAULTS.batch);
}

/** The spatial axis of a named flip axis: x is the last (width), y the one before, z the first of a volume. */
function flipAxis(name: 'x' | 'y' | 'z', dims: number): number {
  return name === 'x' ? dims - 1 : name === 'y' ? dims - 2 : 0;
}

/** The augmentation a run's models train with: its preset with the run's switches applied; undefined for none. */
export function augmentSettingsOf(config: RunConfig, dims: number): AugmentSettings | undefined {
  const p = augmentPreset(config.augment ?? 'none', dims);
  const s: AugmentSettings = {
    shift: config.shift ?? p.shift,
    flipAxes: config.flip ? config.flip.map((a) => flipAxis(a, dims)) : p.flipAxes,
    rotateDegrees: config.rotate ?? p.rotateDegrees,
    intensityJitter: config.intensityJitter ?? p.intensityJitter,
  };
  return augments(s) ? s : undefined;
}

/** The training settings of a resolved config, in one line of words, for the summary, Results and reports. */
export function describeTraining(config: RunConfig, dims: number): string {
  const a = augmentSettingsOf(config, dims);
  const axis = (i: number) => (i === dims - 1 ? 'x' : i === dims - 2 ? 'y' : 'z');
  const augmentation = a
    ? `augmentation ${config.augment} (shift up to ${a.shift} voxels${a.rotateDegrees ? `, rotation up to ${a.rotateDegrees} degrees` : ''}${a.flipAxes.length ? `, flips ${a.flipAxes.map(axis).join(',')}` : ''}${a.intensityJitter ? `, intensity jitter ${a.intensityJitter}` : ''})`
    : 'no augmentation';
  const schedule = config.schedule === 'cosine' ? `cosine learning rate from ${config.learningRate} (${config.warmup} warm-up epoch${config.warmup === 1 ? '' : 's'})` : config.schedule === 'plateau' ? `learning rate ${config.learningRate}, halved on plateaus` : `constant learning rate ${config.learningRate}`;
  const local = config.localBatch !== undefined && config.localBatch !== config.batch
    ? [`batch ${config.batch} (local models ${config.localBatch} at rate ${localLearningRate(config)})`] : [];
  const regular = [config.weightDecay ? `weight decay ${config.weightDecay}` : '', config.dropout ? `dropout ${config.dropout}` : ''].filter(Boolean);
  const select = config.select === 'last' ? 'the last epoch kept' : `best epoch by validation ${config.select === 'balanced-accuracy' ? 'balanced accuracy' : config.select}`;
  const coarse = config.coarseInputs === 'out-of-fold' ? `coarse model on out-of-fold outputs (${config.folds} folds)` : config.coarseInputs === 'validation' ? 'coarse model on the validation split' : "coarse model on the local models' training outputs";
  return [augmentation, schedule, ...local, ...regular, `class weights ${config.classWeight}`, select, coarse].join('; ');
}
