// The training settings a run resolves at creation (augmentation, schedule, regularisation, the coarse
// model's inputs), recorded in run.json so that a resume and the views see what ran. The defaults were
// chosen by measurement on validation data (see the README's "Training defaults").
import { augmentPreset, augments, type AugmentSettings } from '../engine/augment';
import type { RunConfig } from './run-config';

/** Out-of-fold coarse inputs by default below this many training cases (above it, fold models cost too much for what they bring). */
export const OUT_OF_FOLD_BELOW = 5000;
export const DEFAULT_FOLDS = 3;

/** Fills in the defaults of the training settings, for a data set of `dims` spatial axes and nTrain training cases. */
export function resolveTrainingSettings(config: RunConfig, dims: number, nTrain: number): void {
  // MNIST's digits are centred and size-normalised, and their classes depend on orientation.
  config.augment ??= config.data === 'mnist' ? 'none' : 'light';
  config.schedule ??= 'cosine';
  config.warmup ??= config.schedule === 'cosine' ? 1 : 0;
  config.weightDecay ??= 0;
  config.dropout ??= 0;
  config.coarseInputs ??= nTrain < OUT_OF_FOLD_BELOW ? 'out-of-fold' : 'train';
  if (config.coarseInputs === 'out-of-fold') config.folds ??= DEFAULT_FOLDS;
  if (config.flip?.includes('z') && dims !== 3) throw new Error(`--flip z needs volumes; ${config.data} is 2D (flip x or y)`);
  if (config.rotate && dims !== 2) throw new Error(`--rotate is for 2D images; ${config.data} is 3D (rotations of volumes are not offered)`);
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
