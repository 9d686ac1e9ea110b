// What a trainer reads: a model's crops of each split (a local or fold model its subdomain, the global model the
// whole input), the rows a fold model trains on and the fold it predicts, the augmented training cases, and
// the coarse model's inputs (the local models' outputs on the training split, out-of-fold, or on the
// validation split), with the feature scaling fitted on its training inputs.
import fs from 'node:fs';
import { coarseFeatures, concatLocalProbs, fitCoarseScaling, type CoarseFeatureScaling } from '../engine/fusion';
import { augmentCropInto, augmentRegion, sampleTransform, type RegionData } from '../engine/augment';
import { foldAssignment, foldIndices } from '../engine/folds';
import type { ArrayData } from '../engine/train-loop';
import type { Box, SplitName } from '../engine/types';
import { selectSamples } from '../data/split';
import { cropSamples } from '../data/crop';
import { readCachedSplit, readCacheManifest } from '../data/cache';
import { writeFileAtomic } from '../engine/model-io';
import type { TrainerJob } from './protocol';
import { readF32, runLayout } from './layout';

/** The training split's local probabilities of one local model, each case from the fold model that did not train on it. */
function outOfFoldProbs(job: TrainerJob, local: string, labels: number[]): Float32Array {
  const L = runLayout(job.runDir);
  const k = job.coarse!.folds!;
  const fold = foldAssignment(labels, k, job.seed);
  const out = new Float32Array(labels.length * job.classes);
  for (let f = 0; f < k; f++) {
    const rows = foldIndices(fold, f, true);
    const probs = readF32(L.probs(`${local}-fold-${f}`, 'train'));
    if (probs.length !== rows.length * job.classes) throw new Error(`${L.probs(`${local}-fold-${f}`, 'train')}: ${probs.length} values, expected ${rows.length} cases x ${job.classes} classes`);
    rows.forEach((r, i) => out.set(probs.subarray(i * job.classes, (i + 1) * job.classes), r * job.classes));
  }
  return out;
}

/**
 * The coarse model's inputs of one split. Its training inputs are the local models' outputs on the training
 * split, their out-of-fold outputs, or their outputs on the validation split (by job.coarseInputs). The
 * feature scaling is fitted on the training inputs (the first loaded) and written next to the model, so that
 * predict applies the identical one.
 */
function loadCoarseSplit(job: TrainerJob, split: SplitName, scaling?: CoarseFeatureScaling): ArrayData & { scaling: CoarseFeatureScaling } {
  const L = runLayout(job.runDir);
  const from: SplitName = split === 'train' && job.coarseInputs === 'validation' ? 'val' : split;
  const labels = readCacheManifest(job.cacheDir).splits[from].labels;
  const n = labels.length;
  const width = job.coarse!.locals.length * job.classes;
  const outOfFold = split === 'train' && job.coarseInputs === 'out-of-fold';
  const perLocal = job.coarse!.locals.map((name) => (outOfFold ? outOfFoldProbs(job, name, labels) : readF32(L.probs(name, from))));
  const concat = concatLocalProbs(perLocal, n, job.classes);
  if (!scaling) {
    scaling = fitCoarseScaling(concat, width);
    fs.mkdirSync(L.model(job.model), { recursive: true });
    writeFileAtomic(L.coarseScaling, JSON.stringify(scaling));
  }
  return { x: coarseFeatures(concat, scaling), y: Int32Array.from(labels), n, sampleShape: [width], scaling };
}

/** The subdomain box a model reads (undefined: the whole input). */
const boxOf = (job: TrainerJob) => (job.role === 'local' || job.role === 'fold' ? job.box : undefined);

export function loadSplit(job: TrainerJob, split: SplitName, scaling?: CoarseFeatureScaling): ArrayData & { scaling?: CoarseFeatureScaling } {
  if (job.role === 'coarse') return loadCoarseSplit(job, split, scaling);
  const s = readCachedSplit(job.cacheDir, split, boxOf(job));
  return { x: s.x, y: s.y, n: s.n, sampleShape: [...s.shape, s.channels] };
}

/** The rows `rows` of a data set, in that order. */
export function selectRows(d: ArrayData, rows: number[]): ArrayData {
  const { x, y } = selectSamples(d, rows, d.sampleShape.reduce((p, v) => p * v, 1));
  return { x, y, n: rows.length, sampleShape: d.sampleShape };
}

export interface TrainingInputs {
  all: ArrayData & { scaling?: CoarseFeatureScaling };
  train: ArrayData;
  /** A fold model: the cases of the fold it leaves out (and predicts). */
  heldOut?: ArrayData;
  fill?: (index: number, epoch: number, dst: Float32Array, offset: number) => void;
}

/**
 * The training inputs of a model: the split's crops (unchanged: what its final predictions are made on), the
 * rows it trains on (a fold model leaves its fold out), and, with augmentation, the function that writes a
 * case as seen in an epoch: cropped out of the whole input moved the same way for every model, so it reads
 * the part of the input around its box that a shift or rotation can bring in.
 */
export function loadTraining(job: TrainerJob): TrainingInputs {
  const augmented = job.role !== 'coarse' && job.augment ? loadAugmentSource(job) : undefined;
  const all = augmented?.crops ?? loadSplit(job, 'train');
  const folds = job.fold && foldAssignment(all.y, job.fold.k, job.seed);
  const rows = folds ? foldIndices(folds, job.fold!.index, false) : undefined;
  const heldOut = folds ? selectRows(all, foldIndices(folds, job.fold!.index, true)) : undefined;
  const train = rows ? selectRows(all, rows) : all;
  if (!augmented) return { all, train, heldOut };
  const { source, box } = augmented;
  const settings = job.augment!;
  const fill = (index: number, epoch: number, dst: Float32Array, offset: number) => {
    const original = rows ? rows[index] : index;
    augmentCropInto(source, original, box, sampleTransform(settings, source.shape.length, job.seed, epoch, original), dst, offset);
  };
  return { all, train, heldOut, fill };
}

/**
 * The training split's region around a model's box that its augmented cases are read from, read once, and its
 * unaugmented crops cut out of it in memory.
 */
function loadAugmentSource(job: TrainerJob): { source: RegionData; box: Box; crops: ArrayData } {
  const manifest = readCacheManifest(job.cacheDir);
  const shape = manifest.spatialShape;
  const box = boxOf(job) ?? { start: shape.map(() => 0), end: shape.slice() };
  const region = augmentRegion(job.augment!, box, shape);
  const read = readCachedSplit(job.cacheDir, 'train', region);
  const inRegion: Box = { start: box.start.map((v, a) => v - region.start[a]), end: box.end.map((v, a) => v - region.start[a]) };
  const x = cropSamples(read.x, read.n, read.shape, read.channels, inRegion);
  return {
    source: { x: read.x, region, shape, channels: read.channels },
    box,
    crops: { x, y: read.y, n: read.n, sampleShape: [...inRegion.end.map((e, i) => e - inRegion.start[i]), read.channels] },
  };
}
