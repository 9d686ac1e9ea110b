// The settings of a run, as given on the command line or in the app, validated in one place.
import { z } from 'zod';

/** Where the trainers run: processes of this machine (the default), or jobs of a Slurm cluster. */
export const slurmSettingsSchema = z.strictObject({
  partition: z.string().regex(/^[\w.,-]{1,128}$/, 'a Slurm partition name').optional(),
  account: z.string().regex(/^[\w.-]{1,128}$/, 'a Slurm account name').optional(),
  /** GPUs of each trainer's job (--gres=gpu:n); Slurm sets its CUDA_VISIBLE_DEVICES. */
  gpusPerModel: z.number().int().min(0).max(64).optional(),
  cpusPerModel: z.number().int().min(1).max(1024).optional(),
  /** Memory of each trainer's job, as sbatch --mem takes it (4G, 1500M). */
  memPerModel: z.string().regex(/^\d+[KMGT]?$/i, 'a size such as 4G or 1500M').optional(),
  /** Wall-time limit of each trainer's job, as sbatch --time takes it (30, 1:30:00, 2-00:00:00). */
  timeLimit: z.string().regex(/^[\d:-]+$/, 'minutes, or [days-]hours:minutes:seconds').optional(),
  /** Further sbatch arguments, given to every job as they are (e.g. --qos=short). */
  sbatchArgs: z.array(z.string().min(1).max(512)).max(32).optional(),
  /** How long the shared-filesystem probe may take before the run is refused (default 120 s). */
  probeSeconds: z.number().positive().optional(),
});
export type SlurmSettings = z.infer<typeof slurmSettingsSchema>;

export const executorConfigSchema = z.discriminatedUnion('kind', [z.strictObject({ kind: z.literal('local') }), slurmSettingsSchema.extend({ kind: z.literal('slurm') })]);
export type ExecutorConfig = z.infer<typeof executorConfigSchema>;

export const runConfigSchema = z.object({
  /** 'mnist', 'demo', a path to an .npz file, or a folder / .csv of scans to import. */
  data: z.string().min(1),
  /** nx, ny(, nz); by default 2x2 for images and 2x2x2 for volumes. */
  grid: z.array(z.number().int().positive()).min(2).max(3).optional(),
  overlap: z.number().int().nonnegative(),
  family: z.enum(['vgg', 'resnet']),
  /** Base width of the global model; local widths follow the rule in engine/architecture.ts. */
  width: z.number().int().positive().optional(),
  epochs: z.number().int().positive(),
  coarseEpochs: z.number().int().positive().optional(),
  /** Default: 16 below 5,000 training cases (more steps per epoch for small sets), else 64. */
  batch: z.number().int().positive().optional(),
  /** Adam's (peak) learning rate; default 0.003 below 5,000 training cases, else 0.001. */
  learningRate: z.number().positive().optional(),
  /**
   * Batch of the local (and fold) models, which train at learningRate * localBatch / batch; default: twice the
   * default batch from 5,000 training cases on, else the batch (runs made before this setting: the batch).
   */
  localBatch: z.number().int().positive().optional(),
  seed: z.number().int(),
  global: z.boolean(),
  workers: z.number().int().positive().optional(),
  /** At most this many training cases (stratified). */
  limit: z.number().int().positive().optional(),
  limitTest: z.number().int().positive().optional(),
  /** Resample every input to this spatial shape ([H,W] or [D,H,W]). */
  shape: z.array(z.number().int().positive()).min(2).max(3).optional(),
  /** Imported scans: intensity window [low, high] of the recipe (default: HU -1000..400, or the data's range). */
  window: z.tuple([z.number(), z.number()]).optional(),
  /** Imported scans: target voxel size in mm, in the order of shape (then crop/pad to shape). */
  spacing: z.array(z.number().positive()).min(2).max(3).optional(),
  backend: z.string().optional(),
  /**
   * 'balanced' weights every class's loss by n / (K * n_c) of the training split, for every model (the coarse
   * model too); default: balanced when the largest class has more than 1.5 times the cases of the smallest.
   */
  classWeight: z.enum(['balanced', 'none']).optional(),
  /** The validation criterion that picks the epoch whose weights each model keeps (default: loss). */
  select: z.enum(['loss', 'auc', 'balanced-accuracy', 'last']).optional(),
  /** Early stopping: stop a model after this many epochs without improvement of the criterion. */
  patience: z.number().int().positive().optional(),
  /**
   * Augmentation of the training inputs: a preset (default light for 2D images, none for volumes; chosen by measurement) and the switches that
   * override it. Flip axes are named x (width; left-right in axial CT), y
   * (height), z (slices of a volume).
   */
  augment: z.enum(['none', 'light', 'strong']).optional(),
  flip: z.array(z.enum(['x', 'y', 'z'])).optional(),
  shift: z.number().int().min(0).max(64).optional(),
  rotate: z.number().min(0).max(90).optional(),
  intensityJitter: z.number().min(0).max(1).optional(),
  /** Learning-rate schedule of the local and global models (default cosine, with `warmup` epochs of warm-up). */
  schedule: z.enum(['constant', 'cosine', 'plateau']).optional(),
  warmup: z.number().min(0).optional(),
  /** AdamW-style decoupled weight decay (default 0). */
  weightDecay: z.number().min(0).max(1).optional(),
  /** Dropout before each local and global model's softmax head (default 0). */
  dropout: z.number().min(0).max(0.9).optional(),
  /** What the coarse model trains on (see the trainer protocol); out-of-fold trains `folds` copies of each local model. */
  coarseInputs: z.enum(['train', 'validation', 'out-of-fold']).optional(),
  folds: z.number().int().min(2).max(10).optional(),
  /** Two classes: the class that sensitivity, specificity and AUC refer to (default: the training split's minority class). */
  positive: z.string().min(1).optional(),
  /** Local processes when absent. */
  executor: executorConfigSchema.optional(),
  /**
   * The follow-up paper's variants, trained after the CNN-DNN (runs/coherent-stage.ts): 'coherent' (local
   * models and coarse model as one model, trained end to end, model-parallel) and 'transfer' (the same,
   * initialised from this run's trained local and coarse models). Each has its own epochs and learning rate.
   */
  variants: z.array(z.enum(['coherent', 'transfer'])).optional(),
  coherentEpochs: z.number().int().positive().optional(),
  coherentLearningRate: z.number().positive().optional(),
  transferEpochs: z.number().int().positive().optional(),
  transferLearningRate: z.number().positive().optional(),
});
export type RunConfig = z.infer<typeof runConfigSchema>;

export const DEFAULT_WIDTH_2D = 16;
export const DEFAULT_WIDTH_3D = 8;

/** Defaults shared by the CLI and the app, so that both train the same run from the same few choices. */
export const RUN_DEFAULTS = { overlap: 2, family: 'vgg', epochs: 5, batch: 64, learningRate: 0.001, seed: 1 } as const;
