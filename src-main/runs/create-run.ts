// Creating a run: load and split the data set, write the run's dataset cache once, lay out the
// decomposition and the models, and write run.json. Training is started separately (execute-run.ts),
// so that a created or interrupted run can always be (re)started from what is on disk.
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { describeTraining, resolveTrainingSettings } from './training-settings';
import * as tf from '@tensorflow/tfjs';
import { loadDataset } from '../data/load';
import { splitDataset } from '../data/split';
import { resampleDataset } from '../data/resample';
import { writeDatasetCache } from '../data/cache';
import { runConfigSchema, type RunConfig } from './run-config';
import { planModels } from './plan';
import { imbalance, IMBALANCE_FOR_WEIGHTS } from '../engine/train-step';
import { RUN_SCHEMA_VERSION, writeRunRecord, type ModelRecord, type RunRecord } from './run-record';
import { runLayout } from './layout';
import { newRunId } from './run-id';
import { findProjectRoot } from '../data/project-root';
import type { ImportProgress } from '../data/import/types';
import type { IntensityScaling } from '../engine/types';

/** The version of DD-CNN Studio that made a run, from its package.json (npm sets no variable under npx). */
function projectVersion(): string {
  return JSON.parse(fs.readFileSync(path.join(findProjectRoot(import.meta.url), 'package.json'), 'utf8')).version;
}

/**
 * The positive class of a two-class run: the one the user named, else the minority class of the training
 * split (the finding a screening model is for: hyperplasia, malignant), the second class on a tie.
 */
export function choosePositiveClass(classes: string[], trainLabels: ArrayLike<number>, named: string | undefined, data: string): string | undefined {
  if (classes.length !== 2) {
    if (named !== undefined) throw new Error(`--positive applies to two classes; ${data} has ${classes.length} (${classes.join(', ')})`);
    return undefined;
  }
  if (named !== undefined) {
    if (!classes.includes(named)) throw new Error(`--positive ${named} is not a class of ${data}: its classes are ${classes.join(', ')}`);
    return named;
  }
  const counts = [0, 0];
  for (let i = 0; i < trainLabels.length; i++) counts[trainLabels[i]]++;
  return counts[0] < counts[1] ? classes[0] : classes[1];
}

function describeScaling(s: IntensityScaling | undefined): string {
  if (!s) return 'stored values scaled to 0..1';
  return s.kind === 'uint8/255' ? 'stored uint8 values divided by 255' : `stored values v mapped to (v - ${s.min}) / (${s.max} - ${s.min}), the range of the whole file`;
}

export interface CreateRunOptions {
  /** Progress of importing scans (a folder or .csv data source), which may take minutes the first time. */
  onImportProgress?: (p: ImportProgress) => void;
}

