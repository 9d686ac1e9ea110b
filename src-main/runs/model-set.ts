// The trained models of a CNN-DNN as prediction sees them: the local models with their subdomain boxes,
// the coarse model with its feature scaling, the global model, the classes and how an input is prepared.
// It comes either from a completed run folder or from a folder written by `ddcnn export` (export-model.ts),
// and both are run by the same code below, so an exported model decides exactly as its run does.
import fs from 'node:fs';
import * as tf from '@tensorflow/tfjs';
import { averageProbs, coarseFeatures, concatLocalProbs, voteShares, type CoarseFeatureScaling } from '../engine/fusion';
import { loadModel } from '../engine/model-io';
import { cropSamples } from '../data/crop';
import type { Box, IntensityScaling } from '../engine/types';
import type { Recipe } from '../data/import/types';
import { runLayout } from './layout';
import type { RunRecord } from './run-types';

export interface ModelSet {
  /** Where it came from, for messages: the run's id or the exported folder. */
  name: string;
  classes: string[];
  /** Two classes: the class sensitivity, specificity and AUC refer to. */
  positiveClass?: string;
  /** Spatial shape of the model input ([H,W] or [D,H,W]); channels last. */
  spatialShape: number[];
  channels: number;
  locals: { name: string; box: Box; shape: number[] }[];
  hasGlobal: boolean;
  coarseScaling: CoarseFeatureScaling;
  /** Imported scans: the preprocessing recipe; arrays (npz, MNIST): the intensity map of stored values. */
  recipe?: Recipe;
  scaling?: IntensityScaling;
  /** The data set the models were trained on, for messages. */
  trainedOn: string;
  /** Folder of a model (model.json + weights.bin) by name: local-<i>, coarse, global. */
  modelDir(name: string): string;
}

/** Probabilities (n x K, row-major) of every model and fusion on n inputs. */
export interface SetPredictions {
  locals: Float32Array[];
  cnnDnn: Float32Array;
  average: Float32Array;
  vote: Float64Array;
  global?: Float32Array;
}

export function readCoarseScaling(file: string): CoarseFeatureScaling {
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (e) {
    throw new Error(`${file}: cannot read the coarse model's feature scaling (${(e as Error).message})`);
  }
}

/** The model set of a completed run folder. */
export function runModelSet(runDir: string, rec: RunRecord): ModelSet {
  const L = runLayout(runDir);
  const locals = Object.entries(rec.models)
    .filter(([, m]) => m.role === 'local')
    .map(([name, m]) => ({ name, box: m.box!, shape: m.arch!.spatialShape }));
  return {
    name: `run ${rec.id}`,
    classes: rec.dataset.classes,
    positiveClass: rec.dataset.positiveClass,
    spatialShape: rec.dataset.inputShape.slice(0, -1),
    channels: rec.dataset.channels,
    locals,
    hasGlobal: Boolean(rec.models.global),
    coarseScaling: readCoarseScaling(L.coarseScaling),
    recipe: rec.preprocessing.recipe,
    scaling: rec.preprocessing.scaling,
    trainedOn: rec.dataset.source,
    modelDir: (name) => L.model(name),
  };
}

/** Cases per forward pass: bounds memory on large cohorts. */
const BATCH = 32;

async function predictModel(dir: string, x: Float32Array, n: number, sampleShape: number[]): Promise<Float32Array> {
  const m = await loadModel(dir);
  try {
    const size = sampleShape.reduce((a, b) => a * b, 1);
    const parts: Float32Array[] = [];
    for (let i = 0; i < n; i += BATCH) {
      const b = Math.min(BATCH, n - i);
      const out = tf.tidy(() => m.predict(tf.tensor(x.subarray(i * size, (i + b) * size), [b, ...sampleShape])) as tf.Tensor);
      // Read asynchronously: dataSync() throws on the webgpu backend.
      parts.push((await out.data()) as Float32Array);
      out.dispose();
    }
    const all = new Float32Array(parts.reduce((s, p) => s + p.length, 0));
    let at = 0;
    for (const p of parts) {
      all.set(p, at);
      at += p.length;
    }
    return all;
  } finally {
    m.dispose();
  }
}

/** Every model of the set on n prepared inputs `x` (n x spatialShape x channels), each model loaded once. */
export async function predictWithSet(set: ModelSet, x: Float32Array, n: number): Promise<SetPredictions> {
  const k = set.classes.length;
  const locals: Float32Array[] = [];
  for (const l of set.locals) locals.push(await predictModel(set.modelDir(l.name), cropSamples(x, n, set.spatialShape, set.channels, l.box), n, [...l.shape, set.channels]));
  const concat = concatLocalProbs(locals, n, k);
  const cnnDnn = await predictModel(set.modelDir('coarse'), coarseFeatures(concat, set.coarseScaling), n, [locals.length * k]);
  const out: SetPredictions = { locals, cnnDnn, average: averageProbs(locals, n, k), vote: voteShares(locals, n, k) };
  if (set.hasGlobal) out.global = await predictModel(set.modelDir('global'), x, n, [...set.spatialShape, set.channels]);
  return out;
}
