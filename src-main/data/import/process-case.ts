// The work on one case inside an import worker: read it, state its facts and, when building, apply the
// recipe and write the sample into its slot of the cache shard. Kept apart from the process plumbing of
// import-worker.ts so that it can be tested, and run in-process, as a plain function.

import { open } from 'node:fs/promises';
import { isAbsolute } from 'node:path';
import { DataFileError } from '../errors';
import { applyRecipe } from '../recipe';
import type { FromImportWorker, CaseJob } from './import-protocol';
import { caseInfo, readCase } from './read-case';
import { rankMismatch } from './recipe-defaults';
import { relativeId } from './source-files';
import type { SkippedFile } from './types';
import { peakRssMB } from '../peak-memory';

/** A failure as the skipped list shows it: the file the reader named (relative to the source) and its reason. */
export function skippedFromError(err: unknown, job: Pick<CaseJob, 'ref' | 'root'>): SkippedFile {
  if (err instanceof DataFileError) {
    const file = isAbsolute(err.file) ? relativeId(job.root, err.file) : err.file;
    return { file, reason: file === job.ref.id ? err.reason : `${err.reason} (case ${job.ref.id})` };
  }
  return { file: job.ref.id, reason: err instanceof Error ? err.message : String(err) };
}

async function writeSample(file: string, offset: number, sample: Float32Array): Promise<void> {
  const fh = await open(file, 'r+');
  try {
    const bytes = new Uint8Array(sample.buffer, sample.byteOffset, sample.byteLength);
    let done = 0;
    while (done < bytes.length) done += (await fh.write(bytes, done, bytes.length - done, offset + done)).bytesWritten;
  } finally {
    await fh.close();
  }
}

export async function processCase(job: CaseJob): Promise<Extract<FromImportWorker, { type: 'done' | 'failed' }>> {
  const t0 = performance.now();
  const seconds = () => (performance.now() - t0) / 1000;
  try {
    const vol = await readCase(job.ref);
    const info = caseInfo(job.ref, vol);
    // A case of the wrong rank (a 2D image in a volume data set) is not written; the orchestrator leaves it
    // out with the reason once it has every case's facts (recipe-defaults.ts, resolveRecipe's `excluded`).
    const write = job.build !== undefined && rankMismatch(job.build.recipe, vol.dims) === undefined;
    if (write) {
      const { recipe, file, offset } = job.build!;
      const sample = applyRecipe(vol, recipe);
      const expected = recipe.shape.reduce((a, b) => a * b, recipe.channels);
      if (sample.length !== expected) throw new Error(`preprocessing gave ${sample.length} values, the recipe ${recipe.shape.join('x')}x${recipe.channels} needs ${expected}`);
      await writeSample(file, offset, sample);
    }
    return { type: 'done', index: job.index, info, wrote: write, slices: vol.shape[0], seconds: seconds(), peakRssMB: peakRssMB() };
  } catch (err) {
    return { type: 'failed', index: job.index, skipped: skippedFromError(err, job), seconds: seconds(), peakRssMB: peakRssMB() };
  }
}
