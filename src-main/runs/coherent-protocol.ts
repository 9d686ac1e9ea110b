// Messages between the coordinator of a model-parallel coherent stage (coherent-parallel.ts, in the
// orchestrator's process) and the processes of its parts: one per branch (local model) and one for the
// coarse model. They travel over the trainer processes' own channel (trainer-entry.ts hands a process
// that receives `coherent-start` to coherent-part.ts), so every launcher (fork, Electron utility process)
// serves the coherent stage unchanged. Arrays travel as Float32Arrays (structured clone).
import { z } from 'zod';
import { trainerJobSchema } from './protocol';
import type { ValidationScores } from '../engine/model-selection';

/** The variants of the follow-up paper a run can add: trained from scratch, or initialised from the run's CNN-DNN. */
export const COHERENT_VARIANTS = ['coherent', 'transfer'] as const;
export type CoherentVariant = (typeof COHERENT_VARIANTS)[number];

// The fields a part's job shares with a trainer's job take their rules from the trainer's schema.
export const coherentPartJobSchema = trainerJobSchema.pick({ runDir: true, cacheDir: true, box: true, arch: true, classes: true, batch: true, learningRate: true, seed: true, backend: true, classWeight: true, select: true }).extend({
  variant: z.enum(COHERENT_VARIANTS),
  /** local-<i> (a branch) or coarse. */
  part: z.string().regex(/^(coarse|local-\d+)$/),
  /** Branches of the model (the coarse part's inputs are subdomains x classes). */
  subdomains: z.number().int().positive(),
  hidden: z.number().int().positive(),
  /** 'fresh': seeded new weights; 'run': the run's finished local and coarse models (transfer learning). */
  init: z.enum(['fresh', 'run']),
  /** Resume from the part's checkpoint of this epoch (the stage's last common checkpoint); 0: start. */
  startEpoch: z.number().int().nonnegative(),
});
export type CoherentPartJob = z.infer<typeof coherentPartJobSchema>;

export type ToCoherentPart =
  | { type: 'coherent-start'; job: CoherentPartJob }
  /** Branch: forward pass on batch `batch` of epoch `epoch` of the shared order. */
  | { type: 'forward'; epoch: number; batch: number }
  /** Branch: back-propagate dL/d(outputs) of the last forward batch (B x K) and step. */
  | { type: 'backward'; grad: Float32Array }
  /** Coarse: loss, step and output gradients of that batch, from the branches' outputs in branch order. */
  | { type: 'coarse-step'; epoch: number; batch: number; outputs: Float32Array[] }
  /** Branch: its probabilities on a whole split. */
  | { type: 'predict'; split: 'val' | 'test' }
  /** Coarse: the coherent model's validation scores from the branches' validation outputs. */
  | { type: 'validate'; outputs: Float32Array[] }
  /** Coarse: the coherent model's probabilities on a split from the branches' outputs. */
  | { type: 'coarse-predict'; outputs: Float32Array[] }
  /** Every part: write its checkpoint of epoch `epoch` (with the best weights when this epoch is the best). */
  | { type: 'checkpoint'; epoch: number; isBest: boolean }
  /** Every part: take the best epoch's weights and save the part's model. */
  | { type: 'finish' }
  /** Every part: its current weights (tests compare them with the single-process reference). */
  | { type: 'weights' }
  | { type: 'stop' };

export type FromCoherentPart =
  | { type: 'ready'; part: string; pid: number; params: number; backend: string }
  | { type: 'outputs'; part: string; data: Float32Array }
  | { type: 'stepped'; part: string }
  | { type: 'coarse-stepped'; part: string; loss: number; correct: number; grads: Float32Array[] }
  | { type: 'predicted'; part: string; data: Float32Array }
  | { type: 'validated'; part: string; scores: ValidationScores }
  | { type: 'checkpointed'; part: string; epoch: number }
  | { type: 'finished'; part: string }
  | { type: 'weights'; part: string; data: Float32Array[] }
  | { type: 'error'; part: string; message: string };

/** Where a coherent variant keeps its files: models/<variant>/ with one folder per part and the common checkpoint. */
export const coherentLayout = (runDir: string, variant: CoherentVariant) => {
  const root = `${runDir}/models/${variant}`;
  return {
    root,
    /** The final model of a part (best epoch). */
    part: (part: string) => `${root}/${part}`,
    /** The part's checkpoint of one epoch; kept until every part has a newer one. */
    partCheckpoint: (part: string, epoch: number) => `${root}/checkpoints/epoch-${epoch}/${part}`,
    checkpoints: `${root}/checkpoints`,
    /** The last epoch every part checkpointed (the coordinator writes it once all have). */
    common: `${root}/common.json`,
    /** The coherent model's test probabilities, and each branch's (for the inspection views). */
    probs: `${root}/probs-test.f32`,
    branchProbs: (part: string) => `${root}/${part}/probs-test.f32`,
    done: `${root}/done.json`,
    log: (part: string) => `${runDir}/logs/${variant}-${part}.log`,
  };
};
