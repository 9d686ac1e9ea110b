// Privacy: patient-identifying DICOM tags never reach the import cache, its manifest, the inspect report,
// nor the run.json, logs, metrics or dataset cache of a run trained on the scans. The scans are real GE CT
// slices whose PatientName, PatientID and AccessionNumber are overwritten in place with known strings.
import fs from 'node:fs';
import path from 'node:path';
import dicomParser from 'dicom-parser';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildImportCache } from '../../src-main/data/import/build';
import { inspectSource } from '../../src-main/data/import/inspect';
import { createRun } from '../../src-main/runs/create-run';
import { executeRun } from '../../src-main/runs/execute-run';
import { forkLauncher } from '../../src-main/runs/launcher';
import { readRunRecord } from '../../src-main/runs/run-record';
import { DICOM_GE_3, NIFTI_CT_SM, copy, filesBelow, removeTempDirs, sliceFiles, tempDir } from '../helpers/import-fixtures';

afterAll(removeTempDirs);

// Same lengths as the values they replace ('JANCT000', '99000 ', '03086212'), so no offset moves.
const SECRETS = { x00100010: 'QZX^PRIV', x00100020: 'QZX987', x00080050: 'QZXACC01' } as const;
// The GE files' own values must not leak either.
const ORIGINALS = ['JANCT000', '03086212'];

/** A copy of a real slice with the identifying tags overwritten in place. */
function privateCopy(from: string, to: string): void {
  const bytes = fs.readFileSync(from);
  const ds = dicomParser.parseDicom(new Uint8Array(bytes), { untilTag: 'x7fe00010' });
  for (const [tag, value] of Object.entries(SECRETS)) {
    const el = ds.elements[tag];
    expect(el?.length, tag).toBe(value.length);
    bytes.write(value, el.dataOffset, 'latin1');
  }
  fs.mkdirSync(path.dirname(to), { recursive: true });
  fs.writeFileSync(to, bytes);
  const check = dicomParser.parseDicom(new Uint8Array(fs.readFileSync(to)), { untilTag: 'x7fe00010' });
  expect(check.string('x00100010')).toBe(SECRETS.x00100010);
}

function expectNoSecretIn(where: string, text: string): void {
  for (const s of [...Object.values(SECRETS), ...ORIGINALS]) expect(text.includes(s), `${s} found in ${where}`).toBe(false);
}

describe('patient-identifying tags', () => {
  let src: string;
  let ws: string;
  beforeAll(() => {
    src = path.join(tempDir(), 'privacy');
    for (let i = 0; i < 5; i++) for (const f of sliceFiles(DICOM_GE_3)) privateCopy(f, path.join(src, 'chest', `patient ${i}`, path.basename(f)));
    for (let i = 0; i < 5; i++) copy(NIFTI_CT_SM, path.join(src, 'abdomen', `scan ${i}.nii.gz`));
    ws = tempDir();
    // The source does hold them (so the checks below are not vacuous).
    expect(fs.readFileSync(path.join(src, 'chest/patient 0/01.dcm')).toString('latin1')).toContain(SECRETS.x00100010);
  });

  it('never reach the inspect report or the import cache', async () => {
    const report = await inspectSource(src, { workers: 2 });
    expect(report.cases).toHaveLength(10);
    expectNoSecretIn('the inspect report', JSON.stringify(report));
    const built = await buildImportCache(src, { shape: [4, 16, 16], window: [-1000, 400] }, { cacheRoot: path.join(ws, 'datasets'), workers: 2 });
    expect(built.manifest.cases.filter((c) => c.id.startsWith('chest/'))).toHaveLength(5);
    for (const f of filesBelow(built.dir)) expectNoSecretIn(f, fs.readFileSync(f).toString('latin1'));
  });

  it('never reach the run.json, logs, metrics or caches of a run trained on them', async () => {
    const runDir = await createRun(ws, {
      data: src,
      grid: [2, 1, 1],
      overlap: 0,
      family: 'vgg',
      width: 4,
      epochs: 1,
      batch: 4,
      learningRate: 1e-3,
      seed: 3,
      global: false,
      shape: [4, 16, 16],
      window: [-1000, 400],
    });
    const rec = await executeRun(runDir, { launcher: forkLauncher, workers: 2 }).done;
    expect(rec.status, rec.error).toBe('completed');
    expect(readRunRecord(runDir).preprocessing.recipe).toEqual({ shape: [4, 16, 16], window: [-1000, 400], channels: 1 });
    const files = filesBelow(ws);
    expect(files.some((f) => f.endsWith('run.json'))).toBe(true);
    expect(files.some((f) => f.includes(`${path.sep}logs${path.sep}`))).toBe(true);
    for (const f of files) expectNoSecretIn(f, fs.readFileSync(f).toString('latin1'));
  }, 120_000);
});
