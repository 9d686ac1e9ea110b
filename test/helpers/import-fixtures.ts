// Real-data fixtures for the import tests: copies of the shared CT files (never written in place), the LIDC
// nodule PNG stacks extracted from their tar, and a checksum of a folder to prove an import left it unchanged.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { findProjectRoot } from '../../src-main/data/project-root';

export const SHARED_DATA = path.resolve(findProjectRoot(import.meta.url), '../shared/data');
export const DICOM_20_J2K = path.join(SHARED_DATA, 'ct-dicom/totalsegmentator_example_ct_dicom');
export const DICOM_20_RAW = path.join(SHARED_DATA, 'ct-dicom/totalsegmentator_example_ct_dicom_uncompressed');
export const DICOM_GE_3 = path.join(SHARED_DATA, 'ct-dicom/dcmqi_ct_3slice');
export const NIFTI_CT = path.join(SHARED_DATA, 'ct-nifti/totalsegmentator/example_ct.nii.gz');
export const NIFTI_CT_SM = path.join(SHARED_DATA, 'ct-nifti/totalsegmentator/example_ct_sm.nii.gz');
export const NIFTI_HEAD = path.join(SHARED_DATA, 'ct-nifti/vtkjs/vtk_headsq_int16.nii.gz');
export const ORL_TAR = path.join(SHARED_DATA, 'orl-faces/att_faces_pgm.tar');
export const LIDC_TAR = path.join(SHARED_DATA, 'lidc-nodules/images.tar');
export const LIDC_INDEX = path.join(SHARED_DATA, 'lidc-nodules/index.csv');

const created: string[] = [];

/** A fresh temporary folder, removed by removeTempDirs (call it in afterAll). */
export function tempDir(prefix = 'ddcnn-import-'): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  created.push(dir);
  return dir;
}

export function removeTempDirs(): void {
  for (const d of created.splice(0)) fs.rmSync(d, { recursive: true, force: true });
}

/** Copies a file or folder; the copies are made writable (the shared originals are read-only). */
export function copy(from: string, to: string): void {
  fs.mkdirSync(path.dirname(to), { recursive: true });
  fs.cpSync(from, to, { recursive: true });
  const makeWritable = (p: string) => {
    const s = fs.statSync(p);
    fs.chmodSync(p, s.mode | 0o200);
    if (s.isDirectory()) for (const e of fs.readdirSync(p)) makeWritable(path.join(p, e));
  };
  makeWritable(to);
}

/** Slice files of a series folder, sorted by name. */
export function sliceFiles(dir: string): string[] {
  return fs.readdirSync(dir).sort().map((f) => path.join(dir, f));
}

/** sha256, size and mtime of every file below `dir`, by relative path: equal before and after means untouched. */
export function checksumTree(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (d: string) => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) {
        out[`${path.relative(dir, p)}/`] = 'dir';
        walk(p);
      } else {
        const s = fs.statSync(p);
        out[path.relative(dir, p)] = `${createHash('sha256').update(fs.readFileSync(p)).digest('hex')} ${s.size} ${s.mtimeMs}`;
      }
    }
  };
  walk(dir);
  return out;
}

/** Every file below `dir`, as one string per file's bytes (latin1), to search for strings that must not be there. */
export function filesBelow(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p);
      else out.push(p);
    }
  };
  walk(dir);
  return out;
}

export interface LidcStack {
  dir: string;
  label: number;
  className: string;
  group: string;
  slices: number;
}

/** index.csv of the LIDC nodule set: nodule_dir,label,class_name,group_id,n_slices,... */
export function lidcIndex(): LidcStack[] {
  const [header, ...rows] = fs.readFileSync(LIDC_INDEX, 'utf8').trim().split('\n');
  const cols = header.split(',');
  const at = (name: string) => cols.indexOf(name);
  return rows.map((r) => {
    const f = r.split(',');
    return { dir: f[at('nodule_dir')], label: Number(f[at('label')]), className: f[at('class_name')], group: f[at('group_id')], slices: Number(f[at('n_slices')]) };
  });
}

/** Extracts the LIDC PNG stacks into `dest` (images/<class>/<group>/[<sub>/]<slice>.png). */
export function extractLidc(dest: string): void {
  fs.mkdirSync(dest, { recursive: true });
  execFileSync('tar', ['xf', LIDC_TAR, '-C', dest]);
}

/** A stratified subset: the first n*share stacks of each class, in index order (deterministic). */
export function lidcSubset(n: number): LidcStack[] {
  const all = lidcIndex();
  const byClass = new Map<number, LidcStack[]>();
  for (const s of all) byClass.set(s.label, [...(byClass.get(s.label) ?? []), s]);
  const out: LidcStack[] = [];
  for (const [, stacks] of byClass) out.push(...stacks.filter((_, i) => i % Math.ceil(all.length / n) === 0));
  return out;
}
