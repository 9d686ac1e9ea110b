// A completed run's decisions on one input: every local model on its subdomain, the coarse model (the
// CNN-DNN), averaging, voting and the global model. The input is prepared exactly as the run's training
// data was (same loader, same intensity scaling, same resampling; for imported scans, the same readers and
// the recipe stored in run.json). `ddcnn predict` (cli/predict.ts) and the app's runs:predict (in a job
// process, job-entry.ts: it needs TensorFlow, which never runs in the Electron main process) share it.
import fs from 'node:fs';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../engine/backend';
import { averageProbs, coarseFeatures, voteShares, type CoarseFeatureScaling } from '../engine/fusion';
import { loadModel } from '../engine/model-io';
import { readCachedSamples } from '../data/cache';
import { cropSamples } from '../data/crop';
import { loadDataset } from '../data/load';
import { resampleSamples } from '../data/resample';
import { applyRecipe } from '../data/recipe';
import { readCase } from '../data/import/read-case';
import { rankMismatch } from '../data/import/recipe-defaults';
import { scanSingleCase } from '../data/import/scan-source';
import { readRunRecord, type RunRecord } from './run-record';
import type { PredictedCase } from './run-types';

export type { PredictedCase };
import { runLayout } from './layout';


/** What the user gave does not fit (a missing test case, a scan of the wrong kind...): the CLI's exit code 2. */
export class PredictInputError extends Error {
  override name = 'PredictInputError';
}

/** `test:<i>`: test case i of the run itself. */
export const TEST_CASE = /^test:(\d+)$/;

/** Inputs read as a data set: the run's own test cases, the built-in sets and .npz files. */
export const isDatasetInput = (input: string): boolean => TEST_CASE.test(input) || input === 'mnist' || input === 'demo' || /\.npz$/i.test(input);

/** A single scan (DICOM series folder, NIfTI, .npy, PNG stack, image) through the run's recipe. */
async function loadScan(rec: RunRecord, input: string): Promise<Float32Array> {
  const recipe = rec.preprocessing.recipe;
  if (!recipe) throw new PredictInputError(`${input}: run ${rec.id} was trained on ${rec.dataset.source}, not on imported scans, so it has no recipe to prepare a scan with`);
  const ref = await scanSingleCase(input);
  const vol = await readCase(ref);
  const mismatch = rankMismatch(recipe, vol.dims);
  if (mismatch) throw new PredictInputError(`${input} ${mismatch}`);
  return applyRecipe(vol, recipe);
}

/** One sample (flat, spatialShape x channels of the run) and its label if known; `index` picks a data set's sample. */
export async function prepareInput(rec: RunRecord, runDir: string, input: string, index = 0): Promise<{ x: Float32Array; label?: number }> {
  const test = TEST_CASE.exec(input);
  if (test) {
    const i = Number(test[1]);
    if (i >= rec.dataset.nTest) throw new PredictInputError(`test case ${i} does not exist: the run has ${rec.dataset.nTest} test cases`);
    const s = readCachedSamples(runLayout(runDir).cache, 'test', [i]);
    return { x: s.x, label: s.y[0] };
  }
  if (!isDatasetInput(input)) {
    if (index !== 0) throw new PredictInputError(`--index applies to data set inputs; ${input} is a single scan`);
    return { x: await loadScan(rec, input) };
  }
  // The run's own intensity map, never one fitted on the new file: the same stored value must give the
  // same input whatever else the file holds. (Runs made before the map was recorded: the file's own.)
  const ds = await loadDataset(input, { scaling: rec.preprocessing.scaling });
  const split = ds.splits.test ?? ds.splits.all ?? ds.splits.train!;
  const size = ds.spatialShape.reduce((a, b) => a * b, ds.channels);
  const n = split.y.length;
  if (index >= n) throw new PredictInputError(`${input}: sample ${index} does not exist (it holds ${n})`);
  if (ds.channels !== rec.dataset.channels || ds.spatialShape.length !== rec.dataset.inputShape.length - 1) {
    throw new PredictInputError(`${input}: shape ${ds.spatialShape.join('x')}x${ds.channels} does not fit the run's input ${rec.dataset.inputShape.join('x')}`);
  }
  let x = split.x.slice(index * size, (index + 1) * size);
  const target = rec.dataset.inputShape.slice(0, -1);
  if (target.some((t, a) => t !== ds.spatialShape[a])) x = resampleSamples(x, 1, ds.spatialShape, ds.channels, target);
  return { x, label: split.y[index] };
}