export async function createRun(workspace: string, input: RunConfig, opts: CreateRunOptions = {}): Promise<string> {
  const config = runConfigSchema.parse(input);
  // Imported scans are preprocessed once, into the import cache, by the recipe: its shape is the run's
  // --shape, so they are not resampled a second time here.
  const loaded = await loadDataset(config.data, {
    workspace,
    recipe: { shape: config.shape, window: config.window, spacing: config.spacing },
    onProgress: opts.onImportProgress,
  });
  const recipe = loaded.imported?.recipe;
  let ds = splitDataset(loaded, { seed: config.seed, limit: config.limit, limitTest: config.limitTest });
  if (config.shape && !recipe) {
    if (config.shape.length !== ds.spatialShape.length) {
      throw new Error(`--shape ${config.shape.join('x')} has ${config.shape.length} axes but ${config.data} is ${ds.spatialShape.length}D (${ds.spatialShape.join('x')})`);
    }
    ds = resampleDataset(ds, config.shape);
  }
  config.grid ??= ds.spatialShape.map(() => 2);
  const positiveClass = choosePositiveClass(ds.classes, ds.splits.train.y, config.positive, config.data);
  // Resolved here and recorded in run.json, so that a resume and the views see the settings that ran.
  config.classWeight ??= imbalance(ds.splits.train.y, ds.classes.length) > IMBALANCE_FOR_WEIGHTS ? 'balanced' : 'none';
  config.select ??= 'loss';
  resolveTrainingSettings(config, ds.spatialShape.length, ds.splits.train.y.length);
  if (config.select === 'auc' && ds.classes.length !== 2) throw new Error(`--select auc needs two classes; ${config.data} has ${ds.classes.length} (use loss or balanced-accuracy)`);
  const classes = ds.classes.length;
  // The decomposition and every model's architecture and size, as plan:preview shows them before a run.
  const plan = planModels({ family: config.family, spatialShape: ds.spatialShape, channels: ds.channels, classes, grid: config.grid, overlap: config.overlap, width: config.width });
  const subdomains = plan.subdomains;
  const runDir = path.join(workspace, 'runs', newRunId(ds.name, new Date(), crypto.randomBytes(3).toString('hex')));
  const L = runLayout(runDir);
  fs.mkdirSync(L.logs, { recursive: true });
  const manifest = await writeDatasetCache(L.cache, ds, {
    seed: config.seed,
    limit: config.limit,
    limitTest: config.limitTest,
    shape: config.shape,
    importFingerprint: loaded.imported?.fingerprint,
  });

  const models: Record<string, ModelRecord> = {};
  subdomains.forEach((s, i) => {
    const { arch, params } = plan.locals[i];
    models[`local-${s.index}`] = { role: 'local', state: 'queued', params, arch, box: { start: s.start, end: s.end }, attempts: 0 };
  });
  // Out-of-fold coarse inputs: k copies of every local model, each trained without one fold of the training split.
  if (config.coarseInputs === 'out-of-fold') {
    const k = config.folds!;
    subdomains.forEach((s, i) => {
      const { arch, params } = plan.locals[i];
      for (let f = 0; f < k; f++) models[`local-${s.index}-fold-${f}`] = { role: 'fold', state: 'queued', params, arch, box: { start: s.start, end: s.end }, fold: { k, index: f }, attempts: 0 };
    });
  }
  models.coarse = { role: 'coarse', state: 'queued', params: plan.coarse.params, attempts: 0 };
  if (config.global) models.global = { role: 'global', state: 'queued', params: plan.global.params, arch: plan.global.arch, attempts: 0 };

  const now = new Date().toISOString();
  const rec: RunRecord = {
    schemaVersion: RUN_SCHEMA_VERSION,
    id: path.basename(runDir),
    createdAt: now,
    updatedAt: now,
    status: 'created',
    config: { ...config, grid: config.grid },
    versions: { ddcnn: projectVersion(), tfjs: tf.version.tfjs, node: process.versions.node },
    dataset: {
      name: ds.name,
      source: ds.source,
      citation: ds.citation,
      inputShape: [...ds.spatialShape, ds.channels],
      channels: ds.channels,
      classes: ds.classes,
      nTrain: ds.splits.train.y.length,
      nVal: ds.splits.val.y.length,
      nTest: ds.splits.test.y.length,
      splitMethod: ds.splitMethod,
      fingerprint: manifest.fingerprint,
      positiveClass,
    },
    preprocessing: recipe
      ? { intensity: `window ${recipe.window[0]}..${recipe.window[1]} clipped and scaled to 0..1`, resampledTo: recipe.shape, recipe }
      : { intensity: describeScaling(ds.intensity), scaling: ds.intensity, resampledTo: config.shape },
    training: describeTraining(config, ds.spatialShape.length),
    decomposition: { grid: config.grid, overlap: config.overlap, subdomains: subdomains.map(({ index, start, end, size }) => ({ index, start, end, size })) },
    models,
    restarts: [],
  };
  writeRunRecord(runDir, rec);
  return runDir;
}
