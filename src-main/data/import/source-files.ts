// File-level conventions of an import source: which file names are which kind of case, how case ids are
// written, how slice files sort, and how a folder is listed without ever failing the whole import on one
// unreadable entry.

import { readdir, stat } from 'node:fs/promises';
import { extname, join, relative, sep } from 'node:path';
import type { SkippedFile } from './types';

export const NIFTI_FILE = /\.nii(\.gz)?$/i;
export const NPY_FILE = /\.npy$/i;
export const IMAGE_FILE = /\.(png|jpe?g|pgm)$/i;
export const PNG_FILE = /\.png$/i;
export const CSV_FILE = /\.csv$/i;

/** The case kind a file's name alone decides; DICOM files are found by content (they often have no extension). */
export function kindByName(file: string): 'nifti' | 'npy' | 'image' | undefined {
  if (NIFTI_FILE.test(file)) return 'nifti';
  if (NPY_FILE.test(file)) return 'npy';
  if (IMAGE_FILE.test(file)) return 'image';
  return undefined;
}

/**
 * Hidden entries (.DS_Store, macOS ._ files, .git) are neither cases nor worth a line in the skipped list;
 * they are left out of scanning and of the source fingerprint alike.
 */
export const isHidden = (name: string): boolean => name.startsWith('.');

/** A path relative to the source root with '/' separators on every platform: how cases and skipped files are named. */
export function relativeId(root: string, file: string): string {
  const rel = relative(root, file);
  return rel === '' ? '.' : rel.split(sep).join('/');
}

/**
 * Compares names by the numbers in them, so that slice 2.png sorts before 10.png (the order a person means);
 * ties fall back to plain code-unit order so the result never depends on the locale.
 */
export function naturalCompare(a: string, b: string): number {
  const split = (s: string) => s.split(/(\d+)/);
  const pa = split(a);
  const pb = split(b);
  for (let i = 0; i < Math.min(pa.length, pb.length); i++) {
    if (pa[i] === pb[i]) continue;
    if (i % 2 === 1) {
      const d = Number(pa[i]) - Number(pb[i]);
      if (d !== 0) return d;
    }
    return pa[i] < pb[i] ? -1 : 1;
  }
  return pa.length - pb.length || (a < b ? -1 : a > b ? 1 : 0);
}

/** Plain-language reason for an entry that is not a case of any supported kind. */
export function notAnImageReason(file: string, size: number | undefined): string {
  if (size === 0) return 'empty file (0 bytes)';
  if (/\.(dcm|dicom|ima)$/i.test(file)) return 'not a readable DICOM file (no DICOM header found)';
  if (/\.npz$/i.test(file)) return 'an .npz file holds a whole data set: give it to --data itself, not inside an import folder';
  const ext = extname(file);
  return `not an image file (${ext ? `'${ext}'` : 'no extension'}); expected DICOM, NIfTI (.nii, .nii.gz), .npy, PNG, JPEG or PGM`;
}

export function fsReason(err: unknown): string {
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  if (code === 'EACCES' || code === 'EPERM') return 'permission denied';
  if (code === 'ENOENT') return 'not found';
  if (code === 'ELOOP') return 'symbolic link loop';
  return err instanceof Error ? err.message : String(err);
}

export interface FolderListing {
  files: string[];
  dirs: string[];
}

/**
 * The visible files and sub-folders of `dir` (absolute paths, natural order), following symbolic links.
 * An entry that cannot be read is added to `skipped` (named relative to `root`) instead of failing.
 */
export async function listFolder(dir: string, root: string, skipped: SkippedFile[]): Promise<FolderListing> {
  const out: FolderListing = { files: [], dirs: [] };
  let entries;
  try {
    entries = await readdir(dir, { withFileTypes: true });
  } catch (err) {
    skipped.push({ file: relativeId(root, dir), reason: `cannot list the folder: ${fsReason(err)}` });
    return out;
  }
  entries.sort((a, b) => naturalCompare(a.name, b.name));
  for (const e of entries) {
    if (isHidden(e.name)) continue;
    const full = join(dir, e.name);
    let isDir = e.isDirectory();
    let isFile = e.isFile();
    if (e.isSymbolicLink()) {
      try {
        const s = await stat(full);
        isDir = s.isDirectory();
        isFile = s.isFile();
      } catch (err) {
        skipped.push({ file: relativeId(root, full), reason: `broken link: ${fsReason(err)}` });
        continue;
      }
    }
    if (isDir) out.dirs.push(full);
    else if (isFile) out.files.push(full);
    else skipped.push({ file: relativeId(root, full), reason: 'not a regular file or folder' });
  }
  return out;
}

/** Every visible file under `dir`, recursively, in natural order per folder. */
export async function listFilesDeep(dir: string, root: string, skipped: SkippedFile[]): Promise<string[]> {
  const { files, dirs } = await listFolder(dir, root, skipped);
  for (const d of dirs) files.push(...(await listFilesDeep(d, root, skipped)));
  return files;
}

/** Size of a file, or undefined when it cannot be read (the caller's reason then says so). */
export async function sizeOf(file: string): Promise<number | undefined> {
  try {
    return (await stat(file)).size;
  } catch {
    return undefined;
  }
}
