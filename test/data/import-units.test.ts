// The pure parts of the import: recipe defaults, CSV rows, slice-name order, cache names; and the worker
// pool's handling of a worker that dies in the middle of a case.
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { cacheSlug } from '../../src-main/data/import/build';
import { readCsvManifest } from '../../src-main/data/import/csv-manifest';
import { resolveRecipe, tentativeRecipe } from '../../src-main/data/import/recipe-defaults';
import { naturalCompare } from '../../src-main/data/import/source-files';
import { forkImportWorker, runImportJobs, type ImportWorkerLauncher } from '../../src-main/data/import/worker-pool';
import type { CaseInfo } from '../../src-main/data/import/types';
import { DICOM_GE_3, NIFTI_HEAD, removeTempDirs, sliceFiles, tempDir } from '../helpers/import-fixtures';

afterAll(removeTempDirs);

function info(id: string, size: [number, number, number], extra: Partial<CaseInfo> = {}): CaseInfo {
  return { id, label: 'a', kind: 'nifti', dims: 3, size, channels: 1, spacing: [1, 1, 1], range: [-1024, 1000], units: 'HU', modality: 'CT', warnings: [], ...extra };
}

describe('recipe defaults', () => {
  it('takes the common size, capping axes above 128, and the HU window when every case is HU', () => {
    const { recipe, notes } = resolveRecipe([info('a', [512, 512, 20]), info('b', [512, 512, 20])], {});
    expect(recipe).toEqual({ shape: [20, 64, 64], window: [-1000, 400], channels: 1 });
    expect(notes.join('\n')).toMatch(/common size 20x512x512, with every axis above 128 reduced to 64/);
    const small = resolveRecipe([info('a', [64, 64, 16]), info('b', [64, 64, 16])], {});
    expect(small.recipe.shape).toEqual([16, 64, 64]);
  });

  it("uses the data set's own range when a case is not in HU, and 3 channels when one is colour", () => {
    const images = [
      info('x.png', [200, 100, 1], { dims: 2, units: 'stored', range: [3, 250], modality: 'unknown' }),
      info('y.jpg', [200, 100, 1], { dims: 2, units: 'stored', range: [0, 255], channels: 3, modality: 'unknown' }),
    ];
    expect(resolveRecipe(images, {}).recipe).toEqual({ shape: [100, 128], window: [0, 255], channels: 3 });
  });

  it('requires --shape for mixed sizes and for mixed 2D/3D, and skips the other rank when it is given', () => {
    expect(() => resolveRecipe([info('a', [512, 512, 20]), info('b', [512, 512, 3])], {})).toThrow(/the cases differ in size \(a: 20x512x512, b: 3x512x512, written DxHxW\); give --shape DxHxW/);
    const mixed = [info('vol', [64, 64, 10]), info('img.png', [64, 64, 1], { dims: 2 })];
    expect(() => resolveRecipe(mixed, {})).toThrow(/mixes 1 2D image\(s\) and 1 volume\(s\)/);
    const r = resolveRecipe(mixed, { shape: [8, 32, 32], window: [0, 1] });
    expect(r.excluded).toEqual([{ file: 'img.png', reason: "is a 2D image, but the data set's shape 8x32x32 is a volume (DxHxW)" }]);
    expect(() => resolveRecipe([info('vol', [64, 64, 10])], { shape: [32, 32] })).toThrow(/is a 2D image \(HxW\), but every case is a volume/);
  });

  it('fixes the recipe before reading only when shape and window are given', () => {
    expect(tentativeRecipe({ shape: [8, 8, 8] })).toBeUndefined();
    expect(tentativeRecipe({ shape: [8, 8, 8], window: [-1000, 400], spacing: [1, 1, 1] })).toEqual({ shape: [8, 8, 8], window: [-1000, 400], spacing: [1, 1, 1], channels: 1 });
    expect(() => resolveRecipe([info('a', [8, 8, 8])], { spacing: [1, 1, 1] })).toThrow(/--spacing needs --shape/);
    expect(() => resolveRecipe([info('a', [8, 8, 8])], { window: [5, 5] })).toThrow(/low < high/);
  });
});

describe('CSV rows', () => {
  it('skips rows with the wrong number of fields or an unknown split, with their line numbers', async () => {
    const csv = path.join(tempDir(), 'rows.csv');
    fs.writeFileSync(csv, '\uFEFFPath,Label,Split\na.nii,x,train\nb.nii,y\nc.nii,y,holdout\n"d, e.nii",y,Validation\n');
    const { rows, skipped } = await readCsvManifest(csv);
    expect(rows).toEqual([
      { line: 2, path: 'a.nii', label: 'x', split: 'train' },
      { line: 5, path: 'd, e.nii', label: 'y', split: 'val' },
    ]);
    expect(skipped).toEqual([
      { file: 'b.nii', reason: `line 3 of ${csv} has 2 fields; the header has 3` },
      { file: 'c.nii', reason: `line 4 of ${csv}: unknown split 'holdout' (expected train, val or test)` },
    ]);
  });
});

describe('names', () => {
  it('sorts slice names by their numbers and makes safe cache names', () => {
    expect(['10.png', '2.png', '1.png', 'slice 3.png'].sort(naturalCompare)).toEqual(['1.png', '2.png', '10.png', 'slice 3.png']);
    expect(cacheSlug('/data/Tumör scans é')).toBe('Tumor_scans_e');
    expect(cacheSlug('/data/lidc nodules.csv')).toBe('lidc_nodules');
    expect(cacheSlug('/data/ñññ/…')).toBe('dataset');
  });
});

describe('the worker pool', () => {
  it('turns a worker that dies in the middle of a case into a skipped case and goes on with a new worker', async () => {
    const root = path.dirname(DICOM_GE_3);
    const jobs = [
      { index: 0, root, ref: { id: 'ge', kind: 'dicom-series' as const, files: sliceFiles(DICOM_GE_3), label: 'a' } },
      { index: 1, root, ref: { id: 'doomed', kind: 'nifti' as const, files: [NIFTI_HEAD], label: 'b' } },
      { index: 2, root, ref: { id: 'head', kind: 'nifti' as const, files: [NIFTI_HEAD], label: 'b' } },
    ];
    let launched = 0;
    // A worker killed (as the kernel's out-of-memory killer would) when it is handed the case 'doomed'.
    const launcher: ImportWorkerLauncher = () => {
      launched++;
      const w = forkImportWorker();
      const send = w.send.bind(w);
      return Object.assign(Object.create(w), {
        send: (m: Parameters<typeof w.send>[0]) => (m.type === 'case' && m.job.ref.id === 'doomed' ? process.kill(w.pid!, 'SIGKILL') : send(m)),
        onMessage: w.onMessage,
        onExit: w.onExit,
        kill: w.kill,
        stderrTail: w.stderrTail,
      });
    };
    const progress: number[] = [];
    const report = await runImportJobs(jobs, { workers: 1, launcher, phase: 'inspect', onProgress: (p) => progress.push(p.done) });
    expect(report.outcomes[0].info?.size).toEqual([512, 512, 3]);
    expect(report.outcomes[1].skipped).toMatchObject({ file: 'doomed' });
    expect(report.outcomes[1].skipped!.reason).toMatch(/the import worker died while reading it \(signal SIGKILL, possibly out of memory\)/);
    expect(report.outcomes[2].info?.size).toEqual([64, 64, 93]);
    expect(launched).toBe(2);
    expect(progress.at(-1)).toBe(3);
    expect(report.workerPeakMB).toBeGreaterThan(10);
  });
});
