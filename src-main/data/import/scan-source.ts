// Finds the cases of an import source without reading any pixels: a folder with one sub-folder per class,
// or a CSV manifest. Every entry that is not a case is listed with its reason; only the DICOM headers are
// read here (to split folders into series), so scanning stays cheap beside the import itself.
//
// What a case is, inside a class folder (or at a CSV row's path):
//  - a file: NIfTI (.nii, .nii.gz), .npy volume, or a 2D image (PNG, JPEG, PGM);
//  - a folder holding DICOM files (found by content, anywhere below it): one case per SeriesInstanceUID;
//  - a folder holding PNG files directly: one volume, its slices sorted by the number in their names;
//  - any other folder is looked into as if it were a class folder, so nested exports (patient/study/...) work.
// DICOM files directly in a class folder are grouped into series the same way.
//
// Groups (the patient, so that a run's split never puts one patient in two splits): the CSV's group column
// where it has one; else, for DICOM, the keyed hash of PatientID (or StudyInstanceUID) that the scan computes
// with the import's secret key (dicom-file.ts), never the identifier itself; else the sub-folder of a class
// folder when it holds several cases (class/patient/...).

import { createHash } from 'node:crypto';
import { accessSync, constants } from 'node:fs';
import { stat } from 'node:fs/promises';
import { basename, dirname, resolve } from 'node:path';
import { looksLikeDicom, scanDicomFiles } from '../dicom/index';
import { DataFileError, fileSystemError } from '../errors';
import { readCsvManifest } from './csv-manifest';
import { CSV_FILE, PNG_FILE, kindByName, listFilesDeep, listFolder, naturalCompare, notAnImageReason, relativeId, sizeOf } from './source-files';
import type { CaseRef, SkippedFile } from './types';

export interface ScanResult {
  cases: CaseRef[];
  skipped: SkippedFile[];
}

/** What a case found in a folder or file needs besides its files: its label and CSV columns. */
type CaseMeta = Pick<CaseRef, 'label' | 'group' | 'split'>;

interface ScanContext {
  /** Ids and skipped files are relative to it: the source folder, or the CSV's folder. */
  root: string;
  /** The import's secret key for hashing DICOM patients into groups; none: DICOM cases get no patient group. */
  groupKey?: Uint8Array;
  cases: CaseRef[];
  skipped: SkippedFile[];
}

function addCase(ctx: ScanContext, ref: Omit<CaseRef, keyof CaseMeta>, meta: CaseMeta): void {
  const c: CaseRef = { ...ref, label: meta.label };
  if (meta.group !== undefined) c.group = meta.group;
  if (meta.split !== undefined) c.split = meta.split;
  ctx.cases.push(c);
}

async function skipFile(ctx: ScanContext, file: string): Promise<void> {
  ctx.skipped.push({ file: relativeId(ctx.root, file), reason: notAnImageReason(file, await sizeOf(file)) });
}

/** Named files split into series: one case per SeriesInstanceUID; ids hash the UID, never show it. */
async function addDicomCases(ctx: ScanContext, folder: string, files: string[], meta: CaseMeta): Promise<void> {
  const { series, skipped } = await scanDicomFiles(files, ctx.root, ctx.groupKey);
  ctx.skipped.push(...skipped);
  const base = relativeId(ctx.root, folder);
  // A file of the folder that cannot be read may be a slice of any of its series: importing the rest would
  // silently give a volume with a slice missing (and, with few slices, a wrong spacing), so none is imported.
  const unreadable = skipped.filter((s) => s.reason === 'permission denied');
  if (unreadable.length > 0) {
    const names = unreadable.map((s) => s.file).join(', ');
    for (const s of series) {
      const id = series.length === 1 ? base : `${base}#${seriesHash(s.uid)}`;
      ctx.skipped.push({ file: id, reason: `not imported: ${unreadable.length} file(s) of its folder cannot be read (${names}), so the series may be missing slices` });
    }
    return;
  }
  for (const s of series) {
    const id = series.length === 1 ? base : `${base}#${seriesHash(s.uid)}`;
    addCase(ctx, { id, kind: 'dicom-series', files: s.files }, { ...meta, group: meta.group ?? s.group });
  }
}

