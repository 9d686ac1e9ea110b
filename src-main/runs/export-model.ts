// `ddcnn export <run> --out <folder>`: a completed run's models as one documented folder that needs no run
// folder to predict: every local model, the coarse model with its feature scaling, the global model, in the
// standard tfjs layers format (<name>/model.json + weights.bin), and ddcnn-model.json, which says how to feed
// them (the recipe or intensity map, the input shape, each local model's subdomain box, the coarse model's
// input rule). `ddcnn predict --model <folder>` and the app's Inspect view load it through model-set.ts.
import fs from 'node:fs';
import path from 'node:path';
import { writeFileAtomic } from '../engine/model-io';
import { runLayout } from './layout';
import { readCoarseScaling, type ModelSet } from './model-set';
import { readRunRecord } from './run-record';
import type { Recipe } from '../data/import/types';
import type { IntensityScaling } from '../engine/types';

export const EXPORT_MANIFEST = 'ddcnn-model.json';
export const EXPORT_FORMAT = 'ddcnn-cnn-dnn';
export const EXPORT_VERSION = 1;

/** ddcnn-model.json. Every path is relative to the folder that holds it. */
export interface ExportManifest {
  format: typeof EXPORT_FORMAT;
  version: number;
  /** In words: how to feed the models, for whoever opens the file. */
  howToFeed: string[];
  exportedAt: string;
  run: { id: string; createdAt: string; dataset: string; citation?: string; backend?: string; versions: Record<string, string> };
  classes: string[];
  positiveClass?: string;
  input: { spatialShape: number[]; channels: number; layout: string; values: string };
  preprocessing: { recipe?: Recipe; scaling?: IntensityScaling; intensity: string };
  decomposition: { grid: number[]; overlap: number };
  models: {
    locals: { name: string; path: string; box: { start: number[]; end: number[] }; inputShape: number[] }[];
    coarse: { path: string; inputShape: number[]; featureScaling: { mean: number[]; std: number[] }; probabilityFloor: number };
    global?: { path: string; inputShape: number[] };
  };
}

const FILES = ['model.json', 'weights.bin'];

function copyModel(from: string, to: string): void {
  fs.mkdirSync(to, { recursive: true });
  for (const f of FILES) {
    const src = path.join(from, f);
    if (!fs.existsSync(src)) throw new Error(`${src}: missing; the run's model ${path.basename(from)} is incomplete`);
    fs.copyFileSync(src, path.join(to, f));
  }
}

