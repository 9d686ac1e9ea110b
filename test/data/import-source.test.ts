// Importing a data set folder built from the real CT files plus every kind of bad entry: the good cases are
// reported with facts known independently of this code (the shared data's READMEs, checked with dcmtk,
// pydicom and nibabel), every bad entry is listed with a reason naming it, the import completes, and the
// source folder is byte-for-byte unchanged. CSV manifests: good rows, a missing file, an empty label, a bad header.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildImportCache } from '../../src-main/data/import/build';
import { inspectSource } from '../../src-main/data/import/inspect';
import { scanSource } from '../../src-main/data/import/scan-source';
import { readCase } from '../../src-main/data/import/read-case';
import { applyRecipe } from '../../src-main/data/recipe';
import type { InspectReport } from '../../src-main/data/import/types';
import { ORL_TAR, DICOM_20_J2K, DICOM_20_RAW, DICOM_GE_3, NIFTI_CT, NIFTI_HEAD, NIFTI_CT_SM, checksumTree, copy, removeTempDirs, sliceFiles, tempDir } from '../helpers/import-fixtures';

afterAll(removeTempDirs);

const SERIES_20 = 'normal/ct 20 slices';
const NON_ASCII = 'tumör é';

/** The data set: two readable classes, one class folder with nothing readable, and bad entries among the good. */
function makeSource(): string {
  const src = path.join(tempDir(), 'my scans');
  copy(DICOM_20_J2K, path.join(src, SERIES_20));
  copy(DICOM_GE_3, path.join(src, 'normal/ge 3 slices'));
  fs.writeFileSync(path.join(src, 'normal/notes.txt'), 'exported from the PACS on Monday\n');
  fs.writeFileSync(path.join(src, 'normal/empty.dcm'), '');
  // A truncated DICOM: the first 200 kB of a real uncompressed slice (its header is whole, its pixels cut).
  const slice = fs.readFileSync(sliceFiles(DICOM_20_RAW)[0]);
  fs.mkdirSync(path.join(src, 'normal/broken series'));
  fs.writeFileSync(path.join(src, 'normal/broken series/cut.dcm'), slice.subarray(0, 200_000));
  copy(NIFTI_CT, path.join(src, NON_ASCII, 'abdomen ct.nii.gz'));
  copy(NIFTI_HEAD, path.join(src, NON_ASCII, 'köpf.nii.gz'));
  // A NIfTI with a corrupt header: a real volume, uncompressed, whose sizeof_hdr and dim[0] are overwritten.
  const nii = gunzipSync(fs.readFileSync(NIFTI_CT_SM));
  nii.writeInt32LE(12345, 0);
  nii.writeInt16LE(99, 40);
  fs.writeFileSync(path.join(src, NON_ASCII, 'bad header.nii'), nii);
  fs.mkdirSync(path.join(src, 'leer'));
  fs.writeFileSync(path.join(src, 'leer/readme.md'), '# nothing here yet\n');
  return src;
}