const seriesHash = (uid: string): string => createHash('sha256').update(uid).digest('hex').slice(0, 8);

/** Whether the process may read `file`; an unreadable file without a known extension may well be a DICOM slice. */
function readable(file: string): boolean {
  try {
    accessSync(file, constants.R_OK);
    return true;
  } catch {
    return false;
  }
}

const isDicomCandidate = (file: string): boolean => kindByName(file) === undefined && !CSV_FILE.test(file) && (looksLikeDicom(file) || !readable(file));

/** A folder at a case position: a DICOM series folder, a PNG stack, or a container of further cases. */
async function scanCaseFolder(ctx: ScanContext, dir: string, meta: CaseMeta): Promise<void> {
  const listedBefore = ctx.skipped.length;
  const deep = await listFilesDeep(dir, ctx.root, ctx.skipped);
  // A folder that cannot be listed is skipped with that reason (recorded by listFilesDeep), not as empty.
  const id = relativeId(ctx.root, dir);
  if (ctx.skipped.slice(listedBefore).some((s) => s.file === id)) return;
  const dicom = deep.filter(isDicomCandidate);
  if (dicom.length > 0) {
    await addDicomCases(ctx, dir, dicom, meta);
    const dicomSet = new Set(dicom);
    for (const f of deep.filter((x) => !dicomSet.has(x))) {
      // A NIfTI or image beside a series is usually a conversion or a screenshot of it, not another case.
      const kind = kindByName(f);
      if (kind) ctx.skipped.push({ file: relativeId(ctx.root, f), reason: `a ${kind} file inside the DICOM series folder ${relativeId(ctx.root, dir)}: not imported (move it out of the series folder to import it as a case)` });
      else await skipFile(ctx, f);
    }
    return;
  }
  // listFilesDeep has recorded every listing error below `dir` already.
  const top = await listFolder(dir, ctx.root, []);
  const pngs = top.files.filter((f) => PNG_FILE.test(f));
  if (pngs.length > 0) {
    addCase(ctx, { id: relativeId(ctx.root, dir), kind: 'png-stack', files: pngs.sort((a, b) => naturalCompare(basename(a), basename(b))) }, meta);
    for (const f of top.files) if (!PNG_FILE.test(f)) ctx.skipped.push({ file: relativeId(ctx.root, f), reason: `not a PNG slice of the stack ${relativeId(ctx.root, dir)} (${notAnImageReason(f, await sizeOf(f))})` });
    for (const d of top.dirs) await scanCaseFolder(ctx, d, meta);
    return;
  }
  if (top.files.length === 0 && top.dirs.length === 0) ctx.skipped.push({ file: relativeId(ctx.root, dir), reason: 'empty folder' });
  await scanContainer(ctx, dir, meta, top);
}

/**
 * A class folder (or a nested folder): its files are cases, its sub-folders case folders. In a class folder
 * (`groupSubfolders`), a sub-folder holding several cases is their group, for those without one.
 */
async function scanContainer(ctx: ScanContext, dir: string, meta: CaseMeta, listing?: Awaited<ReturnType<typeof listFolder>>, groupSubfolders = false): Promise<void> {
  const { files, dirs } = listing ?? (await listFolder(dir, ctx.root, ctx.skipped));
  const looseDicom: string[] = [];
  for (const f of files) {
    const kind = kindByName(f);
    if (kind) addCase(ctx, { id: relativeId(ctx.root, f), kind, files: [f] }, meta);
    else if (isDicomCandidate(f)) looseDicom.push(f);
    else await skipFile(ctx, f);
  }
  if (looseDicom.length > 0) await addDicomCases(ctx, dir, looseDicom, meta);
  for (const d of dirs) {
    const before = ctx.cases.length;
    await scanCaseFolder(ctx, d, meta);
    const found = ctx.cases.slice(before);
    if (groupSubfolders && found.length > 1) for (const c of found) c.group ??= relativeId(ctx.root, d);
  }
}