/** Writes the export of a completed run into `outDir` (which must be empty or absent); returns its manifest. */
export function exportRun(runDir: string, outDir: string): ExportManifest {
  const rec = readRunRecord(runDir);
  if (rec.status !== 'completed') throw new Error(`run ${rec.id} is ${rec.status}: only a completed run can be exported`);
  const out = path.resolve(outDir);
  if (fs.existsSync(out) && (!fs.statSync(out).isDirectory() || fs.readdirSync(out).length > 0)) throw new Error(`${out}: exists and is not an empty folder; give a new folder`);
  if (path.resolve(runDir) === out || out.startsWith(path.resolve(runDir) + path.sep)) throw new Error(`${out}: lies inside the run folder; an export is meant to leave it`);
  const L = runLayout(runDir);
  const spatial = rec.dataset.inputShape.slice(0, -1);
  const channels = rec.dataset.channels;
  const k = rec.dataset.classes.length;
  const locals = Object.entries(rec.models).filter(([, m]) => m.role === 'local');
  const scaling = readCoarseScaling(L.coarseScaling);
  fs.mkdirSync(out, { recursive: true });
  for (const [name] of locals) copyModel(L.model(name), path.join(out, name));
  copyModel(L.model('coarse'), path.join(out, 'coarse'));
  if (rec.models.global) copyModel(L.model('global'), path.join(out, 'global'));
  const manifest: ExportManifest = {
    format: EXPORT_FORMAT,
    version: EXPORT_VERSION,
    howToFeed: [
      `Input: one float32 tensor per case of shape [${[...spatial, channels].join(', ')}] (${spatial.length === 3 ? 'depth, height, width' : 'height, width'}, channels last), values 0..1 prepared as "preprocessing" says.`,
      'Local model i (models.locals[i]) takes the box [start, end) of that input, axis by axis, in the order of the input shape: x.slice(start, end - start).',
      `Each local model outputs ${k} class probabilities (in the order of "classes").`,
      `Coarse model: concatenate the local models' probabilities in the order of models.locals (${locals.length} x ${k} values), take log(max(p, probabilityFloor)) of each, subtract featureScaling.mean[j] and divide by featureScaling.std[j]; its output is the CNN-DNN's class probabilities.`,
      'Global model (if present): the whole input.',
      'Every model is a tfjs layers model (model.json + weights.bin): tf.loadLayersModel in TensorFlow.js.',
    ],
    exportedAt: new Date().toISOString(),
    run: { id: rec.id, createdAt: rec.createdAt, dataset: rec.dataset.name, citation: rec.dataset.citation, backend: rec.backend?.name, versions: rec.versions },
    classes: rec.dataset.classes,
    positiveClass: rec.dataset.positiveClass,
    input: { spatialShape: spatial, channels, layout: spatial.length === 3 ? 'NDHWC' : 'NHWC', values: 'float32 0..1' },
    preprocessing: { recipe: rec.preprocessing.recipe, scaling: rec.preprocessing.scaling, intensity: rec.preprocessing.intensity },
    decomposition: { grid: rec.decomposition.grid, overlap: rec.decomposition.overlap },
    models: {
      locals: locals.map(([name, m]) => ({ name, path: `${name}/model.json`, box: { start: m.box!.start, end: m.box!.end }, inputShape: [...m.arch!.spatialShape, channels] })),
      coarse: { path: 'coarse/model.json', inputShape: [locals.length * k], featureScaling: scaling, probabilityFloor: 1e-7 },
      ...(rec.models.global ? { global: { path: 'global/model.json', inputShape: [...spatial, channels] } } : {}),
    },
  };
  // The manifest last: a folder with ddcnn-model.json holds every model it names.
  writeFileAtomic(path.join(out, EXPORT_MANIFEST), JSON.stringify(manifest, null, 1));
  return manifest;
}

/** The model set of an exported folder, checked against its manifest. */
export function exportedModelSet(folder: string): ModelSet {
  const dir = path.resolve(folder);
  const file = path.join(dir, EXPORT_MANIFEST);
  let m: ExportManifest;
  try {
    m = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (e) {
    throw new Error(`${file}: not a readable exported model (${(e as Error).message}); make one with ddcnn export <run> --out <folder>`);
  }
  if (m.format !== EXPORT_FORMAT) throw new Error(`${file}: format '${m.format}' is not '${EXPORT_FORMAT}'`);
  if (m.version !== EXPORT_VERSION) throw new Error(`${file}: version ${m.version} is not supported (expected ${EXPORT_VERSION})`);
  const names = [...m.models.locals.map((l) => l.name), 'coarse', ...(m.models.global ? ['global'] : [])];
  for (const name of names) {
    for (const f of FILES) if (!fs.existsSync(path.join(dir, name, f))) throw new Error(`${path.join(dir, name, f)}: missing; the exported folder is incomplete`);
  }
  return {
    name: `exported model ${dir}`,
    classes: m.classes,
    positiveClass: m.positiveClass,
    spatialShape: m.input.spatialShape,
    channels: m.input.channels,
    locals: m.models.locals.map((l) => ({ name: l.name, box: l.box, shape: l.inputShape.slice(0, -1) })),
    hasGlobal: Boolean(m.models.global),
    coarseScaling: m.models.coarse.featureScaling,
    recipe: m.preprocessing.recipe,
    scaling: m.preprocessing.scaling,
    trainedOn: m.run.dataset,
    modelDir: (name) => path.join(dir, name),
  };
}
