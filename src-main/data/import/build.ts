// `ddcnn dataset build`: turns a data set folder or CSV into an import cache of preprocessed samples,
//   <cacheRoot>/<slug>-<first 12 hex of the fingerprint>/{manifest.json, shard-000.f32, ...}
// outside the source, which is never written to. Unchanged sources and options reuse the cache without
// reading a single image; any changed file or option gives a new fingerprint and a new build.
//
// Reads per case: one when --shape and --window are given (each worker inspects the case and, in the same
// read, preprocesses it and writes the sample); two otherwise, because the default shape and window depend
// on every case (an inspect pass first, then the build pass). A one-read build that finds colour cases
// while it assumed grey also re-reads, with 3 channels.
//
// The build happens in a temporary folder beside the final one, renamed into place only once complete, so
// a crash or Ctrl-C never leaves a cache that looks finished.

import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, readdir, rename, rm } from 'node:fs/promises';
import { basename, join, relative, resolve, isAbsolute } from 'node:path';
import { DataFileError } from '../errors';
import type { CaseJob } from './import-protocol';
import { IMPORT_SCHEMA_VERSION, SAMPLE_LAYOUT, tryReadImportManifest, writeImportManifest, type ImportManifest } from './import-manifest';
import { collectOutcomes, emptyClasses, inspectScan, sourceRoot, type ImportRunOptions } from './inspect';
import { checkRecipeOptions, resolveRecipe, sameRecipe, tentativeRecipe, type RecipeOptions } from './recipe-defaults';
import { classesOf, requireTwoClasses, scanSource } from './scan-source';
import { compactShards, createShards, planShards, removeShards, shardFile, slotOf, type ShardLayout } from './shards';
import { sourceFingerprint } from './source-fingerprint';
import type { CaseInfo, Recipe, SkippedFile } from './types';
import { runImportJobs, type PoolReport } from './worker-pool';

export interface BuildOptions extends ImportRunOptions {
  /** Folder that holds the import caches: <workspace>/datasets. */
  cacheRoot: string;
}

export interface BuildResult {
  dir: string;
  manifest: ImportManifest;
  /** True when an existing cache with the same fingerprint was used and nothing was read. */
  reused: boolean;
}

/** A file-name-safe short name for the cache folder: the source's name without accents or odd characters. */
export function cacheSlug(source: string): string {
  const name = basename(source).replace(/\.csv$/i, '');
  const ascii = name.normalize('NFKD').replace(/[\u0300-\u036f]/g, '');
  const slug = ascii.replace(/[^A-Za-z0-9._-]+/g, '_').replace(/^[._]+|_+$/g, '').slice(0, 40);
  return slug || 'dataset';
}

const isInside = (parent: string, child: string): boolean => {
  const rel = relative(parent, child);
  return rel === '' || (!rel.startsWith('..') && !isAbsolute(rel));
};

/** Whether a process of this machine still runs (EPERM: it does, as another user). */
export const pidAlive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
};

/** Removes temporary build folders left by processes that no longer run (a crash, a killed terminal). */
async function removeAbandonedBuilds(cacheRoot: string): Promise<void> {
  for (const name of await readdir(cacheRoot).catch(() => [] as string[])) {
    const m = /^\.building-(\d+)-/.exec(name);
    if (m && !pidAlive(Number(m[1]))) await rm(join(cacheRoot, name), { recursive: true, force: true });
  }
}

interface Written {
  info: CaseInfo;
  /** Slot in the layout the sample was written to. */
  slot: number;
}

/** Runs the build pass over `cases` (positions into scan.cases), writing sample k of them to slot k. */
async function buildPass(tmp: string, root: string, refs: CaseJob['ref'][], recipe: Recipe, opts: ImportRunOptions): Promise<{ layout: ShardLayout; pool: PoolReport }> {
  const layout = planShards(refs.length, recipe.shape.reduce((a, b) => a * b, recipe.channels));
  await createShards(tmp, layout);
  const jobs: CaseJob[] = refs.map((ref, k) => {
    const slot = slotOf(layout, k);
    return { index: k, ref, root, build: { recipe, file: join(tmp, slot.file), offset: slot.offset } };
  });
  const pool = await runImportJobs(jobs, { workers: opts.workers, launcher: opts.launcher, phase: 'build', onProgress: opts.onProgress });
  return { layout, pool };
}

