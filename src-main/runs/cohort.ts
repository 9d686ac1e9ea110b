// External validation: a completed run's decisions on a whole cohort (a folder of class folders or a CSV
// manifest, the import's sources). Every case is read and prepared by the import's worker processes with the
// run's own recipe (the same readers and preprocessing its training data went through), predicted by every
// model, and written as one CSV row; with labels, every model's metrics with 95% intervals, scored as the test
// split is (evaluate.ts). Cases that cannot be read are listed with their reasons and the rest goes on. The
// cohort's classes must be the run's: anything else is refused, naming both sets.
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { DataFileError } from '../data/errors';
import { pidAlive } from '../data/import/build';
import type { CaseJob } from '../data/import/import-protocol';
import { sourceRoot, type ImportRunOptions } from '../data/import/inspect';
import { rankMismatch } from '../data/import/recipe-defaults';
import { classesOf, scanSource } from '../data/import/scan-source';
import { createShards, planShards, slotOf, type ShardLayout } from '../data/import/shards';
import type { SkippedFile } from '../data/import/types';
import { runImportJobs } from '../data/import/worker-pool';
import { argmax } from '../engine/metrics';
import { writeFileAtomic } from '../engine/model-io';
import { positiveIndex, scoreModels } from './evaluate';
import { predictWithSet, runModelSet, type SetPredictions } from './model-set';
import { openForPrediction, PredictInputError } from './predict';
import type { CohortReport } from './cohort-types';

export type { CohortReport };

export interface CohortOptions extends ImportRunOptions {
  /** The CSV of predictions (default <run>/cohorts/<name>-<time>.csv). */
  out?: string;
  /** Cases per prediction pass (default PREDICT_CHUNK). */
  chunk?: number;
}

export const cohortsDir = (runDir: string) => path.join(runDir, 'cohorts');

/** Cases per prediction pass: at 64^3 voxels, 256 cases are 256 MB of input. */
const PREDICT_CHUNK = 256;

/** The samples at `slots` of the shards in `dir`, one after another. */
function readSlots(dir: string, layout: ShardLayout, slots: number[], sampleValues: number): Float32Array {
  const x = new Float32Array(slots.length * sampleValues);
  const bytes = new Uint8Array(x.buffer);
  const fds = new Map<string, number>();
  try {
    slots.forEach((k, j) => {
      const slot = slotOf(layout, k);
      let fd = fds.get(slot.file);
      if (fd === undefined) fds.set(slot.file, (fd = fs.openSync(path.join(dir, slot.file), 'r')));
      const want = sampleValues * 4;
      let done = 0;
      while (done < want) {
        const got = fs.readSync(fd, bytes, j * want + done, want - done, slot.offset + done);
        if (got === 0) throw new Error(`${path.join(dir, slot.file)}: ends inside sample ${k}`);
        done += got;
      }
    });
  } finally {
    for (const fd of fds.values()) fs.closeSync(fd);
  }
  return x;
}

function joinPredictions(parts: SetPredictions[]): SetPredictions {
  const cat = <T extends Float32Array | Float64Array>(arrays: T[], make: (n: number) => T): T => {
    const out = make(arrays.reduce((s, a) => s + a.length, 0));
    let at = 0;
    for (const a of arrays) {
      out.set(a, at);
      at += a.length;
    }
    return out;
  };
  const f32 = (n: number) => new Float32Array(n);
  return {
    locals: parts[0].locals.map((_, i) => cat(parts.map((p) => p.locals[i]), f32)),
    cnnDnn: cat(parts.map((p) => p.cnnDnn), f32),
    average: cat(parts.map((p) => p.average), f32),
    vote: cat(parts.map((p) => p.vote), (n) => new Float64Array(n)),
    ...(parts[0].global ? { global: cat(parts.map((p) => p.global!), f32) } : {}),
  };
}

