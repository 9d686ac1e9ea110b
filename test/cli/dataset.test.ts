// The import through the real `ddcnn` command: `dataset inspect` and `dataset build` on real CT scans, and
// must-show 3: a data set of LIDC nodule PNG stacks, listed in a CSV manifest with group = the patient's
// group_id, trained end to end with `ddcnn train --data <csv>` (no patient in two splits), then `ddcnn
// predict` on a single PNG stack folder and on a NIfTI.
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readCacheManifest } from '../../src-main/data/cache';
import { readImportManifest } from '../../src-main/data/import/import-manifest';
import { readRunRecord } from '../../src-main/runs/run-record';
import { runLayout } from '../../src-main/runs/layout';
import { ddcnn } from '../helpers/cli';
import { DICOM_20_RAW, DICOM_GE_3, NIFTI_CT_SM, checksumTree, copy, extractLidc, lidcSubset, removeTempDirs, sliceFiles, tempDir } from '../helpers/import-fixtures';
import { dicomDeclaringFrames } from '../helpers/oversized-files';

afterAll(removeTempDirs);

describe('ddcnn dataset inspect and build', () => {
  let src: string;
  beforeAll(() => {
    src = path.join(tempDir(), 'ct scans');
    copy(DICOM_20_RAW, path.join(src, 'a/series 1'));
    copy(DICOM_GE_3, path.join(src, 'b/ge'));
    copy(NIFTI_CT_SM, path.join(src, 'b/small.nii.gz'));
    fs.writeFileSync(path.join(src, 'b/report.pdf'), '%PDF-1.4 not a scan');
  });

  it('prints the cases per class with size WxHxD, spacing, HU range and modality, then the skipped files', async () => {
    const r = await ddcnn(['dataset', 'inspect', src, '--workers', '2']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('classes: a (1 case), b (2 cases)');
    expect(r.stdout).toMatch(/^ {2}a\/series 1 {2}512x512x20 {2}0\.98x0\.98x2\.00 mm {2}HU -1024\.\.1839 {2}CT$/m);
    expect(r.stdout).toMatch(/^ {2}b\/ge {2}512x512x3 {2}0\.81x0\.81x1\.00 mm {2}HU -1024\.\.1381 {2}CT$/m);
    expect(r.stdout).toMatch(/^ {2}b\/report\.pdf: not an image file \('\.pdf'\)/m);
    expect(r.stderr).toMatch(/inspecting: 3\/3 cases, ETA/);
    const j = await ddcnn(['dataset', 'inspect', src, '--json']);
    expect(j.code, j.stderr).toBe(0);
    const report = JSON.parse(j.stdout);
    expect(report.cases.map((c: { id: string }) => c.id)).toEqual(['a/series 1', 'b/ge', 'b/small.nii.gz']);
  });

  it('builds the cache once, then reuses it and says so', async () => {
    const ws = tempDir();
    const first = await ddcnn(['dataset', 'build', src, '--shape', '8x32x32', '--window', '-1000,400', '--workspace', ws, '--json']);
    expect(first.code, first.stderr).toBe(0);
    const built = JSON.parse(first.stdout);
    expect(built).toMatchObject({ reused: false, cases: 3, recipe: { shape: [8, 32, 32], window: [-1000, 400], channels: 1 } });
    expect(built.dir.startsWith(path.join(ws, 'datasets', 'ct_scans-'))).toBe(true);
    const again = await ddcnn(['dataset', 'build', src, '--shape', '8x32x32', '--window', '-1000,400', '--workspace', ws]);
    expect(again.code, again.stderr).toBe(0);
    expect(again.stdout).toContain(`reusing the import cache ${built.dir}`);
    const mixed = await ddcnn(['dataset', 'build', src, '--workspace', ws]);
    expect(mixed.code).toBe(1);
    expect(mixed.stderr).toMatch(/the cases differ in size .*give --shape DxHxW/);
    const bad = await ddcnn(['dataset', 'build', src, '--window', '400,-1000', '--workspace', ws]);
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toMatch(/window must look like -1000,400/);
  });
});

describe('one file declaring a huge size does not stop an import (issue 8, item 6)', () => {
  it('inspect of the real 20-slice series beside a 50,000,000-frame DICOM skips that file with its reason and exits 0', async () => {
    const src = path.join(tempDir(), 'with a bad file');
    copy(DICOM_20_RAW, path.join(src, 'a/series'));
    copy(DICOM_GE_3, path.join(src, 'b/ge'));
    fs.writeFileSync(path.join(src, 'b/frames-50M.dcm'), dicomDeclaringFrames(sliceFiles(DICOM_20_RAW)[0], 50_000_000));
    // A small heap makes a scan that sizes anything by the declared frame count fail in seconds, not minutes.
    const r = await ddcnn(['dataset', 'inspect', src, '--workers', '2'], { env: { NODE_OPTIONS: '--max-old-space-size=256' } });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^ {2}a\/series {2}512x512x20 {2}0\.98x0\.98x2\.00 mm {2}HU -1024\.\.1839 {2}CT$/m);
    expect(r.stdout).toMatch(/^ {2}b\/frames-50M\.dcm: NumberOfFrames \(0028,0008\) declares 50000000 frame\(s\) of 512x512 at 16 bits need 26214400000000 bytes, the pixel data has 64$/m);
  });
});

