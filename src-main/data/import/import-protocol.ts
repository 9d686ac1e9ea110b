// Messages between the import orchestrator and its worker processes. Only small things cross: a case's
// file list going out, its CaseInfo (or why it failed) coming back; the voxels stay in the worker, which
// writes the preprocessed sample into the cache shard itself.

import type { CaseInfo, CaseRef, Recipe, SkippedFile } from './types';

export interface CaseJob {
  /** Position of the case in the orchestrator's list. */
  index: number;
  ref: CaseRef;
  /** Folder that skipped files are named relative to (the source folder or the CSV's folder). */
  root: string;
  /** Build mode: preprocess with `recipe` and write the float32 sample at byte `offset` of `file`. */
  build?: { recipe: Recipe; file: string; offset: number };
}

export type ToImportWorker = { type: 'case'; job: CaseJob } | { type: 'exit' };

export type FromImportWorker =
  | { type: 'ready'; pid: number }
  /** `slices`: the number of 2D slices read (D), for throughput figures. `peakRssMB`: the worker's VmHWM so far. */
  | { type: 'done'; index: number; info: CaseInfo; wrote: boolean; slices: number; seconds: number; peakRssMB: number }
  | { type: 'failed'; index: number; skipped: SkippedFile; seconds: number; peakRssMB: number };
