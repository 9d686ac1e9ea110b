// The settings of the next run, chosen across two views: the decomposition (Decomposition view) and the
// training settings (the form in the Training view). Defaults are the CLI's (src-main/runs/run-config.ts
// RUN_DEFAULTS); what is left empty is resolved when the run is created (src-main/runs/training-settings.ts),
// so the app and `ddcnn train` train the same run from the same few choices.
import type { DatasetView, ExecutorSettingsView, TrainStartRequest } from '../../src-main/api/contract';
import { EMPTY_CLUSTER, executorFromFields, fieldsFromExecutor, type ClusterFields, type RunOn } from './executor-fields';

export type Family = 'vgg' | 'resnet';

/** The grid fitted to a rank: 2 entries (nx, ny) for images, 3 (nx, ny, nz) for volumes. */
export function gridForRank(grid: number[], rank: number): number[] {
  const out = grid.slice(0, rank);
  while (out.length < rank) out.push(2);
  return out;
}

/** A positive whole number from a form field, or undefined when it is empty or not one. */
export function wholeNumber(v: unknown): number | undefined {
  const n = typeof v === 'number' ? v : typeof v === 'string' && v.trim() !== '' ? Number(v) : Number.NaN;
  return Number.isInteger(n) && n > 0 ? n : undefined;
}

class RunSettings {
  grid = $state<number[]>([2, 2, 2]);
  overlap = $state(2);
  family = $state<Family>('vgg');
  /** The global model's base width; empty for the default (16 for images, 8 for volumes). */
  width = $state<number | null>(null);
  epochs = $state(5);
  /** Empty for the default (16 below 5,000 training cases, else 64). */
  batch = $state<number | null>(null);
  /** Empty for the default (0.003 below 5,000 training cases, else 0.001). */
  learningRate = $state<number | null>(null);
  seed = $state(1);
  /** Trainer processes at a time; empty for the default (every core, or one per GPU). */
  workers = $state<number | null>(null);
  /** At most this many training cases (stratified); empty for all. */
  limit = $state<number | null>(null);
  global = $state(true);
  /** The models' input shape ([H,W] or [D,H,W]): the data set's by default. */
  shape = $state<number[]>([28, 28, 28]);
  /** Imported scans: the recipe's intensity window [low, high] in the source's units; null for the default. */
  window = $state<[number, number] | null>(null);
  /** Two classes: the positive class of sensitivity, specificity and AUC; null for the default (the minority class). */
  positive = $state<string | null>(null);
  /** Class weighting of the loss; 'auto' for the default (balanced past a 1.5x imbalance). */
  classWeight = $state<'auto' | 'balanced' | 'none'>('auto');
  /** The validation criterion whose best epoch each model keeps. */
  select = $state<'loss' | 'auc' | 'balanced-accuracy' | 'last'>('loss');
  /** Early stopping after this many epochs without improvement; empty: train every epoch. */
  patience = $state<number | null>(null);
  /** The follow-up paper's variants, trained after the CNN-DNN (model-parallel, on this machine). */
  coherent = $state(false);
  transfer = $state(false);
  /** Augmentation preset ('auto': the default for the data), and the axes it may mirror. */
  augment = $state<'auto' | 'none' | 'light' | 'strong'>('auto');
  flip = $state<{ x: boolean; y: boolean; z: boolean }>({ x: false, y: false, z: false });
  /** Learning-rate schedule ('auto': cosine with warm-up), weight decay and dropout (empty: 0). */
  schedule = $state<'auto' | 'constant' | 'cosine' | 'plateau'>('auto');
  weightDecay = $state<number | null>(null);
  dropout = $state<number | null>(null);
  /** What the coarse model trains on ('auto': the local models' outputs on the training split). */
  coarseInputs = $state<'auto' | 'train' | 'out-of-fold' | 'validation'>('auto');
  /** The data set the shape and grid were last fitted to. */
  fittedTo = $state<string | null>(null);
  /** Where the trainers run: this machine, or a Slurm cluster with these job settings. */
  runOn = $state<RunOn>('local');
  cluster = $state<ClusterFields>({ ...EMPTY_CLUSTER });
  /** Whether the workspace's remembered executor settings were loaded (once per session). */
  executorLoaded = $state(false);

  /** The workspace's remembered choice (settings:executor), applied once. */
  rememberExecutor(cfg: ExecutorSettingsView): void {
    if (this.executorLoaded) return;
    this.executorLoaded = true;
    const { runOn, fields } = fieldsFromExecutor(cfg);
    this.runOn = runOn;
    this.cluster = fields;
  }

  /** Fits the grid's rank and the input shape to a newly inspected data set (once per data set). */
  fit(dataset: DatasetView): void {
    const key = `${dataset.source}\0${dataset.inputShape.join('x')}`;
    if (this.fittedTo === key) return;
    this.fittedTo = key;
    this.grid = gridForRank(this.grid, dataset.dims);
    this.shape = dataset.inputShape.slice();
    this.window = null;
    this.positive = null;
  }

  /** The train:start request for a data source, from these settings. */
  request(source: string, dataset: DatasetView | null, imported: boolean): TrainStartRequest {
    const req: TrainStartRequest = {
      data: source,
      grid: this.grid.map(Number),
      overlap: Number(this.overlap),
      family: this.family,
      epochs: Number(this.epochs),
      seed: Number(this.seed),
      global: this.global,
      executor: executorFromFields(this.runOn, this.cluster),
    };
    const width = wholeNumber(this.width);
    const workers = wholeNumber(this.workers);
    const limit = wholeNumber(this.limit);
    const rate = Number(this.learningRate);
    if (this.learningRate !== null && String(this.learningRate) !== '' && rate > 0) req.learningRate = rate;
    const batch = wholeNumber(this.batch);
    if (batch !== undefined) req.batch = batch;
    if (width !== undefined) req.width = width;
    if (workers !== undefined) req.workers = workers;
    if (limit !== undefined) req.limit = limit;
    // The shape only when it differs from the data set's own (an npz is resampled) or the source is imported.
    const shape = this.shape.map(Number);
    if (imported || (dataset && shape.join('x') !== dataset.inputShape.join('x'))) req.shape = shape;
    if (imported && this.window) req.window = [Number(this.window[0]), Number(this.window[1])];
    if (this.classWeight !== 'auto') req.classWeight = this.classWeight;
    // AUC needs two classes; a criterion the data set cannot have falls back to the default.
    if (this.select !== 'loss' && (this.select !== 'auc' || dataset?.classes.length === 2)) req.select = this.select;
    const patience = wholeNumber(this.patience);
    if (patience !== undefined) req.patience = patience;
    const variants = [...(this.coherent ? ['coherent' as const] : []), ...(this.transfer ? ['transfer' as const] : [])];
    if (variants.length) req.variants = variants;
    if (this.positive !== null && dataset?.classes.some((c) => c.name === this.positive)) req.positive = this.positive;
    if (this.augment !== 'auto') req.augment = this.augment;
    const flip = (['x', 'y', 'z'] as const).filter((a) => this.flip[a] && (a !== 'z' || this.grid.length === 3));
    if (flip.length) req.flip = flip;
    if (this.schedule !== 'auto') req.schedule = this.schedule;
    if (this.coarseInputs !== 'auto') req.coarseInputs = this.coarseInputs;
    const decay = Number(this.weightDecay);
    if (this.weightDecay !== null && decay > 0) req.weightDecay = decay;
    const dropout = Number(this.dropout);
    if (this.dropout !== null && dropout > 0) req.dropout = dropout;
    return req;
  }
}

export const runSettings = new RunSettings();
