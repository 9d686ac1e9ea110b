// Turns the arrays of an .npz file into a Dataset. Two layouts are understood:
//  - MedMNIST: train_images/val_images/test_images with *_labels, kept as the official splits;
//  - flat: images (or x) with labels (or y) and optional groups (patient / scan ids), as splits.all.
// Geometry follows the image array's rank: (N,H,W) and (N,H,W,C) are 2D, (N,D,H,W) and (N,D,H,W,C) are volumes.

import { basename } from 'node:path';
import type { Dataset, LabeledSplit, SplitName } from '../engine/types';
import { DataFileError } from './errors';
import { applyScaling, chooseScaling, type IntensityScaling } from './intensity';
import { genericClassNames, knownDatasetFor } from './known-datasets';
import { readNpz, type NpyArray, type NumericArray } from './npz';

const OFFICIAL_SPLITS: SplitName[] = ['train', 'val', 'test'];
const MEDMNIST_KEY = /^(train|val|test)_(images|labels)$/;
const FLAT_KEYS = ['images', 'x', 'labels', 'y', 'groups'];
/**
 * (N,H,W,C) and (N,D,H,W) both have rank 4: a last axis of at most this many is read as channels (grey,
 * grey+alpha, RGB, RGBA), anything longer as the width of a volume; no real volume is 4 voxels wide.
 */
const MAX_CHANNELS = 4;

interface Geometry {
  n: number;
  spatialShape: number[];
  channels: number;
}

function shapeText(shape: number[]): string {
  return `(${shape.join(', ')}${shape.length === 1 ? ',' : ''})`;
}

function imageGeometry(file: string, key: string, arr: NpyArray): Geometry {
  if (Array.isArray(arr.data)) {
    throw new DataFileError(file, `unsupported dtype ${arr.dtype} for images '${key}' (expected numbers)`);
  }
  const [n, ...rest] = arr.shape;
  let geometry: Geometry;
  if (arr.shape.length === 3) geometry = { n, spatialShape: rest, channels: 1 };
  else if (arr.shape.length === 4 && rest[2] <= MAX_CHANNELS) geometry = { n, spatialShape: rest.slice(0, 2), channels: rest[2] };
  else if (arr.shape.length === 4) geometry = { n, spatialShape: rest, channels: 1 };
  else if (arr.shape.length === 5) geometry = { n, spatialShape: rest.slice(0, 3), channels: rest[3] };
  else {
    throw new DataFileError(
      file,
      `images '${key}' have shape ${shapeText(arr.shape)}; expected (N,H,W), (N,H,W,C), (N,D,H,W) or (N,D,H,W,C)`,
    );
  }
  if (n === 0) throw new DataFileError(file, `images '${key}' hold no samples`);
  if (rest.some((d) => d === 0)) throw new DataFileError(file, `images '${key}' have an empty axis: ${shapeText(arr.shape)}`);
  return geometry;
}

function toLabels(file: string, key: string, arr: NpyArray, imagesKey: string, n: number): Int32Array {
  if (Array.isArray(arr.data)) {
    throw new DataFileError(file, `unsupported dtype ${arr.dtype} for labels '${key}' (expected integers)`);
  }
  const shape = arr.shape;
  if (!(shape.length === 1 || (shape.length === 2 && shape[1] === 1))) {
    throw new DataFileError(
      file,
      `labels '${key}' have shape ${shapeText(shape)}; expected (N,) or (N, 1) (multi-label data is not supported)`,
    );
  }
  if (shape[0] !== n) {
    throw new DataFileError(file, `label count mismatch: '${imagesKey}' has ${n} samples but '${key}' has ${shape[0]} labels`);
  }
  const values: NumericArray = arr.data;
  const labels = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const v = Number(values[i]);
    if (!Number.isInteger(v) || v < 0 || v > 0x7fffffff) {
      throw new DataFileError(file, `labels '${key}' must be non-negative integers; found ${values[i]} at index ${i}`);
    }
    labels[i] = v;
  }
  return labels;
}

function toGroups(file: string, arr: NpyArray, n: number): string[] {
  if (arr.shape.length !== 1 || arr.shape[0] !== n) {
    throw new DataFileError(file, `groups have shape ${shapeText(arr.shape)}; expected (${n},), one group per sample`);
  }
  return Array.isArray(arr.data) ? arr.data.slice() : Array.from(arr.data as ArrayLike<number | bigint>, (g) => String(g));
}