/** Scratch folders of cohort reads whose process died (a crash, a killed terminal). */
function removeAbandonedReads(dir: string): void {
  for (const name of fs.readdirSync(dir)) {
    const m = /^\.reading-(\d+)-/.exec(name);
    if (m && !pidAlive(Number(m[1]))) fs.rmSync(path.join(dir, name), { recursive: true, force: true });
  }
}

const stamp = () => new Date().toISOString().replace(/[:.]/g, '-').replace(/-\d\d\dZ$/, 'Z');

/** A CSV field: quoted when it holds a comma, quote or line break. */
const csvField = (v: string | number) => {
  const s = String(v);
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
};

/** The CSV of a cohort: case, true label (empty when unknown), every model's class probabilities, the CNN-DNN's decision. */
export function cohortCsv(ids: string[], labels: (string | undefined)[], classes: string[], probsOf: [string, ArrayLike<number>][]): string {
  const k = classes.length;
  const head = ['case', 'label', ...probsOf.flatMap(([m]) => classes.map((c) => `${m}:${c}`)), 'cnnDnn_decision'];
  const cnnDnn = probsOf.find(([m]) => m === 'cnnDnn')![1];
  const rows = ids.map((id, i) => [id, labels[i] ?? '', ...probsOf.flatMap(([, p]) => Array.from({ length: k }, (_, c) => Number(p[i * k + c]).toPrecision(6))), classes[argmax(cnnDnn, i * k, k)]]);
  return [head, ...rows].map((r) => r.map(csvField).join(',')).join('\n') + '\n';
}