async function scanClassFolders(source: string, groupKey?: Uint8Array): Promise<ScanResult> {
  const ctx: ScanContext = { root: source, groupKey, cases: [], skipped: [] };
  const { files, dirs } = await listFolder(source, source, ctx.skipped);
  for (const f of files) {
    ctx.skipped.push({ file: relativeId(source, f), reason: 'not inside a class folder (a data set folder holds one sub-folder per class)' });
  }
  for (const dir of dirs) {
    const label = basename(dir);
    const before = ctx.cases.length;
    await scanContainer(ctx, dir, { label }, undefined, true);
    if (ctx.cases.length === before) ctx.skipped.push({ file: relativeId(source, dir), reason: `class folder ${label} has no readable case` });
  }
  // Reports, shards and splits list cases in the order a file browser shows them (ids start with the class).
  ctx.cases.sort((a, b) => naturalCompare(a.id, b.id));
  return { cases: ctx.cases, skipped: ctx.skipped };
}

async function scanCsv(csv: string, groupKey?: Uint8Array, labelsOptional = false): Promise<ScanResult> {
  const ctx: ScanContext = { root: dirname(csv), groupKey, cases: [], skipped: [] };
  const { rows, skipped } = await readCsvManifest(csv, { labelsOptional });
  ctx.skipped.push(...skipped);
  const seen = new Set<string>();
  for (const row of rows) {
    const file = resolve(ctx.root, row.path);
    const id = relativeId(ctx.root, file);
    if (seen.has(id)) {
      ctx.skipped.push({ file: row.path, reason: `line ${row.line} of ${csv} lists it a second time` });
      continue;
    }
    seen.add(id);
    let info;
    try {
      info = await stat(file);
    } catch (err) {
      ctx.skipped.push({ file: row.path, reason: `${fileSystemError(file, err).reason} (line ${row.line} of ${csv})` });
      continue;
    }
    const meta: CaseMeta = { label: row.label, group: row.group, split: row.split };
    const before = ctx.cases.length;
    if (info.isDirectory()) await scanCaseFolder(ctx, file, meta);
    else {
      const kind = kindByName(file);
      if (kind) addCase(ctx, { id, kind, files: [file] }, meta);
      else if (isDicomCandidate(file)) await addDicomCases(ctx, file, [file], meta);
      else await skipFile(ctx, file);
    }
    if (ctx.cases.length === before && info.isDirectory()) {
      ctx.skipped.push({ file: row.path, reason: `line ${row.line} of ${csv}: the folder holds no readable case` });
    }
  }
  checkGroupsInOneSplit(csv, ctx.cases);
  return { cases: ctx.cases, skipped: ctx.skipped };
}

/**
 * When the CSV fixes the splits, no group (the CSV's, or a DICOM patient found by the scan) may have cases in
 * two of them: the test split would then hold a patient the model was trained on.
 */
function checkGroupsInOneSplit(csv: string, cases: CaseRef[]): void {
  if (!cases.every((c) => c.split !== undefined)) return;
  const byGroup = new Map<string, CaseRef[]>();
  for (const c of cases) if (c.group !== undefined) byGroup.set(c.group, [...(byGroup.get(c.group) ?? []), c]);
  for (const [group, members] of byGroup) {
    const splits = [...new Set(members.map((c) => c.split))];
    if (splits.length < 2) continue;
    const where = splits.map((sp) => `${sp}: ${members.filter((c) => c.split === sp).map((c) => c.id).join(', ')}`).join('; ');
    throw new DataFileError(csv, `group ${group} is in ${splits.length} splits (${where}); a group (patient) must lie in one split`);
  }
}

