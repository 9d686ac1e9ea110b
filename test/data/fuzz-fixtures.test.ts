// Regression fixtures of `ddcnn bench --only fuzz` (issue 8, item 7): mutated real files that once crashed a
// reader, ran it out of memory or made it throw something other than a clear error. Each must now be refused
// with a DataFileError naming the file and a reason. A fixture's name says its reader: <reader>-<case>.<ext>.
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { readDicomSeries } from '../../src-main/data/dicom/index';
import { DataFileError } from '../../src-main/data/errors';
import { readImage, readNifti } from '../../src-main/data/formats/index';
import { readNpz } from '../../src-main/data/npz';
import { findProjectRoot } from '../../src-main/data/project-root';

const DIR = path.join(findProjectRoot(import.meta.url), 'test/fixtures/fuzz');
const fixtures = fs.readdirSync(DIR).filter((f) => !f.endsWith('.md')).sort();

function read(file: string): Promise<unknown> {
  const reader = path.basename(file).split('-')[0];
  if (reader === 'dicom') return readDicomSeries([file]);
  if (reader === 'nifti') return readNifti(file);
  if (reader === 'npz') return readNpz(file);
  return readImage(file);
}

describe('fuzz regression fixtures', () => {
  it('exist', () => expect(fixtures.length).toBeGreaterThan(0));
  for (const name of fixtures) {
    it(`${name} is refused with a DataFileError naming it`, async () => {
      const file = path.join(DIR, name);
      const err = await read(file).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(err, 'expected a DataFileError').toBeInstanceOf(DataFileError);
      // A series error names its folder, with the file in the reason.
      expect((err as DataFileError).message).toContain(name);
      expect((err as DataFileError).reason.length).toBeGreaterThan(name.length);
    }, 20_000);
  }
});