/** Predicts every case of `source` with the completed run at `runDir`; writes the CSV and cohorts/<name>.json. */
export async function predictCohort(runDir: string, source: string, opts: CohortOptions = {}): Promise<CohortReport> {
  const abs = path.resolve(source);
  const rec = await openForPrediction(runDir);
  const recipe = rec.preprocessing.recipe;
  if (!recipe) throw new PredictInputError(`${abs}: run ${rec.id} was trained on ${rec.dataset.source}, not on imported scans, so it has no recipe to read a cohort with`);
  const set = runModelSet(runDir, rec);
  const t0 = performance.now();
  opts.onProgress?.({ phase: 'scan', done: 0, total: 0 });
  // A secret of its own: DICOM patient groups of this cohort cannot be matched with any other import's.
  // Labels are optional (a CSV may leave them out); the labels given must be classes of the run.
  const scan = await scanSource(abs, { groupKey: randomBytes(32), labelsOptional: true });
  const cohortClasses = classesOf(scan.cases.filter((c) => c.label !== ''));
  const runClasses = rec.dataset.classes;
  if (cohortClasses.some((c) => !runClasses.includes(c))) {
    throw new DataFileError(abs, `its classes (${cohortClasses.join(', ')}) do not match the classes run ${rec.id} was trained on (${runClasses.join(', ')})`);
  }
  const { root } = await sourceRoot(abs);
  const name = path.basename(abs).replace(/\.csv$/i, '') || 'cohort';
  const dir = cohortsDir(runDir);
  fs.mkdirSync(dir, { recursive: true });
  removeAbandonedReads(dir);
  // The samples are written by the workers into a scratch folder of the run, removed at the end.
  const tmp = fs.mkdtempSync(path.join(dir, `.reading-${process.pid}-`));
  try {
    const sampleValues = recipe.shape.reduce((a, b) => a * b, recipe.channels);
    const layout = planShards(scan.cases.length, sampleValues);
    await createShards(tmp, layout);
    const jobs: CaseJob[] = scan.cases.map((ref, k) => {
      const slot = slotOf(layout, k);
      return { index: k, ref, root, build: { recipe, file: path.join(tmp, slot.file), offset: slot.offset } };
    });
    const pool = await runImportJobs(jobs, { workers: opts.workers, launcher: opts.launcher, phase: 'build', onProgress: opts.onProgress });
    const skipped = scan.skipped.slice();
    const kept: number[] = [];
    pool.outcomes.forEach((o, k) => {
      if (o.info && o.wrote) kept.push(k);
      else if (o.info) skipped.push({ file: o.info.id, reason: rankMismatch(recipe, o.info.dims) ?? 'does not fit the run\'s recipe' });
      else if (o.skipped) skipped.push(o.skipped);
    });
    if (kept.length === 0) throw new DataFileError(abs, `no case could be read${skipped.length ? `, e.g. ${skipped[0].file}: ${skipped[0].reason}` : ''}`);
    const read = (performance.now() - t0) / 1000;

    // Predicted a chunk of cases at a time, so that memory stays bounded whatever the cohort's size.
    const t1 = performance.now();
    const parts: SetPredictions[] = [];
    const chunkSize = opts.chunk ?? PREDICT_CHUNK;
    for (let at = 0; at < kept.length; at += chunkSize) {
      const chunk = kept.slice(at, at + chunkSize);
      parts.push(await predictWithSet(set, readSlots(tmp, layout, chunk, sampleValues), chunk.length));
    }
    const p = joinPredictions(parts);
    const probsOf: [string, ArrayLike<number>][] = [['cnnDnn', p.cnnDnn], ['average', p.average], ['vote', p.vote], ...(p.global ? [['global', p.global] as [string, Float32Array]] : []), ...set.locals.map((l, i) => [l.name, p.locals[i]] as [string, Float32Array])];
    const predictSeconds = (performance.now() - t1) / 1000;

    const infos = kept.map((k) => pool.outcomes[k].info!);
    const labels = infos.map((i) => (i.label === '' ? undefined : i.label));
    const csvFile = path.resolve(opts.out ?? path.join(dir, `${name}-${stamp()}.csv`));
    fs.mkdirSync(path.dirname(csvFile), { recursive: true });
    writeFileAtomic(csvFile, cohortCsv(infos.map((i) => i.id), labels, runClasses, probsOf));
    // Metrics over the labelled cases (every model on the same ones).
    const k = runClasses.length;
    const labelled = labels.map((l, i) => (l === undefined ? -1 : i)).filter((i) => i >= 0);
    const labelIndex = Int32Array.from(labelled, (i) => runClasses.indexOf(labels[i]!));
    const rowsOf = (probs: ArrayLike<number>) => Float64Array.from(labelled.flatMap((i) => Array.from({ length: k }, (_, c) => probs[i * k + c])));
    const report: CohortReport = {
      kind: 'ddcnn-cohort',
      runId: rec.id,
      name,
      source: abs,
      createdAt: new Date().toISOString(),
      classes: runClasses,
      nCases: kept.length,
      perClass: Object.fromEntries(runClasses.map((c) => [c, labels.filter((l) => l === c).length])),
      labelled: labelled.length > 0,
      nLabelled: labelled.length,
      csv: csvFile,
      skipped,
      ...(labelled.length > 0 ? { metrics: scoreModels(Object.fromEntries(probsOf.map(([m, probs]) => [m, rowsOf(probs)])), labelIndex, k, positiveIndex(rec), rec.config.seed) } : {}),
      seconds: { read, predict: predictSeconds },
    };
    writeFileAtomic(path.join(dir, `${path.basename(csvFile, '.csv')}.json`), JSON.stringify(report, null, 1));
    return report;
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}

/** The cohorts a run was validated on (newest first), from its cohorts/ folder. */
export function listCohorts(runDir: string): CohortReport[] {
  const dir = cohortsDir(runDir);
  if (!fs.existsSync(dir)) return [];
  const out: CohortReport[] = [];
  for (const f of fs.readdirSync(dir)) {
    if (!f.endsWith('.json')) continue;
    try {
      const r = JSON.parse(fs.readFileSync(path.join(dir, f), 'utf8')) as CohortReport;
      if (r.kind === 'ddcnn-cohort') out.push(r);
    } catch {
      // A half-written or foreign file is not a cohort; the others still show.
    }
  }
  return out.sort((a, b) => (a.createdAt < b.createdAt ? 1 : -1));
}