/** The classes of `cases` in sorted (code-unit) order, so label indices never depend on the locale. */
export function classesOf(cases: { label: string }[]): string[] {
  return [...new Set(cases.map((c) => c.label))].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}

/** Throws unless the cases span at least two classes: a classifier needs them, and saying so early saves a long import. */
export function requireTwoClasses(source: string, cases: { label: string }[], skipped: SkippedFile[]): void {
  const classes = classesOf(cases);
  if (classes.length >= 2) return;
  const hint = skipped.length > 0 ? `; ${skipped.length} entr${skipped.length === 1 ? 'y was' : 'ies were'} skipped, e.g. ${skipped[0].file}: ${skipped[0].reason}` : '';
  throw new DataFileError(source, `needs at least 2 classes, found ${classes.length}${classes.length ? `: ${classes.join(', ')}` : ''}${hint}`);
}

/**
 * Finds the cases of a data set folder (one sub-folder per class) or CSV manifest. Never writes anything.
 * Throws a DataFileError naming the source when it cannot be read or holds fewer than two classes, or when a
 * CSV that fixes the splits puts one group in two. `groupKey`: the import's secret for DICOM patient groups.
 * `labelsOptional` (a cohort to predict): CSV rows may have no label (label ''), and fewer than two classes pass.
 */
export async function scanSource(source: string, opts: { groupKey?: Uint8Array; labelsOptional?: boolean } = {}): Promise<ScanResult> {
  const abs = resolve(source);
  let info;
  try {
    info = await stat(abs);
  } catch (err) {
    throw fileSystemError(abs, err);
  }
  let result: ScanResult;
  if (info.isDirectory()) result = await scanClassFolders(abs, opts.groupKey);
  else if (CSV_FILE.test(abs)) result = await scanCsv(abs, opts.groupKey, opts.labelsOptional);
  else throw new DataFileError(abs, 'expected a folder with one sub-folder per class, or a .csv manifest (path,label[,group][,split])');
  // Nested folders are listed once per level, so a listing error can be recorded more than once.
  const seen = new Set<string>();
  result.skipped = result.skipped.filter((s) => {
    const key = `${s.file}\0${s.reason}`;
    return seen.has(key) ? false : (seen.add(key), true);
  });
  // A cohort to predict (labelsOptional) may hold one class or none; a data set to train on needs two.
  if (!opts.labelsOptional) requireTwoClasses(abs, result.cases, result.skipped);
  return result;
}

/**
 * The one scan at `path` (predict's input): a DICOM series folder, a PNG stack folder, a NIfTI, .npy,
 * image or single DICOM file. Throws a DataFileError naming the path when it holds no scan or several series.
 */
export async function scanSingleCase(path: string): Promise<CaseRef> {
  const abs = resolve(path);
  let info;
  try {
    info = await stat(abs);
  } catch (err) {
    throw fileSystemError(abs, err);
  }
  const ctx: ScanContext = { root: dirname(abs), cases: [], skipped: [] };
  const meta: CaseMeta = { label: '' };
  if (info.isDirectory()) await scanCaseFolder(ctx, abs, meta);
  else {
    const kind = kindByName(abs);
    if (kind) addCase(ctx, { id: basename(abs), kind, files: [abs] }, meta);
    else if (isDicomCandidate(abs)) await addDicomCases(ctx, abs, [abs], meta);
    else throw new DataFileError(abs, notAnImageReason(abs, info.size));
  }
  if (ctx.cases.length === 1) return ctx.cases[0];
  if (ctx.cases.length > 1) throw new DataFileError(abs, `holds ${ctx.cases.length} scans (${ctx.cases.map((c) => c.id).join(', ')}); give the folder or file of one`);
  const why = ctx.skipped.length > 0 ? `: ${ctx.skipped[0].file}: ${ctx.skipped[0].reason}` : '';
  throw new DataFileError(abs, `holds no readable scan (DICOM series, NIfTI, .npy, PNG slices or image)${why}`);
}