describe('LIDC nodule PNG stacks from a CSV manifest (must-show 3)', () => {
  let dir: string;
  let csv: string;
  let ws: string;
  let summary: Record<string, any>;
  let before: Record<string, string>;
  let stderr = '';
  beforeAll(async () => {
    dir = tempDir();
    extractLidc(dir);
    // A stratified subset keeps the test short; group = group_id, the patient/scan, as index.csv gives it.
    const stacks = lidcSubset(120);
    csv = path.join(dir, 'nodules.csv');
    const quote = (s: string) => `"${s.replace(/"/g, '""')}"`;
    fs.writeFileSync(csv, ['path,label,group', ...stacks.map((s) => `${quote(s.dir)},${s.className},${s.group}`)].join('\n') + '\n');
    before = checksumTree(path.join(dir, 'images'));
    ws = tempDir();
    const r = await ddcnn(['train', '--data', csv, '--shape', '16x32x32', '--epochs', '1', '--width', '4', '--decomposition', '2x2x1', '--limit', '60', '--workspace', ws, '--json']);
    expect(r.code, r.stderr).toBe(0);
    stderr = r.stderr;
    summary = JSON.parse(r.stdout);
  }, 180_000);

  it('trains end to end with the recipe in run.json and no group in two splits', () => {
    expect(summary.status).toBe('completed');
    expect(stderr).toMatch(/building: \d+\/\d+ cases, ETA/);
    expect(stderr).toMatch(/imported scans, recipe: shape 16x32x32, window 0\.\.\d+, 1 channel/);
    expect(summary.dataset).toMatchObject({ name: 'nodules', inputShape: [16, 32, 32, 1], classes: ['benigno', 'maligno'], nTrain: 60 });
    const rec = readRunRecord(summary.runDir);
    // PNG values are stored 0..255 (not HU), so the default window is the data set's own range.
    expect(rec.preprocessing.recipe).toMatchObject({ shape: [16, 32, 32], channels: 1 });
    expect(rec.preprocessing.recipe!.window[0]).toBe(0);
    expect(rec.preprocessing.recipe!.window[1]).toBeGreaterThan(200);
    expect(rec.dataset.splitMethod).toMatch(/group-aware/);
    const m = readCacheManifest(runLayout(summary.runDir).cache);
    const groups = (['train', 'val', 'test'] as const).map((s) => new Set(m.splits[s].groups));
    expect(groups.every((g) => g.size > 0)).toBe(true);
    for (let a = 0; a < 3; a++) for (let b = a + 1; b < 3; b++) expect([...groups[a]].filter((g) => groups[b].has(g))).toEqual([]);
    // The import cache lives in the workspace, not beside the scans, which are unchanged.
    const importDirs = fs.readdirSync(path.join(ws, 'datasets')).filter((d) => !d.startsWith('.'));
    expect(importDirs).toHaveLength(1);
    expect(readImportManifest(path.join(ws, 'datasets', importDirs[0])).cases.every((c) => c.group)).toBe(true);
    expect(checksumTree(path.join(dir, 'images'))).toEqual(before);
  });

  it('predicts a single PNG stack folder and a NIfTI with the run\'s recipe', async () => {
    const stack = path.join(dir, lidcSubset(120)[5].dir);
    for (const input of [stack, NIFTI_CT_SM]) {
      const r = await ddcnn(['predict', '--run', summary.runDir, input, '--json']);
      expect(r.code, r.stderr).toBe(0);
      const p = JSON.parse(r.stdout);
      expect(p.input).toBe(input);
      expect(p.subdomains).toHaveLength(4);
      const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);
      for (const s of p.subdomains) expect(sum(s.probs)).toBeCloseTo(1, 4);
      expect(sum(p.cnnDnn.probs)).toBeCloseTo(1, 4);
      expect(sum(p.global.probs)).toBeCloseTo(1, 4);
    }
  }, 120_000);
});
