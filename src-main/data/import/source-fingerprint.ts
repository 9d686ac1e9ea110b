// The identity of an import: sha256 over the sorted (relative path, size, mtime) of every source file and the
// canonical JSON of the recipe options. Computed from file metadata only, so checking whether a cache can
// be reused reads no image at all; touching or changing any file, or changing an option, gives a new one.
//
// The options as given are hashed, not the resolved recipe: the defaults are a pure function of the sources
// (recipe-defaults.ts), so equal sources and equal options always resolve to the equal recipe.

import { createHash } from 'node:crypto';
import { readdir, stat } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { canonicalJson } from '../cache';
import { readCsvManifest } from './csv-manifest';
import type { RecipeOptions } from './recipe-defaults';
import { CSV_FILE, fsReason, isHidden, relativeId } from './source-files';

/** Bump when the cache's content for the same sources and options changes (layout, readers' conventions). */
export const IMPORT_CACHE_VERSION = 1;

type Entry = [path: string, size: number | string, mtimeMs: number];

async function walk(dir: string, root: string, out: Entry[]): Promise<void> {
  let entries;
  try {
    entries = await readdir(dir, { withFileTypes: true });
  } catch (err) {
    out.push([relativeId(root, dir), `unreadable: ${fsReason(err)}`, 0]);
    return;
  }
  for (const e of entries) {
    if (isHidden(e.name)) continue;
    await addPath(join(dir, e.name), root, out);
  }
}

async function addPath(file: string, root: string, out: Entry[]): Promise<void> {
  try {
    const s = await stat(file);
    if (s.isDirectory()) await walk(file, root, out);
    else out.push([relativeId(root, file), s.size, s.mtimeMs]);
  } catch (err) {
    out.push([relativeId(root, file), `unreadable: ${fsReason(err)}`, 0]);
  }
}

export interface SourceFingerprint {
  fingerprint: string;
  /** Files seen, for messages. */
  files: number;
}

/** Fingerprint of a data set folder (every visible file below it) or a CSV (itself and every path it lists). */
export async function sourceFingerprint(source: string, options: RecipeOptions): Promise<SourceFingerprint> {
  const abs = resolve(source);
  const entries: Entry[] = [];
  if (CSV_FILE.test(abs) && !(await stat(abs).then((s) => s.isDirectory(), () => false))) {
    const root = dirname(abs);
    await addPath(abs, root, entries);
    const { rows } = await readCsvManifest(abs);
    // The rows themselves (labels, groups, splits) are in the CSV's bytes, which its size and mtime stand for.
    for (const row of rows) await addPath(resolve(root, row.path), root, entries);
  } else {
    await addPath(abs, abs, entries);
  }
  const unique = [...new Map(entries.map((e) => [e[0], e])).values()].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  const hash = createHash('sha256');
  hash.update(`ddcnn import cache v${IMPORT_CACHE_VERSION}\n`);
  for (const [p, size, mtime] of unique) hash.update(`${JSON.stringify(p)}\t${size}\t${mtime}\n`);
  hash.update(`recipe ${canonicalJson(options)}\n`);
  return { fingerprint: hash.digest('hex'), files: unique.length };
}
