// Messages between the run orchestrator and its trainer processes (child_process or Electron utility
// processes). Every message carries the model name so that one handler serves all trainers.
import { z } from 'zod';
import type { Architecture } from '../engine/architecture';
import type { BatchProgress, EpochSummary } from '../engine/progress';

export type { BatchProgress, EpochSummary };

const boxSchema = z.object({ start: z.array(z.number().int().nonnegative()), end: z.array(z.number().int().positive()) });

export const trainerJobSchema = z.object({
  runDir: z.string().min(1),
  cacheDir: z.string().min(1),
  model: z.string().regex(/^(global|coarse|local-\d+(-fold-\d+)?)$/),
  /** 'fold': a local model trained without one fold of the training split, to predict that fold (out-of-fold inputs of the coarse model). */
  role: z.enum(['local', 'global', 'coarse', 'fold']),
  box: boxSchema.optional(),
  arch: z.custom<Architecture>((v) => typeof v === 'object' && v !== null && Array.isArray((v as Architecture).layers)).optional(),
  /** The coarse model: its local models, hidden units, and with out-of-fold inputs the folds of their fold models. */
  coarse: z.object({ locals: z.array(z.string()).min(1), hidden: z.number().int().positive(), folds: z.number().int().min(2).optional() }).optional(),
  classes: z.number().int().min(2),
  epochs: z.number().int().positive(),
  batch: z.number().int().positive(),
  learningRate: z.number().positive(),
  seed: z.number().int(),
  backend: z.string().optional(),
  /** 'balanced': the loss weights each class by n / (K * n_c) of the training split. */
  classWeight: z.enum(['balanced', 'none']).default('none'),
  /** The validation criterion whose best epoch's weights the model keeps. */
  select: z.enum(['loss', 'auc', 'balanced-accuracy', 'last']).default('loss'),
  /** Stop after this many epochs without improvement. */
  patience: z.number().int().positive().optional(),
  /** Augmentation of the training inputs (local and global models), defined on the whole input. */
  augment: z
    .object({ shift: z.number().int().nonnegative(), flipAxes: z.array(z.number().int().nonnegative()), rotateDegrees: z.number().nonnegative(), intensityJitter: z.number().nonnegative() })
    .optional(),
  schedule: z.enum(['constant', 'cosine', 'plateau']).default('constant'),
  /** Cosine: epochs of warm-up. */
  warmup: z.number().nonnegative().default(0),
  weightDecay: z.number().nonnegative().default(0),
  dropout: z.number().min(0).max(0.9).default(0),
  /** A fold model: which fold of how many it leaves out (and predicts). */
  fold: z.object({ k: z.number().int().min(2), index: z.number().int().nonnegative() }).optional(),
  /**
   * The coarse model's training inputs: the local models' outputs on the training split, on the validation
   * split, or the fold models' out-of-fold outputs on the training split.
   */
  coarseInputs: z.enum(['train', 'validation', 'out-of-fold']).default('train'),
});
export type TrainerJob = z.infer<typeof trainerJobSchema>;

export type ToTrainer = { type: 'start'; job: TrainerJob } | { type: 'stop' };

export type FromTrainer =
  | { type: 'started'; model: string; pid: number; backend: string; backendNote: string; resumedFromEpoch: number; params: number; device?: string; host?: string; cudaVisibleDevices?: string }
  | ({ type: 'progress'; model: string; epochs: number } & BatchProgress)
  | ({ type: 'epoch'; model: string; epochs: number } & EpochSummary)
  | { type: 'checkpoint'; model: string; epoch: number }
  | { type: 'done'; model: string; trainSeconds: number; params: number; peakRssMB: number; samplesPerSecond: number; bestEpoch?: number; epochsRun: number }
  | { type: 'stopped'; model: string }
  | { type: 'error'; model: string; message: string };