function requireKey(file: string, arrays: Map<string, NpyArray>, key: string, hint: string): NpyArray {
  const arr = arrays.get(key);
  if (!arr) {
    const found = [...arrays.keys()].join(', ') || 'none';
    throw new DataFileError(file, `missing key '${key}' (${hint}); arrays found: ${found}`);
  }
  return arr;
}

interface RawSplit {
  name: SplitName | 'all';
  imagesKey: string;
  images: NpyArray;
  labels: Int32Array;
  groups?: string[];
}

function medmnistSplits(file: string, arrays: Map<string, NpyArray>): RawSplit[] {
  const present = OFFICIAL_SPLITS.filter((s) => arrays.has(`${s}_images`) || arrays.has(`${s}_labels`));
  if (!present.includes('train')) {
    requireKey(file, arrays, 'train_images', 'a MedMNIST-layout file needs a training split');
  }
  return present.map((name) => {
    const imagesKey = `${name}_images`;
    const images = requireKey(file, arrays, imagesKey, `'${name}_labels' is present`);
    const labelsArr = requireKey(file, arrays, `${name}_labels`, `'${imagesKey}' is present`);
    const { n } = imageGeometry(file, imagesKey, images);
    return { name, imagesKey, images, labels: toLabels(file, `${name}_labels`, labelsArr, imagesKey, n) };
  });
}

function flatSplit(file: string, arrays: Map<string, NpyArray>): RawSplit {
  const imagesKey = arrays.has('images') ? 'images' : arrays.has('x') ? 'x' : 'images';
  const labelsKey = arrays.has('labels') ? 'labels' : arrays.has('y') ? 'y' : 'labels';
  const images = requireKey(file, arrays, imagesKey, "images as 'images' or 'x', or MedMNIST's 'train_images'");
  const labelsArr = requireKey(file, arrays, labelsKey, "labels as 'labels' or 'y'");
  const { n } = imageGeometry(file, imagesKey, images);
  const labels = toLabels(file, labelsKey, labelsArr, imagesKey, n);
  const groupsArr = arrays.get('groups');
  return { name: 'all', imagesKey, images, labels, groups: groupsArr ? toGroups(file, groupsArr, n) : undefined };
}

function classNames(file: string, raw: RawSplit[]): string[] {
  const seen = new Set<number>();
  for (const s of raw) for (const y of s.labels) seen.add(y);
  if (seen.size < 2) {
    const only = [...seen][0];
    throw new DataFileError(file, `all samples have a single class (label ${only}); a classifier needs at least two`);
  }
  const count = Math.max(...seen) + 1;
  const known = knownDatasetFor(file);
  return known && known.classes.length === count ? known.classes : genericClassNames(count);
}

/**
 * Loads an .npz file as a Dataset; every problem with the file throws a DataFileError naming it.
 * `scaling` maps the stored values as a trained run did (predicting on new data); by default it is
 * fitted on the file itself.
 */
export async function loadNpzDataset(file: string, scaling?: IntensityScaling): Promise<Dataset> {
  const arrays = await readNpz(file, (key) => MEDMNIST_KEY.test(key) || FLAT_KEYS.includes(key));
  const isMedmnist = [...arrays.keys()].some((k) => MEDMNIST_KEY.test(k));
  const raw = isMedmnist ? medmnistSplits(file, arrays) : [flatSplit(file, arrays)];

  const first = imageGeometry(file, raw[0].imagesKey, raw[0].images);
  for (const s of raw.slice(1)) {
    const g = imageGeometry(file, s.imagesKey, s.images);
    if (g.channels !== first.channels || g.spatialShape.join('x') !== first.spatialShape.join('x')) {
      throw new DataFileError(
        file,
        `shape mismatch: '${s.imagesKey}' ${shapeText(s.images.shape)} differs from '${raw[0].imagesKey}' ${shapeText(raw[0].images.shape)}`,
      );
    }
  }
  const classes = classNames(file, raw);
  const intensity = scaling ?? chooseScaling(raw.map((s) => s.images));

  const splits: Dataset['splits'] = {};
  for (const s of raw) {
    const split: LabeledSplit = { x: applyScaling(s.images.data as NumericArray, intensity), y: s.labels };
    if (s.groups) split.groups = s.groups;
    splits[s.name] = split;
  }

  const known = knownDatasetFor(file);
  return {
    name: known?.name ?? basename(file).replace(/\.npz$/i, ''),
    spatialShape: first.spatialShape,
    channels: first.channels,
    classes,
    source: file,
    citation: known?.citation,
    intensity,
    splits,
  };
}
