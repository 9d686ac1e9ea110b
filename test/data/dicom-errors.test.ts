// Bad DICOM input: every unusable file is skipped by the scan with its name and a plain reason, every series
// that cannot form a volume fails with a DataFileError naming the folder and the offending file, and no
// patient-identifying tag value ever reaches a result, a warning, an error or the console.

import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { DataFileError } from '../../src-main/data/errors';
import { readDicomSeries, scanDicomFiles } from '../../src-main/data/dicom/index';
import { DATA, dicomFile, el, elementStart, imageElements, int16Bytes, readReal, TS, type SliceSpec } from './dicom-fixtures';

const RAW = join(DATA, 'totalsegmentator_example_ct_dicom_uncompressed');
const J2K = join(DATA, 'totalsegmentator_example_ct_dicom');
const SMALL = join(DATA, 'single_slice_ct', 'CT_small.dcm');
const sorted = (dir: string): string[] => readdirSync(dir).sort().map((f) => join(dir, f));

const tmp = mkdtempSync(join(tmpdir(), 'ddcnn-dicom-errors-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

function folder(name: string): string {
  const dir = join(tmp, name);
  mkdirSync(dir, { recursive: true });
  return dir;
}

function write(dir: string, name: string, bytes: Uint8Array | string): string {
  const file = join(dir, name);
  writeFileSync(file, bytes);
  return file;
}

/** Scans one file and returns its skip reason. */
async function skipReason(file: string, dir: string): Promise<string> {
  const { series, skipped } = await scanDicomFiles([file], dir);
  expect(series).toEqual([]);
  expect(skipped).toHaveLength(1);
  expect(skipped[0].file).toBe(file.slice(dir.length + 1));
  return skipped[0].reason;
}

/** The DataFileError a series read throws. */
async function seriesError(files: string[]): Promise<DataFileError> {
  const err = await readDicomSeries(files).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(DataFileError);
  return err as DataFileError;
}

/** A small synthetic axial slice at z, 8x8 int16. */
function slice(z: number, over: Partial<SliceSpec> = {}): Uint8Array {
  const spec: SliceSpec = {
    rows: 8,
    columns: 8,
    signed: true,
    position: [0, 0, z],
    orientation: [1, 0, 0, 0, 1, 0],
    pixelSpacing: [0.5, 0.5],
    ...over,
  };
  return dicomFile({
    transferSyntax: TS.explicit,
    elements: imageElements(spec),
    pixels: int16Bytes(Array.from({ length: spec.rows * spec.columns }, (_, i) => i + z)),
  });
}

describe('files the scan leaves out', () => {
  const dir = folder('bad');

  it('a text file named .dcm', async () => {
    const file = write(dir, 'x.dcm', 'patient notes, not an image\n'.repeat(20));
    expect(await skipReason(file, dir)).toBe('not a DICOM file (no DICM preamble)');
  });

  it('a zero-byte file', async () => {
    const file = write(dir, 'empty.dcm', '');
    expect(await skipReason(file, dir)).toBe('empty file (0 bytes)');
  });

  it('the first half of an uncompressed file', async () => {
    const bytes = readFileSync(sorted(RAW)[0]);
    const file = write(dir, 'half.dcm', bytes.subarray(0, bytes.length >> 1));
    expect(await skipReason(file, dir)).toMatch(/^truncated: .*\(7FE0,0010\)/);
  });

  it('the first half of a JPEG 2000 file', async () => {
    const bytes = readFileSync(sorted(J2K)[0]);
    const file = write(dir, 'half-j2k.dcm', bytes.subarray(0, bytes.length >> 1));
    expect(await skipReason(file, dir)).toMatch(/^truncated: /);
  });

  it('a file cut inside its header', async () => {
    const bytes = readFileSync(sorted(RAW)[0]);
    const file = write(dir, 'header-cut.dcm', bytes.subarray(0, 1000));
    expect(await skipReason(file, dir)).toMatch(/^truncated: /);
  });

  it('a DICOM file without pixel data (cut right before (7FE0,0010))', async () => {
    const source = sorted(RAW)[0];
    const cut = elementStart(source, 'x7fe00010');
    const file = write(dir, 'no-pixels.dcm', readFileSync(source).subarray(0, cut));
    expect(await skipReason(file, dir)).toBe('no pixel data (7FE0,0010)');
  });

  it('an unsupported transfer syntax: MPEG2', async () => {
    const file = write(
      dir,
      'video.dcm',
      dicomFile({ transferSyntax: TS.mpeg2, elements: imageElements({ rows: 8, columns: 8 }), pixels: { fragments: [new Uint8Array(16)] } }),
    );
    expect(await skipReason(file, dir)).toBe('unsupported transfer syntax 1.2.840.10008.1.2.4.100 (MPEG2)');
  });

  it('an unsupported transfer syntax written over a real file (JPEG 2000 -> JPEG baseline, same length)', async () => {
    const source = sorted(J2K)[0];
    const bytes = Buffer.from(readFileSync(source));
    const at = readReal(source).transferSyntaxOffset;
    expect(bytes.subarray(at, at + 22).toString('latin1')).toBe('1.2.840.10008.1.2.4.90');
    bytes.write('1.2.840.10008.1.2.4.50', at, 'latin1');
    const file = write(dir, 'baseline.dcm', bytes);
    expect(await skipReason(file, dir)).toBe('unsupported transfer syntax 1.2.840.10008.1.2.4.50 (JPEG Baseline, lossy 8-bit)');
  });

  it('a folder passed as a file', async () => {
    const sub = folder('bad/a folder.dcm');
    expect(await skipReason(sub, dir)).toBe('is a directory, not a file');
  });

  // An unreadable DICOM file ('permission denied') is tested through the import, run as an unprivileged
  // user when the tests run as root: test/data/import-permissions.test.ts.

  it('keeps the good files of a mixed folder', async () => {
    const mixed = folder('mixed');
    const good = sorted(RAW)
      .slice(0, 3)
      .map((f, i) => {
        const copy = join(mixed, `ok${i}.dcm`);
        copyFileSync(f, copy);
        return copy;
      });
    const bad = write(mixed, 'notes.txt', 'hello');
    const { series, skipped } = await scanDicomFiles([bad, ...good], mixed);
    expect(series).toHaveLength(1);
    expect(series[0].files).toEqual(good);
    expect(skipped).toEqual([{ file: 'notes.txt', reason: 'not a DICOM file (no DICM preamble)' }]);
  });
});

describe('series that cannot form a volume', () => {
  it('a missing slice: one file dropped from the middle of the 20', async () => {
    const files = sorted(J2K); // their names sort by z, descending
    const dropped = files.filter((_, i) => i !== 10);
    const err = await seriesError(dropped);
    expect(err.file).toBe(J2K);
    expect(err.reason).toMatch(/^missing slices: 4\.00 mm between .* where the usual step is 2\.00 mm \(about 1 slice\(s\) missing\)/);
    expect(err.reason).toContain(files[9].slice(J2K.length + 1));
    expect(err.reason).toContain(files[11].slice(J2K.length + 1));
  });

  it('inconsistent geometry: a 128x128 slice among 512x512 ones', async () => {
    const dir = folder('mixed-size');
    const files = sorted(RAW)
      .slice(0, 4)
      .map((f) => {
        const copy = join(dir, f.slice(RAW.length + 1));
        copyFileSync(f, copy);
        return copy;
      });
    const odd = join(dir, 'CT_small.dcm');
    copyFileSync(SMALL, odd);
    const err = await seriesError([...files, odd]);
    expect(err.file).toBe(dir);
    expect(err.message).toContain(dir);
    expect(err.reason).toMatch(/^inconsistent geometry: CT_small\.dcm is 128x128 pixels, .* is 512x512$/);
  });

  it('inconsistent geometry: a slice with another orientation', async () => {
    const dir = folder('mixed-orientation');
    const files = [0, 1, 2].map((z) => write(dir, `s${z}.dcm`, slice(z)));
    files.push(write(dir, 's3.dcm', slice(3, { orientation: [0, 1, 0, 0, 0, -1] })));
    const err = await seriesError(files);
    expect(err.reason).toMatch(/^inconsistent geometry: s3\.dcm has ImageOrientationPatient 0\\1\\0\\0\\0\\-1/);
  });

  it('inconsistent geometry: a slice with another pixel spacing', async () => {
    const dir = folder('mixed-spacing');
    const files = [0, 1, 2].map((z) => write(dir, `s${z}.dcm`, slice(z, { pixelSpacing: z === 1 ? [0.7, 0.7] : [0.5, 0.5] })));
    const err = await seriesError(files);
    expect(err.reason).toMatch(/^inconsistent geometry: s1\.dcm has PixelSpacing 0\.7\\0\.7 mm/);
  });

  it('two different images at the same position', async () => {
    const dir = folder('same-position');
    const files = [0, 1, 1, 2].map((z, i) => write(dir, `s${i}.dcm`, slice(z)));
    const err = await seriesError(files);
    expect(err.reason).toMatch(/^s1\.dcm and s2\.dcm lie at the same position \(1\.00 mm along the slice normal\)/);
  });

  it('the same instance twice is dropped with a warning', async () => {
    const dir = folder('duplicate');
    const files = [0, 1, 2].map((z) => write(dir, `s${z}.dcm`, slice(z, { sopUid: `1.2.3.${z}` })));
    copyFileSync(files[1], join(dir, 's1 copy.dcm'));
    const v = await readDicomSeries([...files, join(dir, 's1 copy.dcm')]);
    expect(v.shape).toEqual([3, 8, 8]);
    expect(v.warnings).toEqual(['left out s1.dcm: a copy of s1 copy.dcm']);
  });

  it('several slices without ImagePositionPatient (never ordered by InstanceNumber)', async () => {
    const dir = folder('no-position');
    const files = [0, 1].map((z) => write(dir, `s${z}.dcm`, slice(z, { position: undefined, extra: [el(0x00200013, 'IS', String(z + 1))] })));
    const err = await seriesError(files);
    expect(err.reason).toBe('s0.dcm has no ImagePositionPatient (0020,0032): the order of the slices cannot be known');
  });

  it('no readable file at all', async () => {
    const dir = folder('gone');
    const err = await seriesError([join(dir, 'a.dcm'), join(dir, 'b.dcm')]);
    expect(err.file).toBe(dir);
    expect(err.reason).toBe('none of the 2 file(s) could be read (a.dcm: not found)');
  });

  it('a corrupt JPEG 2000 stream names the file', async () => {
    const dir = folder('corrupt');
    const source = sorted(J2K)[0];
    const bytes = Buffer.from(readFileSync(source));
    // Overwrite the start of the codestream (its SOC and SIZ markers) with zeros.
    const soc = bytes.indexOf(Buffer.from([0xff, 0x4f, 0xff, 0x51]));
    expect(soc).toBeGreaterThan(0);
    bytes.fill(0, soc, soc + 64);
    const file = write(dir, 'broken.dcm', bytes);
    const err = await seriesError([file]);
    expect(err.file).toBe(file);
    expect(err.reason).toBe('cannot decode JPEG 2000 Lossless frame 1: the JPEG 2000 stream is 0x0 with 0 component(s), the header says 512x512 with 1');
  });

  it('left-out unreadable files are warnings; the rest still form a volume when no slice is missing', async () => {
    const dir = folder('partly');
    const files = [0, 1, 2].map((z) => write(dir, `s${z}.dcm`, slice(z)));
    const v = await readDicomSeries([...files, join(dir, 's3.dcm')]);
    expect(v.shape).toEqual([3, 8, 8]);
    expect(v.warnings).toEqual(['left out s3.dcm: not found']);
  });
});

describe('non-uniform spacing', () => {
  it('small deviations are a warning and the median step is used', async () => {
    const dir = folder('uneven');
    const zs = [0, 2, 4, 6.2, 8, 10];
    const files = zs.map((z, i) => write(dir, `s${i}.dcm`, slice(z)));
    const v = await readDicomSeries(files);
    expect(v.shape[0]).toBe(6);
    expect(v.spacing[0]).toBe(2);
    expect(v.warnings).toEqual(['non-uniform slice spacing: steps from 1.800 to 2.200 mm; the median step 2.000 mm is used']);
  });

  it('a step over 1.5x the median is a gap', async () => {
    const dir = folder('gap');
    const files = [0, 2, 4, 7.5, 9.5].map((z, i) => write(dir, `s${i}.dcm`, slice(z)));
    const err = await seriesError(files);
    expect(err.reason).toMatch(/^missing slices: 3\.50 mm between s2\.dcm and s3\.dcm where the usual step is 2\.00 mm/);
  });
});

describe('privacy', () => {
  const NAME = 'Doe^Janet Q';
  const ID = 'PID-987654321';
  const secrets = [NAME, 'Doe', 'Janet', ID, '19450317', 'ACC-5551234', 'St. Elsewhere Hospital', 'Dr^Referring', 'STUDY-ID-42'];
  const identifying = [
    el(0x00100010, 'PN', NAME),
    el(0x00100020, 'LO', ID),
    el(0x00100030, 'DA', '19450317'),
    el(0x00080050, 'SH', 'ACC-5551234'),
    el(0x00080080, 'LO', 'St. Elsewhere Hospital'),
    el(0x00080081, 'ST', 'St. Elsewhere Hospital, 1 Main Street'),
    el(0x00080090, 'PN', 'Dr^Referring'),
    el(0x00200010, 'SH', 'STUDY-ID-42'),
  ];
  const withPatient = (z: number, over: Partial<SliceSpec> = {}, transferSyntax = TS.explicit): Uint8Array =>
    dicomFile({
      transferSyntax,
      elements: imageElements({
        rows: 8,
        columns: 8,
        signed: true,
        position: [0, 0, z],
        orientation: [1, 0, 0, 0, 1, 0],
        pixelSpacing: [0.5, 0.5],
        extra: identifying,
        ...over,
      }),
      pixels: transferSyntax === TS.mpeg2 ? { fragments: [new Uint8Array(8)] } : int16Bytes(new Array(64).fill(z)),
    });

  it('patient-identifying values appear in no result, warning, error or console output', async () => {
    const dir = folder('private');
    const logged: unknown[] = [];
    const spies = (['log', 'info', 'warn', 'error', 'debug'] as const).map((m) =>
      vi.spyOn(console, m).mockImplementation((...args: unknown[]) => void logged.push(args)),
    );
    try {
      const good = [0, 1, 2, 3.1].map((z, i) => write(dir, `s${i}.dcm`, withPatient(z)));
      const video = write(dir, 'video.dcm', withPatient(9, {}, TS.mpeg2));
      const bytes = withPatient(10);
      const cut = write(dir, 'cut.dcm', bytes.subarray(0, bytes.length - 50));
      const gap = write(dir, 'far.dcm', withPatient(20));
      // The file really holds the name (so the test would catch a leak).
      expect(readFileSync(good[0]).toString('latin1')).toContain(NAME);

      const scan = await scanDicomFiles([...good, video, cut, gap], dir);
      expect(scan.skipped.map((s) => s.file)).toEqual(['cut.dcm', 'video.dcm']);
      const volume = await readDicomSeries(good);
      expect(volume.warnings).toHaveLength(1); // the uneven step
      const errors = [
        await seriesError([...good, gap]),
        await seriesError([join(dir, 'cut.dcm')]),
        await seriesError([...good, write(dir, 'odd.dcm', withPatient(4, { rows: 4, columns: 16 }))]),
      ];
      const everything = JSON.stringify({
        scan,
        volume: { ...volume, data: undefined },
        errors: errors.map((e) => ({ message: e.message, reason: e.reason, file: e.file, stack: e.stack })),
        logged,
      });
      for (const secret of secrets) expect(everything).not.toContain(secret);
      expect(Object.keys(volume).sort()).toEqual(
        ['channels', 'data', 'dims', 'fileWindow', 'modality', 'shape', 'spacing', 'units', 'warnings'].sort(),
      );
    } finally {
      for (const s of spies) s.mockRestore();
    }
  });
});
