// Groups of an import (issue 8, items 4 and 5): a class sub-folder holding several cases is their group, so a
// run's split never puts two scans of one patient folder into two splits; `dataset inspect` counts the groups;
// a CSV that fixes the splits must give every row one, and may not put one group (its own, or a DICOM patient
// found by the scan) in two splits.
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inspectText } from '../../src-main/cli/dataset';
import { buildImportCache } from '../../src-main/data/import/build';
import { loadImportedDataset } from '../../src-main/data/import/imported-dataset';
import { inspectSource } from '../../src-main/data/import/inspect';
import { scanSource } from '../../src-main/data/import/scan-source';
import { splitDataset } from '../../src-main/data/split';
import { DICOM_GE_3, NIFTI_CT_SM, copy, removeTempDirs, tempDir } from '../helpers/import-fixtures';

afterAll(removeTempDirs);

describe('groups of a folder import', () => {
  let src: string;
  // The layout: which cases share a sub-folder of their class folder.
  const expected: Record<string, string | undefined> = {
    'a/loose.nii.gz': undefined,
    'a/patient 1/ct 1.nii.gz': 'a/patient 1',
    'a/patient 1/ct 2.nii.gz': 'a/patient 1',
    'a/patient 2/ct.nii.gz': undefined,
    'b/patient 3/early/ct.nii.gz': 'b/patient 3',
    'b/patient 3/late.nii.gz': 'b/patient 3',
    'b/single.nii.gz': undefined,
    'b/x.nii.gz': undefined,
  };
  beforeAll(() => {
    src = path.join(tempDir(), 'grouped');
    for (const id of Object.keys(expected)) copy(NIFTI_CT_SM, path.join(src, id));
  });

  it('a class sub-folder holding several cases is their group; a case alone in its folder has none', async () => {
    const { cases } = await scanSource(src);
    expect(Object.fromEntries(cases.map((c) => [c.id, c.group]))).toEqual(expected);
  });

  it('dataset inspect counts the groups: each group once, each case without one on its own', async () => {
    const report = await inspectSource(src, { workers: 2 });
    expect(report.groups).toEqual({ count: 2 + 4, groupedCases: 4 });
    expect(inspectText(report)).toContain('\ngroups: 6 (4 of 8 cases in 2 group(s) (patients or sub-folders), 4 on their own;');
  });

  it('the split of the built cache keeps the cases of one sub-folder in one split, for every seed', async () => {
    const built = await buildImportCache(src, { shape: [4, 8, 8], window: [-1000, 400] }, { cacheRoot: path.join(tempDir(), 'datasets'), workers: 2 });
    const ds = loadImportedDataset(built.dir);
    for (let seed = 0; seed < 20; seed++) {
      const { splits } = splitDataset(ds, { seed, testFraction: 0.3, valFraction: 0.2 });
      for (const group of ['a/patient 1', 'b/patient 3']) {
        const holding = Object.entries(splits).filter(([, s]) => s.groups?.includes(group));
        expect(holding.map(([name, s]) => [name, s.groups!.filter((g) => g === group).length]), `seed ${seed}, ${group}`).toEqual([[holding[0]?.[0], 2]]);
      }
    }
  });
});

describe('CSV splits and groups', () => {
  let dir: string;
  beforeAll(() => {
    dir = tempDir();
    copy(DICOM_GE_3, path.join(dir, 'scans/ge one'));
    copy(DICOM_GE_3, path.join(dir, 'scans/ge two'));
    copy(NIFTI_CT_SM, path.join(dir, 'scans/a.nii.gz'));
    copy(NIFTI_CT_SM, path.join(dir, 'scans/b.nii.gz'));
  });
  const writeCsv = (name: string, lines: string[]): string => {
    const csv = path.join(dir, name);
    fs.writeFileSync(csv, lines.join('\n') + '\n');
    return csv;
  };

  it('a split column filled on only some rows is an error naming the rows without one', async () => {
    const csv = writeCsv('partial.csv', ['path,label,split', 'scans/a.nii.gz,x,train', 'scans/b.nii.gz,y,', 'scans/ge one,x,test', 'scans/ge two,y,']);
    await expect(scanSource(csv)).rejects.toThrow(
      `${csv}: the split column is filled on 2 of 4 rows; line 3 (scans/b.nii.gz), line 5 (scans/ge two) have no split (give every row a split, or none to let the run split)`,
    );
    // An empty split column on every row leaves the split to the run.
    const none = writeCsv('no splits.csv', ['path,label,split', 'scans/a.nii.gz,x,', 'scans/b.nii.gz,y,']);
    expect((await scanSource(none)).cases.map((c) => c.split)).toEqual([undefined, undefined]);
  });

  it('a group of the CSV in two fixed splits is an error naming the group and its cases', async () => {
    const csv = writeCsv('leak.csv', ['path,label,group,split', 'scans/a.nii.gz,x,P7,train', 'scans/b.nii.gz,y,P7,test', 'scans/ge one,x,P8,train', 'scans/ge two,y,P9,val']);
    await expect(scanSource(csv)).rejects.toThrow(`${csv}: group P7 is in 2 splits (train: scans/a.nii.gz; test: scans/b.nii.gz); a group (patient) must lie in one split`);
  });

  it('two DICOM series of one patient (same PatientID) put in train and test are an error naming a hash of the patient, not the PatientID', async () => {
    const csv = writeCsv('dicom leak.csv', ['path,label,split', 'scans/ge one,x,train', 'scans/ge two,x,test', 'scans/a.nii.gz,y,train']);
    const err = await inspectSource(csv, { workers: 1 }).then(() => undefined, (e: Error) => e);
    expect(err?.message).toMatch(new RegExp(`^${csv.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: group patient-[0-9a-f]{16} is in 2 splits \\(train: scans/ge one; test: scans/ge two\\)`));
    // The GE slices' PatientID (verified with dcmdump).
    expect(err?.message).not.toContain('99000');
  });
});
