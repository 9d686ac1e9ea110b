// The settings of a run, as given on the command line or in the app, validated in one place.
import { z } from 'zod';

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
  batch: z.number().int().positive(),
  learningRate: z.number().positive(),
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
  select: z.enum(['loss', 'auc', 'balanced-accuracy']).optional(),
  /** Early stopping: stop a model after this many epochs without improvement of the criterion. */
  patience: z.number().int().positive().optional(),
  /** Two classes: the class that sensitivity, specificity and AUC refer to (default: the training split's minority class). */
  positive: z.string().min(1).optional(),
});
export type RunConfig = z.infer<typeof runConfigSchema>;

export const DEFAULT_WIDTH_2D = 16;
export const DEFAULT_WIDTH_3D = 8;

/** Defaults shared by the CLI and the app, so that both train the same run from the same few choices. */
export const RUN_DEFAULTS = { overlap: 2, family: 'vgg', epochs: 5, batch: 64, learningRate: 0.001, seed: 1 } as const;