describe('a data set folder of real scans with bad entries', () => {
  let src: string;
  let before: Record<string, string>;
  let report: InspectReport;
  beforeAll(async () => {
    src = makeSource();
    before = checksumTree(src);
    report = await inspectSource(src, { workers: 2 });
  });

  it('reports the good cases with the facts of their sources', () => {
    expect(report.source).toBe(src);
    expect(report.classes).toEqual([
      { name: 'normal', cases: 2 },
      { name: NON_ASCII, cases: 2 },
    ]);
    const byId = new Map(report.cases.map((c) => [c.id, c]));
    expect([...byId.keys()].sort()).toEqual([SERIES_20, 'normal/ge 3 slices', `${NON_ASCII}/abdomen ct.nii.gz`, `${NON_ASCII}/köpf.nii.gz`].sort());
    // ct-dicom/README.md: 20 slices of 512x512, pixel 0.9766 mm, z step 2 mm, HU -1024..1839, CT.
    const s20 = byId.get(SERIES_20)!;
    expect(s20).toMatchObject({ kind: 'dicom-series', dims: 3, size: [512, 512, 20], range: [-1024, 1839], units: 'HU', modality: 'CT', label: 'normal' });
    expect(s20.spacing[0]).toBeCloseTo(0.9766, 4);
    expect(s20.spacing[1]).toBeCloseTo(0.9766, 4);
    expect(s20.spacing[2]).toBeCloseTo(2, 4);
    // GE: 512x512, 0.8105 mm pixels, 3 slices 1 mm apart, stored -2000..2405 with intercept -1024.
    const ge = byId.get('normal/ge 3 slices')!;
    expect(ge.size).toEqual([512, 512, 3]);
    expect(ge.spacing[0]).toBeCloseTo(0.8105, 3);
    expect(ge.spacing[2]).toBeCloseTo(1, 3);
    expect(ge.range[1]).toBe(2405 - 1024);
    // ct-nifti/README.md: example_ct (122,101,112) HU -1207..3382 at 3 mm; headsq (64,64,93) 0..3926, not HU.
    const ct = byId.get(`${NON_ASCII}/abdomen ct.nii.gz`)!;
    expect([...ct.size].sort((a, b) => a - b)).toEqual([101, 112, 122]);
    expect(ct.range).toEqual([-1207, 3382]);
    expect(ct.spacing.map((v) => Number(v.toFixed(3)))).toEqual([3, 3, 3]);
    const head = byId.get(`${NON_ASCII}/köpf.nii.gz`)!;
    expect([...head.size].sort((a, b) => a - b)).toEqual([64, 64, 93]);
    expect(head.range).toEqual([0, 3926]);
  });

  it('lists every bad entry with a reason naming it', () => {
    const skipped = new Map(report.skipped.map((s) => [s.file, s.reason]));
    expect(skipped.get('normal/notes.txt')).toMatch(/not an image file/);
    expect(skipped.get('normal/empty.dcm')).toMatch(/empty|0 bytes/);
    expect(skipped.get('normal/broken series/cut.dcm')).toMatch(/truncat|end of file|pixel data/i);
    expect(skipped.get(`${NON_ASCII}/bad header.nii`)).toMatch(/header|NIfTI/i);
    expect(skipped.get('leer/readme.md')).toMatch(/not an image file/);
    expect(skipped.get('leer')).toBe('class folder leer has no readable case');
    // Nothing good was skipped.
    expect([...skipped.keys()].some((f) => f.startsWith(SERIES_20) || f.includes('köpf') || f.includes('abdomen'))).toBe(false);
  });

  it('builds the cache with the remaining cases, outside the source, which stays unchanged', async () => {
    const ws = tempDir();
    const built = await buildImportCache(src, { shape: [8, 16, 16], window: [-1000, 400] }, { cacheRoot: path.join(ws, 'datasets'), workers: 2 });
    expect(built.reused).toBe(false);
    expect(built.dir.startsWith(path.join(ws, 'datasets', 'my_scans-'))).toBe(true);
    expect(built.manifest.cases.map((c) => c.id).sort()).toEqual(report.cases.map((c) => c.id).sort());
    expect(built.manifest.skipped.map((s) => s.file).sort()).toEqual(report.skipped.map((s) => s.file).sort());
    expect(built.manifest.stats.reads).toBe(1);
    expect(fs.statSync(path.join(built.dir, 'shard-000.f32')).size).toBe(4 * 8 * 16 * 16 * 4);
    // The corrupt NIfTI left a hole among the slots the workers wrote; after squeezing it out, every case's
    // sample is where the manifest says, and equal to the recipe applied to the case read here, in-process.
    const shard = fs.readFileSync(path.join(built.dir, 'shard-000.f32'));
    const scan = await scanSource(src);
    for (const c of built.manifest.cases) {
      const cached = new Float32Array(shard.buffer.slice(shard.byteOffset + c.index * 2048 * 4, shard.byteOffset + (c.index + 1) * 2048 * 4));
      const ref = scan.cases.find((r) => r.id === c.id)!;
      expect(cached).toEqual(applyRecipe(await readCase(ref), built.manifest.recipe));
    }
    expect(checksumTree(src)).toEqual(before);
  });

  it('refuses a cache folder inside the source and a source with one readable class', async () => {
    await expect(buildImportCache(src, {}, { cacheRoot: path.join(src, 'datasets') })).rejects.toThrow(/inside the data set/);
    const one = path.join(tempDir(), 'one class');
    copy(DICOM_GE_3, path.join(one, 'normal/ge'));
    fs.mkdirSync(path.join(one, 'other'));
    fs.writeFileSync(path.join(one, 'other/list.txt'), 'x');
    await expect(scanSource(one)).rejects.toThrow(`${one}: needs at least 2 classes, found 1: normal`);
    expect(checksumTree(src)).toEqual(before);
  });
});