function coarseScaling(file: string): CoarseFeatureScaling {
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (e) {
    throw new Error(`${file}: cannot read the coarse model's feature scaling (${(e as Error).message})`);
  }
}

/** The run's record, checked to be completed, with the backend it was trained on started. */
export async function openForPrediction(runDir: string): Promise<RunRecord> {
  const rec = readRunRecord(runDir);
  if (rec.status !== 'completed') throw new Error(`run ${rec.id} is ${rec.status}: only a completed run can predict`);
  await initBackend({ force: rec.config.backend });
  return rec;
}

/** Every model of a completed run on one prepared input `x` (spatialShape x channels of the run). */
export async function decide(runDir: string, rec: RunRecord, x: Float32Array): Promise<Pick<PredictedCase, 'subdomains' | 'cnnDnn' | 'average' | 'vote' | 'global'>> {
  const L = runLayout(runDir);
  const spatial = rec.dataset.inputShape.slice(0, -1);
  const channels = rec.dataset.channels;
  const k = rec.dataset.classes.length;
  const run = async (model: string, data: Float32Array, shape: number[]) => {
    const m = await loadModel(L.model(model));
    // Read asynchronously: dataSync() throws on the webgpu backend.
    const out = tf.tidy(() => m.predict(tf.tensor(data, [1, ...shape])) as tf.Tensor);
    const p = await out.data();
    out.dispose();
    m.dispose();
    return Array.from(p);
  };
  const subdomains: PredictedCase['subdomains'] = [];
  for (const [name, m] of Object.entries(rec.models)) {
    if (m.role !== 'local') continue;
    const probs = await run(name, cropSamples(x, 1, spatial, channels, m.box!), [...m.arch!.spatialShape, channels]);
    subdomains.push({ model: name, box: m.box!, probs });
  }
  const locals = subdomains.map((s) => Float32Array.from(s.probs));
  const concat = Float32Array.from(subdomains.flatMap((s) => s.probs));
  const cnnDnn = await run('coarse', coarseFeatures(concat, coarseScaling(L.coarseScaling)), [concat.length]);
  const decisions: Pick<PredictedCase, 'subdomains' | 'cnnDnn' | 'average' | 'vote' | 'global'> = {
    subdomains,
    cnnDnn,
    average: Array.from(averageProbs(locals, 1, k)),
    vote: Array.from(voteShares(locals, 1, k)),
  };
  if (rec.models.global) decisions.global = await run('global', x, [...spatial, channels]);
  return decisions;
}

/** runs:predict: the first test sample of a data set (demo, mnist, an .npz) or a single scan, with every decision. */
export async function predictCase(runDir: string, source: string): Promise<PredictedCase> {
  const rec = await openForPrediction(runDir);
  const { x, label } = await prepareInput(rec, runDir, source);
  const result: PredictedCase = {
    input: TEST_CASE.test(source) ? source : isDatasetInput(source) ? `${source === 'demo' || source === 'mnist' ? source : path.basename(source)} #0` : path.basename(source),
    shape: rec.dataset.inputShape.slice(0, -1),
    channels: rec.dataset.channels,
    values: Array.from(x),
    classes: rec.dataset.classes,
    ...(await decide(runDir, rec, x)),
  };
  if (label !== undefined) result.label = label;
  return result;
}
