// A completed run's decisions on one input: every local model on its subdomain, the coarse model (the
// CNN-DNN), averaging, voting and the global model. The input is prepared exactly as the run's training
// data was (same loader, same intensity scaling, same resampling; for imported scans, the same readers and
// the recipe stored in run.json). `ddcnn predict` (cli/predict.ts) and the app's runs:predict (in a job
// process, job-entry.ts: it needs TensorFlow, which never runs in the Electron main process) share it.
import path from 'node:path';
import { initBackend } from '../engine/backend';
import { readCachedSamples } from '../data/cache';
import { loadDataset } from '../data/load';
import { resampleSamples } from '../data/resample';
import { applyRecipe } from '../data/recipe';
import { readCase } from '../data/import/read-case';
import { rankMismatch } from '../data/import/recipe-defaults';
import { scanSingleCase } from '../data/import/scan-source';
import { readRunRecord, type RunRecord } from './run-record';
import { predictWithSet, runModelSet, type ModelSet } from './model-set';
import { exportedModelSet } from './export-model';
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

/** A single scan (DICOM series folder, NIfTI, .npy, PNG stack, image) through the models' recipe. */
async function loadScan(set: Preparation, input: string): Promise<Float32Array> {
  const recipe = set.recipe;
  if (!recipe) throw new PredictInputError(`${input}: ${set.name} was trained on ${set.trainedOn}, not on imported scans, so it has no recipe to prepare a scan with`);
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
  return prepareExternalInput(preparationOf(rec), input, index);
}

/** What preparing an input needs of a run record (or of an exported model's description). */
const preparationOf = (rec: RunRecord): Preparation => ({
  name: `run ${rec.id}`,
  trainedOn: rec.dataset.source,
  recipe: rec.preprocessing.recipe,
  scaling: rec.preprocessing.scaling,
  spatialShape: rec.dataset.inputShape.slice(0, -1),
  channels: rec.dataset.channels,
});

type Preparation = Pick<ModelSet, 'name' | 'trainedOn' | 'recipe' | 'scaling' | 'spatialShape' | 'channels'>;

/** An input from outside the run (a data set file or a single scan), prepared as the models' training data was. */
export async function prepareExternalInput(prep: Preparation, input: string, index = 0): Promise<{ x: Float32Array; label?: number }> {
  if (TEST_CASE.test(input)) throw new PredictInputError(`${input}: an exported model has no test split; give a scan or a data set file`);
  if (!isDatasetInput(input)) {
    if (index !== 0) throw new PredictInputError(`--index applies to data set inputs; ${input} is a single scan`);
    return { x: await loadScan(prep, input) };
  }
  // The run's own intensity map, never one fitted on the new file: the same stored value must give the
  // same input whatever else the file holds. (Runs made before the map was recorded: the file's own.)
  const ds = await loadDataset(input, { scaling: prep.scaling });
  const split = ds.splits.test ?? ds.splits.all ?? ds.splits.train!;
  const size = ds.spatialShape.reduce((a, b) => a * b, ds.channels);
  const n = split.y.length;
  if (index >= n) throw new PredictInputError(`${input}: sample ${index} does not exist (it holds ${n})`);
  if (ds.channels !== prep.channels || ds.spatialShape.length !== prep.spatialShape.length) {
    throw new PredictInputError(`${input}: shape ${ds.spatialShape.join('x')}x${ds.channels} does not fit the input ${[...prep.spatialShape, prep.channels].join('x')} of ${prep.name}`);
  }
  let x = split.x.slice(index * size, (index + 1) * size);
  const target = prep.spatialShape;
  if (target.some((t, a) => t !== ds.spatialShape[a])) x = resampleSamples(x, 1, ds.spatialShape, ds.channels, target);
  return { x, label: split.y[index] };
}

/** The run's record, checked to be completed, with the backend it was trained on started. */
export async function openForPrediction(runDir: string): Promise<RunRecord> {
  const rec = readRunRecord(runDir);
  if (rec.status !== 'completed') throw new Error(`run ${rec.id} is ${rec.status}: only a completed run can predict`);
  await initBackend({ force: rec.config.backend });
  return rec;
}

type Decisions = Pick<PredictedCase, 'subdomains' | 'cnnDnn' | 'average' | 'vote' | 'global'>;

/** Every model of a model set on one prepared input `x` (spatialShape x channels). */
export async function decideWith(set: ModelSet, x: Float32Array): Promise<Decisions> {
  const p = await predictWithSet(set, x, 1);
  const decisions: Decisions = {
    subdomains: set.locals.map((l, i) => ({ model: l.name, box: l.box, probs: Array.from(p.locals[i]) })),
    cnnDnn: Array.from(p.cnnDnn),
    average: Array.from(p.average),
    vote: Array.from(p.vote),
  };
  if (p.global) decisions.global = Array.from(p.global);
  return decisions;
}

/** Every model of a completed run on one prepared input `x` (spatialShape x channels of the run). */
export function decide(runDir: string, rec: RunRecord, x: Float32Array): Promise<Decisions> {
  return decideWith(runModelSet(runDir, rec), x);
}

/** model:predict: the same as predictCase, with a folder written by `ddcnn export` instead of a run. */
export async function predictCaseWithExport(folder: string, source: string): Promise<PredictedCase> {
  const set = exportedModelSet(folder);
  await initBackend();
  const { x, label } = await prepareExternalInput(set, source);
  const result: PredictedCase = {
    input: isDatasetInput(source) ? `${source === 'demo' || source === 'mnist' ? source : path.basename(source)} #0` : path.basename(source),
    shape: set.spatialShape,
    channels: set.channels,
    values: Array.from(x),
    classes: set.classes,
    ...(await decideWith(set, x)),
  };
  if (label !== undefined) result.label = label;
  return result;
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