describe('a folder holding several DICOM series', () => {
  it('yields one case per SeriesInstanceUID, named by a hash of the UID, never the UID', async () => {
    const src = tempDir();
    copy(DICOM_20_RAW, path.join(src, 'a/mixed'));
    for (const f of sliceFiles(DICOM_GE_3)) copy(f, path.join(src, 'a/mixed', path.basename(f)));
    copy(DICOM_GE_3, path.join(src, 'b/ge'));
    const { cases } = await scanSource(src);
    const mixed = cases.filter((c) => c.id.startsWith('a/mixed'));
    expect(mixed).toHaveLength(2);
    for (const c of mixed) expect(c.id).toMatch(/^a\/mixed#[0-9a-f]{8}$/);
    expect(mixed.map((c) => c.files.length).sort((a, b) => a - b)).toEqual([3, 20]);
    // The GE series' SeriesInstanceUID (dcmqi README / dcmdump).
    expect(JSON.stringify(cases)).not.toContain('1.2.392.200103.20080913.113635.1.2009.6.22.21.43.10.23430.1');
  });
});

describe('CSV manifests', () => {
  let dir: string;
  beforeAll(() => {
    dir = tempDir();
    copy(DICOM_GE_3, path.join(dir, 'scans/ge one'));
    copy(DICOM_GE_3, path.join(dir, 'scans/ge two'));
    copy(NIFTI_HEAD, path.join(dir, 'scans/head.nii.gz'));
  });

  it('reads path,label,group,split rows relative to the CSV and skips a missing file and an empty label', async () => {
    const csv = path.join(dir, 'cases.csv');
    fs.writeFileSync(csv, ['path,label,group,split', 'scans/ge one,chest,p1,train', '"scans/ge two",chest,p2,test', 'scans/head.nii.gz,head,p3,train', 'scans/gone.nii.gz,head,p4,train', 'scans/ge two,,p5,val', ''].join('\n'));
    const { cases, skipped } = await scanSource(csv);
    expect(cases.map((c) => [c.id, c.kind, c.label, c.group, c.split])).toEqual([
      ['scans/ge one', 'dicom-series', 'chest', 'p1', 'train'],
      ['scans/ge two', 'dicom-series', 'chest', 'p2', 'test'],
      ['scans/head.nii.gz', 'nifti', 'head', 'p3', 'train'],
    ]);
    expect(skipped).toEqual([
      { file: 'scans/ge two', reason: `line 6 of ${csv} has an empty label` },
      { file: 'scans/gone.nii.gz', reason: `not found (line 5 of ${csv})` },
    ]);
  });

  it('refuses a CSV without the header row, naming the file', async () => {
    const csv = path.join(dir, 'no header.csv');
    fs.writeFileSync(csv, 'scans/ge one,chest\nscans/head.nii.gz,head\n');
    await expect(scanSource(csv)).rejects.toThrow(`${csv}: bad header row 'scans/ge one','chest': expected the columns path,label`);
    const other = path.join(dir, 'other columns.csv');
    fs.writeFileSync(other, 'file,class\nscans/ge one,chest\n');
    await expect(scanSource(other)).rejects.toThrow(/bad header row 'file','class'/);
  });

  it('refuses a CSV that is missing, naming it', async () => {
    const csv = path.join(dir, 'nope.csv');
    await expect(scanSource(csv)).rejects.toThrow(`${csv}: not found`);
  });
});

describe('a data set mixing volumes and 2D images', () => {
  it('asks for --shape, and with it keeps the cases of its rank and lists the others with the reason', async () => {
    const dir = tempDir();
    execFileSync('tar', ['xf', ORL_TAR, '-C', dir, 'att_faces/s1/1.pgm', 'att_faces/s1/2.pgm', 'att_faces/s2/1.pgm']);
    const src = path.join(dir, 'mixed');
    copy(DICOM_GE_3, path.join(src, 'ct/ge'));
    copy(NIFTI_CT_SM, path.join(src, 'ct/sm.nii.gz'));
    copy(path.join(dir, 'att_faces/s2/1.pgm'), path.join(src, 'ct/face.pgm'));
    copy(DICOM_GE_3, path.join(src, 'face/ge'));
    copy(path.join(dir, 'att_faces/s1/1.pgm'), path.join(src, 'face/1.pgm'));
    copy(path.join(dir, 'att_faces/s1/2.pgm'), path.join(src, 'face/2.pgm'));
    const cacheRoot = path.join(tempDir(), 'datasets');
    await expect(buildImportCache(src, {}, { cacheRoot })).rejects.toThrow(/mixes 3 2D image\(s\) and 3 volume\(s\); give --shape/);

    const volumes = await buildImportCache(src, { shape: [4, 16, 16], window: [-1000, 400] }, { cacheRoot });
    expect(volumes.manifest.cases.map((c) => c.id)).toEqual(['ct/ge', 'ct/sm.nii.gz', 'face/ge']);
    const reason = "is a 2D image, but the data set's shape 4x16x16 is a volume (DxHxW)";
    expect(volumes.manifest.skipped).toEqual(expect.arrayContaining(['ct/face.pgm', 'face/1.pgm', 'face/2.pgm'].map((file) => ({ file, reason }))));

    // ORL faces are 92 wide and 112 high (orl-faces/README.md); the default window is their own range.
    const images = await buildImportCache(src, { shape: [28, 23] }, { cacheRoot });
    expect(images.manifest.stats.reads).toBe(2);
    expect(images.manifest.cases.map((c) => [c.id, c.size, c.dims])).toEqual([
      ['ct/face.pgm', [92, 112, 1], 2],
      ['face/1.pgm', [92, 112, 1], 2],
      ['face/2.pgm', [92, 112, 1], 2],
    ]);
    expect(images.manifest.classes).toEqual(['ct', 'face']);
  });
});
