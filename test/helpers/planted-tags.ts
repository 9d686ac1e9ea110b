// Real GE CT slices whose patient-identifying tags (PatientName, PatientID, AccessionNumber) are overwritten in
// place with known strings, for the privacy tests: of the import (test/data/import-privacy.test.ts) and of
// the run report and cohort files (test/runs/report.test.ts). The strings must then be found nowhere.
import fs from 'node:fs';
import path from 'node:path';
import dicomParser from 'dicom-parser';
import { expect } from 'vitest';
import { DICOM_GE_3, NIFTI_CT_SM, copy, sliceFiles } from './import-fixtures';

// Same lengths as the values they replace ('JANCT000', '99000 ', '03086212'), so no offset moves. Each planted
// patient has its own PatientID; 'patient 0 rescan' is a second series of patient 0.
export const NAME = 'QZX^PRIV';
export const ACCESSION = 'QZXACC01';
export const patientId = (i: number): string => `QZX98${i}`;
export const PATIENTS = 5;
// The GE files' own values must not leak either.
export const ORIGINALS = ['JANCT000', '03086212'];
export const ALL_SECRETS = [NAME, ACCESSION, ...Array.from({ length: PATIENTS }, (_, i) => patientId(i)), ...ORIGINALS];

/** A copy of a real slice with the identifying tags (and, for another series, the SeriesInstanceUID's last digit) overwritten in place. */
export function privateCopy(from: string, to: string, patient: number, otherSeries = false): void {
  const bytes = fs.readFileSync(from);
  const ds = dicomParser.parseDicom(new Uint8Array(bytes), { untilTag: 'x7fe00010' });
  const values: Record<string, string> = { x00100010: NAME, x00100020: patientId(patient), x00080050: ACCESSION };
  for (const [tag, value] of Object.entries(values)) {
    const el = ds.elements[tag];
    expect(el?.length, tag).toBe(value.length);
    bytes.write(value, el.dataOffset, 'latin1');
  }
  if (otherSeries) {
    const uid = ds.elements.x0020000e;
    const last = uid.dataOffset + ds.string('x0020000e')!.length - 1;
    bytes[last] = bytes[last] === 0x39 ? 0x38 : bytes[last] + 1;
  }
  fs.mkdirSync(path.dirname(to), { recursive: true });
  fs.writeFileSync(to, bytes);
  const check = dicomParser.parseDicom(new Uint8Array(fs.readFileSync(to)), { untilTag: 'x7fe00010' });
  expect(check.string('x00100010')).toBe(NAME);
  expect(check.string('x00100020')).toBe(patientId(patient));
}

export function expectNoSecretIn(where: string, text: string, more: string[] = []): void {
  for (const s of [...ALL_SECRETS, ...more]) expect(text.includes(s), `${s} found in ${where}`).toBe(false);
}

/**
 * The planted data set: chest/ with PATIENTS DICOM series (one per planted patient) plus a second series of
 * patient 0, abdomen/ with 5 NIfTI volumes. Checks that the planted strings are really in the files.
 */
export function plantedTagSource(src: string): string {
  for (let i = 0; i < PATIENTS; i++) for (const f of sliceFiles(DICOM_GE_3)) privateCopy(f, path.join(src, 'chest', `patient ${i}`, path.basename(f)), i);
  for (const f of sliceFiles(DICOM_GE_3)) privateCopy(f, path.join(src, 'chest', 'patient 0 rescan', path.basename(f)), 0, true);
  for (let i = 0; i < 5; i++) copy(NIFTI_CT_SM, path.join(src, 'abdomen', `scan ${i}.nii.gz`));
  expect(fs.readFileSync(path.join(src, 'chest/patient 0/01.dcm')).toString('latin1')).toContain(NAME);
  expect(fs.readFileSync(path.join(src, 'chest/patient 3/01.dcm')).toString('latin1')).toContain(patientId(3));
  return src;
}
