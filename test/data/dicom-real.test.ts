// The DICOM reader on the real CT files of /work/shared/data/ct-dicom: sizes, spacing and HU ranges from that
// folder's README (checked there with dcmtk and pydicom), voxels compared with the files' stored values read
// with dicom-parser alone, slice order by position, padding, and independence from file names and order.

import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { looksLikeDicom, readDicomSeries, scanDicomFiles } from '../../src-main/data/dicom/index';
import type { Volume } from '../../src-main/data/volume';
import { DATA, readReal } from './dicom-fixtures';
import { range } from '../helpers/volume';

const J2K = join(DATA, 'totalsegmentator_example_ct_dicom');
const RAW = join(DATA, 'totalsegmentator_example_ct_dicom_uncompressed');
const GE = join(DATA, 'dcmqi_ct_3slice');
const SINGLE = join(DATA, 'single_slice_ct');
const filesOf = (dir: string): string[] => readdirSync(dir).map((f) => join(dir, f));

const tmp = mkdtempSync(join(tmpdir(), 'ddcnn-dicom-real-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** Whether two Float32Arrays hold the same values (vitest's toEqual on 5M elements is slow). */
function sameVoxels(a: Float32Array, b: Float32Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

let j2k: Volume;
let raw: Volume;
beforeAll(async () => {
  j2k = await readDicomSeries(filesOf(J2K));
  raw = await readDicomSeries(filesOf(RAW));
});

describe('the 20-slice Siemens series (README: 512x512x20, 0.9766 mm, step 2 mm, HU -1024..1839)', () => {
  it('reads the JPEG 2000 files as a 512x512x20 volume in HU', () => {
    expect(j2k.shape).toEqual([20, 512, 512]);
    expect(j2k.dims).toBe(3);
    expect(j2k.channels).toBe(1);
    expect(j2k.spacing[0]).toBeCloseTo(2, 6); // the position step, not SliceThickness (3)
    expect(j2k.spacing[1]).toBeCloseTo(0.9766, 4);
    expect(j2k.spacing[2]).toBeCloseTo(0.9766, 4);
    expect(range(j2k)).toEqual([-1024, 1839]);
    expect(j2k.modality).toBe('CT');
    expect(j2k.units).toBe('HU');
    expect(j2k.fileWindow).toEqual({ center: 40, width: 300 }); // first of WindowCenter 40\300, WindowWidth 300\1500
    expect(j2k.warnings).toEqual([]);
  });

  it('gives identical voxels from the JPEG 2000 and the uncompressed copy', () => {
    expect(raw.shape).toEqual(j2k.shape);
    expect(raw.spacing).toEqual(j2k.spacing);
    expect(sameVoxels(raw.data, j2k.data)).toBe(true);
  });

  it('orders slices feet to head by ImagePositionPatient z, and keeps rows and columns as stored (axial, LPS)', () => {
    // Independent of the reader: sort the files by z, compute stored * slope + intercept with dicom-parser.
    const slices = filesOf(RAW)
      .map(readReal)
      .sort((a, b) => a.position[2] - b.position[2]);
    expect(slices[0].orientation).toEqual([1, 0, 0, 0, 1, 0]);
    const size = 512 * 512;
    slices.forEach((s, d) => {
      const expected = Float32Array.from(s.stored, (v) => v * s.slope + s.intercept);
      expect(sameVoxels(raw.data.subarray(d * size, (d + 1) * size), expected), `slice ${d}`).toBe(true);
    });
    const steps = slices.slice(1).map((s, i) => s.position[2] - slices[i].position[2]);
    expect(new Set(steps)).toEqual(new Set([2]));
  });

  it('gives identical voxels when the files are copied under shuffled names', async () => {
    const dir = join(tmp, 'shuffled');
    mkdirSync(dir);
    const files = filesOf(J2K);
    // A fixed permutation, with names that sort differently from the positions.
    const order = files.map((_, i) => (i * 7 + 3) % files.length);
    const copies = files.map((f, i) => {
      const copy = join(dir, `img${String(order[i]).padStart(3, '0')}.dcm`);
      copyFileSync(f, copy);
      return copy;
    });
    const { series } = await scanDicomFiles(copies.reverse(), dir);
    expect(series).toHaveLength(1);
    const v = await readDicomSeries(series[0].files);
    expect(sameVoxels(v.data, j2k.data)).toBe(true);
  });

  it('reads from a folder whose name has spaces and non-ASCII characters', async () => {
    const dir = join(tmp, 'Série 1 ÄÖ', 'dünn schicht');
    mkdirSync(dir, { recursive: true });
    const copies = filesOf(RAW).map((f, i) => {
      const copy = join(dir, `Schnitt ${i} ü.dcm`);
      copyFileSync(f, copy);
      return copy;
    });
    const { series, skipped } = await scanDicomFiles(copies, join(tmp, 'Série 1 ÄÖ'));
    expect(skipped).toEqual([]);
    expect(series).toHaveLength(1);
    expect(series[0].files).toHaveLength(20);
    const v = await readDicomSeries(series[0].files);
    expect(sameVoxels(v.data, raw.data)).toBe(true);
  });
});

describe('the 3-slice GE series (README: Implicit VR, stored -2000..2405, intercept -1024)', () => {
  it('sorts the slices by position: z -128.69, -127.69, -126.69 along canonical D', async () => {
    const files = filesOf(GE); // 01, 02, 03 have z -126.69, -127.69, -128.69: file order is head to feet
    const v = await readDicomSeries(files);
    expect(v.shape).toEqual([3, 512, 512]);
    expect(v.spacing[0]).toBeCloseTo(1, 6);
    expect(v.spacing[1]).toBeCloseTo(0.8105, 4);
    const byZ = files.map(readReal).sort((a, b) => a.position[2] - b.position[2]);
    expect(byZ.map((s) => s.position[2])).toEqual([-128.690002, -127.690002, -126.690002]);
    const size = 512 * 512;
    byZ.forEach((s, d) => {
      const slice = v.data.subarray(d * size, (d + 1) * size);
      // Stored -2000 is GE's padding outside the field of view: air, -1024 HU.
      const expected = Float32Array.from(s.stored, (x) => (x === -2000 ? -1024 : x * s.slope + s.intercept));
      expect(sameVoxels(slice, expected), `slice ${d}`).toBe(true);
    });
  });

  it('maps the padding (stored -2000, PixelPaddingValue) to -1024 HU instead of -3024', async () => {
    const v = await readDicomSeries(filesOf(GE));
    const stored = filesOf(GE).flatMap((f) => Array.from(readReal(f).stored));
    expect(stored.reduce((a, b) => Math.min(a, b))).toBe(-2000);
    expect(stored.reduce((a, b) => Math.max(a, b))).toBe(2405);
    const padding = stored.filter((x) => x === -2000).length;
    expect(padding).toBeGreaterThan(1000);
    expect(range(v)).toEqual([-1024, 2405 - 1024]);
    expect(v.fileWindow).toEqual({ center: 40, width: 400 });
  });
});

describe('single slices', () => {
  it('reads CT_small.dcm (Explicit VR) as a 128x128x1 volume, z spacing from SliceThickness', async () => {
    const v = await readDicomSeries([join(SINGLE, 'CT_small.dcm')]);
    expect(v.shape).toEqual([1, 128, 128]);
    expect(v.dims).toBe(3);
    expect(v.spacing[0]).toBe(5);
    expect(v.spacing[2]).toBeCloseTo(0.661468, 6);
    const s = readReal(join(SINGLE, 'CT_small.dcm'));
    expect(sameVoxels(v.data, Float32Array.from(s.stored, (x) => x * s.slope + s.intercept))).toBe(true);
    expect(v.warnings).toEqual([]);
  });

  it('reads the ankle slice (Implicit VR, no position/orientation/spacing) as 512x512x1 with warnings', async () => {
    const v = await readDicomSeries([join(SINGLE, 'CT-MONO2-16-ankle.dcm')]);
    expect(v.shape).toEqual([1, 512, 512]);
    expect(v.spacing).toEqual([1, 1, 1]);
    expect(v.warnings.join('\n')).toMatch(/ImageOrientationPatient/);
    expect(v.warnings.join('\n')).toMatch(/PixelSpacing/);
    const s = readReal(join(SINGLE, 'CT-MONO2-16-ankle.dcm'));
    expect(sameVoxels(v.data, Float32Array.from(s.stored, (x) => x * s.slope + s.intercept))).toBe(true);
  });
});

describe('scanning', () => {
  it('groups the whole ct-dicom folder into its series and leaves out the README', async () => {
    const files = readdirSync(DATA, { recursive: true, withFileTypes: true })
      .filter((d) => d.isFile())
      .map((d) => join(d.parentPath, d.name));
    const { series, skipped } = await scanDicomFiles(files, DATA);
    expect(skipped).toEqual([{ file: 'README.md', reason: 'not a DICOM file (no DICM preamble)' }]);
    // The two Siemens copies have a blank SeriesInstanceUID: they stay apart, by folder.
    expect(series.map((s) => s.files.length)).toEqual([3, 1, 1, 20, 20]);
    expect(series[3].files.every((f) => f.startsWith(J2K + '/'))).toBe(true);
    expect(series[0].uid).toBe('1.2.392.200103.20080913.113635.1.2009.6.22.21.43.10.23430.1');
    expect(series[3].uid).toMatch(/^no-series-uid-[0-9a-f]{16}$/);
    expect(series[3].uid).not.toBe(series[4].uid);
  });

  it('tells DICOM files from others by their first bytes', () => {
    expect(looksLikeDicom(join(SINGLE, 'CT_small.dcm'))).toBe(true);
    expect(looksLikeDicom(filesOf(GE)[0])).toBe(true);
    expect(looksLikeDicom(join(DATA, 'README.md'))).toBe(false);
    expect(looksLikeDicom(join(DATA, 'no such file.dcm'))).toBe(false);
  });
});
