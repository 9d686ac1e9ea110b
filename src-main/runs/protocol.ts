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
  model: z.string().regex(/^(global|coarse|local-\d+)$/),
  role: z.enum(['local', 'global', 'coarse']),
  box: boxSchema.optional(),
  arch: z.custom<Architecture>((v) => typeof v === 'object' && v !== null && Array.isArray((v as Architecture).layers)).optional(),
  coarse: z.object({ locals: z.array(z.string()).min(1), hidden: z.number().int().positive() }).optional(),
  classes: z.number().int().min(2),
  epochs: z.number().int().positive(),
  batch: z.number().int().positive(),
  learningRate: z.number().positive(),
  seed: z.number().int(),
  backend: z.string().optional(),
  /** 'balanced': the loss weights each class by n / (K * n_c) of the training split. */
  classWeight: z.enum(['balanced', 'none']).default('none'),
  /** The validation criterion whose best epoch's weights the model keeps. */
  select: z.enum(['loss', 'auc', 'balanced-accuracy']).default('loss'),
  /** Stop after this many epochs without improvement. */
  patience: z.number().int().positive().optional(),
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