async function buildInto(tmp: string, abs: string, fingerprint: string, options: RecipeOptions, opts: ImportRunOptions): Promise<ImportManifest> {
  const t0 = performance.now();
  opts.onProgress?.({ phase: 'scan', done: 0, total: 0 });
  // A new secret per cache: its DICOM patient groups cannot be matched with those of any other cache or report.
  const groupKey = randomBytes(32);
  const scan = await scanSource(abs, { groupKey });
  const { root, kind } = await sourceRoot(abs);
  const tentative = tentativeRecipe(options);

  // Pass 1: every case read once; preprocessed in the same read when the options fix the recipe.
  let infos: { at: number; info: CaseInfo }[];
  let skipped: SkippedFile[];
  let layout: ShardLayout | undefined;
  const pools: PoolReport[] = [];
  if (tentative) {
    const pass = await buildPass(tmp, root, scan.cases, tentative, opts);
    layout = pass.layout;
    pools.push(pass.pool);
    ({ infos, skipped } = collectOutcomes(kind, scan, pass.pool.outcomes));
  } else {
    const inspected = await inspectScan(abs, scan, opts);
    pools.push(inspected.pool);
    infos = inspected.infos;
    skipped = inspected.report.skipped;
  }
  requireTwoClasses(abs, infos.map((i) => i.info), skipped);
  const { recipe, notes, excluded } = resolveRecipe(infos.map((i) => i.info), options);
  const excludedIds = new Set(excluded.map((e) => e.file));
  skipped.push(...excluded);
  const kept = infos.filter((i) => !excludedIds.has(i.info.id));
  skipped.push(...emptyClasses(kind, infos.map((i) => i.info), kept.map((k) => k.info)));
  requireTwoClasses(abs, kept.map((k) => k.info), skipped);

  let written: Written[];
  let reads: 1 | 2 = 1;
  if (tentative && layout && sameRecipe(tentative, recipe)) {
    // Every kept case fits the recipe's rank, so its worker wrote it in pass 1.
    const outcomes = pools[0].outcomes;
    if (!kept.every((k) => outcomes[k.at].wrote)) throw new Error('import: a readable case of the right rank was not written');
    written = kept.map((k) => ({ info: k.info, slot: k.at }));
  } else {
    // Pass 2: the recipe needed every case first (or the grey assumption was wrong): read the readable cases again.
    if (layout) await removeShards(tmp, layout);
    reads = 2;
    const pass = await buildPass(tmp, root, kept.map((k) => scan.cases[k.at]), recipe, opts);
    layout = pass.layout;
    pools.push(pass.pool);
    written = [];
    pass.pool.outcomes.forEach((o, k) => {
      if (o.info) written.push({ info: o.info, slot: k });
      else if (o.skipped) skipped.push(o.skipped);
    });
    skipped.push(...emptyClasses(kind, kept.map((k) => k.info), written.map((w) => w.info)));
    requireTwoClasses(abs, written.map((w) => w.info), skipped);
  }

  // Squeeze out the slots of cases that failed or were excluded, so samples lie one after another.
  const total = layout.shards.reduce((a, b) => a + b, 0);
  if (written.length !== total || written.some((w, k) => w.slot !== k)) layout = await compactShards(tmp, layout, written.map((w) => w.slot));

  const classes = classesOf(written.map((w) => w.info));
  const manifest: ImportManifest = {
    schemaVersion: IMPORT_SCHEMA_VERSION,
    kind: 'ddcnn-import-cache',
    source: abs,
    sourceKind: kind,
    fingerprint,
    groupKey: groupKey.toString('hex'),
    recipe,
    recipeNotes: notes,
    classes,
    sampleLayout: SAMPLE_LAYOUT,
    sampleValues: layout.sampleBytes / 4,
    shards: layout.shards.map((samples, i) => ({ file: shardFile(i), samples })),
    cases: written.map(({ info }, k) => {
      const { shard, index } = slotOf(layout!, k);
      const c: ImportManifest['cases'][number] = {
        id: info.id,
        label: classes.indexOf(info.label),
        shard,
        index,
        kind: info.kind,
        dims: info.dims,
        size: info.size,
        channels: info.channels,
        spacing: info.spacing,
        range: info.range,
        units: info.units,
        modality: info.modality,
        warnings: info.warnings,
      };
      if (info.group !== undefined) c.group = info.group;
      if (info.split !== undefined) c.split = info.split;
      return c;
    }),
    skipped,
    createdAt: new Date().toISOString(),
    stats: {
      reads,
      seconds: (performance.now() - t0) / 1000,
      workers: Math.max(...pools.map((p) => p.workers)),
      workerPeakMB: Math.max(...pools.map((p) => p.workerPeakMB)),
      slices: pools[0].outcomes.reduce((s, o) => s + (o.slices ?? 0), 0),
    },
  };
  await writeImportManifest(tmp, manifest);
  return manifest;
}

/**
 * Builds the import cache of `source` with `options` under `opts.cacheRoot`, or reuses the one that exists.
 * Bad cases are skipped with their reasons (manifest.skipped); a source with fewer than two readable classes,
 * or options that fit no case, throw.
 */
export async function buildImportCache(source: string, options: RecipeOptions, opts: BuildOptions): Promise<BuildResult> {
  const abs = resolve(source);
  checkRecipeOptions(options);
  const cacheRoot = resolve(opts.cacheRoot);
  const { root, kind } = await sourceRoot(abs);
  if (kind === 'folder' && isInside(root, cacheRoot)) {
    throw new DataFileError(abs, `the cache folder ${cacheRoot} would lie inside the data set, which is never written to; give a --workspace outside it`);
  }
  const { fingerprint } = await sourceFingerprint(abs, options);
  const dir = join(cacheRoot, `${cacheSlug(abs)}-${fingerprint.slice(0, 12)}`);
  const existing = tryReadImportManifest(dir);
  if (existing?.fingerprint === fingerprint) return { dir, manifest: existing, reused: true };

  await mkdir(cacheRoot, { recursive: true });
  await removeAbandonedBuilds(cacheRoot);
  const tmp = await mkdtemp(join(cacheRoot, `.building-${process.pid}-`));
  try {
    const manifest = await buildInto(tmp, abs, fingerprint, options, opts);
    // A folder already there has no valid manifest for this fingerprint (checked above), unless another
    // build of the same sources finished meanwhile: then that one is as good as ours.
    const raced = tryReadImportManifest(dir);
    if (raced?.fingerprint === fingerprint) {
      await rm(tmp, { recursive: true, force: true });
      return { dir, manifest: raced, reused: false };
    }
    await rm(dir, { recursive: true, force: true });
    await rename(tmp, dir);
    return { dir, manifest, reused: false };
  } catch (err) {
    await rm(tmp, { recursive: true, force: true });
    throw err;
  }
}
