// Creating a run: load and split the data set, write the run's dataset cache once, lay out the
// decomposition and the models, and write run.json. Training is started separately (execute-run.ts),
// so that a created or interrupted run can always be (re)started from what is on disk.
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { architecture, coarseHiddenUnits, countParams, localWidth } from '../engine/architecture';
import { decompose } from '../engine/decomposition';
import { loadDataset } from '../data/load';
import { splitDataset } from '../data/split';
import { resampleDataset } from '../data/resample';
import { writeDatasetCache } from '../data/cache';
import { runConfigSchema, DEFAULT_WIDTH_2D, DEFAULT_WIDTH_3D, type RunConfig } from './run-config';
import { RUN_SCHEMA_VERSION, writeRunRecord, type ModelRecord, type RunRecord } from './run-record';
import { runLayout } from './layout';
import { newRunId } from './run-id';
import { findProjectRoot } from '../data/project-root';

/** The version of DD-CNN Studio that made a run, from its package.json (npm sets no variable under npx). */
function projectVersion(): string {
  return JSON.parse(fs.readFileSync(path.join(findProjectRoot(import.meta.url), 'package.json'), 'utf8')).version;
}

export async function createRun(workspace: string, input: RunConfig): Promise<string> {
  const config = runConfigSchema.parse(input);
  const loaded = await loadDataset(config.data);
  let ds = splitDataset(loaded, { seed: config.seed, limit: config.limit, limitTest: config.limitTest });
  if (config.shape) {
    if (config.shape.length !== ds.spatialShape.length) {
      throw new Error(`--shape ${config.shape.join('x')} has ${config.shape.length} axes but ${config.data} is ${ds.spatialShape.length}D (${ds.spatialShape.join('x')})`);
    }
    ds = resampleDataset(ds, config.shape);
  }
  config.grid ??= ds.spatialShape.map(() => 2);
  const subdomains = decompose(ds.spatialShape, config.grid, config.overlap);
  const runDir = path.join(workspace, 'runs', newRunId(ds.name, new Date(), crypto.randomBytes(3).toString('hex')));
  const L = runLayout(runDir);
  fs.mkdirSync(L.logs, { recursive: true });
  const manifest = await writeDatasetCache(L.cache, ds, { seed: config.seed, limit: config.limit, limitTest: config.limitTest, shape: config.shape });

  const classes = ds.classes.length;
  const width = config.width ?? (ds.spatialShape.length === 3 ? DEFAULT_WIDTH_3D : DEFAULT_WIDTH_2D);
  const globalOpts = { family: config.family, spatialShape: ds.spatialShape, channels: ds.channels, classes, width };
  const globalArch = architecture(globalOpts);
  const models: Record<string, ModelRecord> = {};
  for (const s of subdomains) {
    const arch = architecture({ ...globalOpts, spatialShape: s.size, width: localWidth(globalOpts, s.size, subdomains.length) });
    models[`local-${s.index}`] = { role: 'local', state: 'queued', params: countParams(arch), arch, box: { start: s.start, end: s.end }, attempts: 0 };
  }
  const hidden = coarseHiddenUnits(subdomains.length, classes);
  const coarseInputs = subdomains.length * classes;
  models.coarse = { role: 'coarse', state: 'queued', params: coarseInputs * hidden + hidden + hidden * classes + classes, attempts: 0 };
  if (config.global) models.global = { role: 'global', state: 'queued', params: countParams(globalArch), arch: globalArch, attempts: 0 };

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
    },
    preprocessing: { intensity: 'stored values scaled to 0..1', resampledTo: config.shape },
    decomposition: { grid: config.grid, overlap: config.overlap, subdomains: subdomains.map(({ index, start, end, size }) => ({ index, start, end, size })) },
    models,
    restarts: [],
  };
  writeRunRecord(runDir, rec);
  return runDir;
}
