// Sizes a header declares are checked against the bytes actually present before anything is allocated for
// them (issue 8, item 6): each reader turns a small file declaring a huge image into a DataFileError naming
// the file and the declared size, instead of a heap abort, an allocation failure or gigabytes of inflation.
import fs from 'node:fs';
import path from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import dicomParser from 'dicom-parser';
import { encode as encodePng } from 'fast-png';
import { zipSync } from 'fflate';
import { afterAll, describe, expect, it } from 'vitest';
import { readDicomSeries, scanDicomFiles } from '../../src-main/data/dicom/index';
import { DataFileError } from '../../src-main/data/errors';
import { readImage, readNifti, readNpyVolume } from '../../src-main/data/formats/index';
import { gunzipPrefix } from '../../src-main/data/inflate-limit';
import { readNpz } from '../../src-main/data/npz';
import { DICOM_20_J2K, DICOM_20_RAW, NIFTI_CT_SM, removeTempDirs, sliceFiles, tempDir } from '../helpers/import-fixtures';
import { dicomDeclaringFrames, rawNpy, writeFile } from '../helpers/oversized-files';

afterAll(removeTempDirs);
const dir = tempDir('ddcnn-declared-');

async function reason(read: Promise<unknown>, file: string): Promise<string> {
  const err = await read.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err, 'expected a DataFileError').toBeInstanceOf(DataFileError);
  expect((err as DataFileError).file).toBe(file);
  return (err as DataFileError).reason;
}

describe('DICOM', () => {
  it('a real slice declaring 50,000,000 frames in 64 bytes of pixel data is skipped by the scan, naming NumberOfFrames', async () => {
    const file = writeFile(path.join(dir, 'frames.dcm'), dicomDeclaringFrames(sliceFiles(DICOM_20_RAW)[0], 50_000_000, 64));
    expect(fs.statSync(file).size).toBeLessThan(8000);
    const { series, skipped } = await scanDicomFiles([file], dir);
    expect(series).toEqual([]);
    expect(skipped).toEqual([{ file: 'frames.dcm', reason: expect.stringMatching(/^NumberOfFrames \(0028,0008\) declares 50000000 frame\(s\) of 512x512 at 16 bits need 26214400000000 bytes, the pixel data has 64$/) }]);
  });

  it('a real JPEG 2000 slice whose Rows and Columns say 65535 fails on the codestream size, before the volume is allocated', async () => {
    const bytes = fs.readFileSync(sliceFiles(DICOM_20_J2K)[0]);
    const ds = dicomParser.parseDicom(new Uint8Array(bytes), { untilTag: 'x7fe00010' });
    for (const tag of ['x00280010', 'x00280011']) bytes.writeUInt16LE(65535, ds.elements[tag].dataOffset);
    const file = writeFile(path.join(dir, 'j2k-65535.dcm'), bytes);
    const r = await reason(readDicomSeries([file]), file);
    expect(r).toMatch(/JPEG 2000 stream is 512x512 with 1 component\(s\), the header says 65535x65535 with 1/);
  });
});

describe('NIfTI', () => {
  it('a real .nii.gz edited to declare 30000x30000x30000 voxels is refused from its header, before inflating', async () => {
    const nii = gunzipSync(fs.readFileSync(NIFTI_CT_SM));
    for (let a = 1; a <= 3; a++) nii.writeInt16LE(30000, 40 + 2 * a);
    const gz = gzipSync(nii);
    const file = writeFile(path.join(dir, 'huge.nii.gz'), gz);
    const declared = 30000 ** 3 * nii.readInt16LE(72) / 8; // bitpix of the real file
    const r = await reason(readNifti(file), file);
    expect(r).toBe(`the header declares ${declared} bytes of voxel data, more than its ${gz.length} bytes of gzip data can hold`);
  });

  it('a gzip stream is inflated only up to the bytes asked for, however much it holds', async () => {
    const gz = gzipSync(Buffer.alloc(256 * 2 ** 20, 7), { level: 1 });
    const before = process.memoryUsage().arrayBuffers;
    const head = await gunzipPrefix(gz, 1000);
    expect(head.length).toBe(1000);
    expect(head.every((b) => b === 7)).toBe(true);
    // Inflating all of it would have held 256 MB at once.
    expect(process.memoryUsage().arrayBuffers - before).toBeLessThan(32 * 2 ** 20);
  });
});

describe('npy and npz', () => {
  it('an .npy declaring shape (100000, 100000, 100) of float32 with 64 bytes of data is truncated, by the shape', async () => {
    const file = writeFile(path.join(dir, 'huge.npy'), rawNpy("{'descr': '<f4', 'fortran_order': False, 'shape': (100000, 100000, 100), }", new Uint8Array(64)));
    expect(await reason(readNpyVolume(file), file)).toBe('truncated: shape (100000, 100000, 100) of <f4 needs 4000000000000 bytes of data, the file holds 64');
  });

  it('an .npz member whose header declares 4 values but that inflates to 50 MB stops at the declared size', async () => {
    const file = writeFile(path.join(dir, 'bomb.npz'), zipSync({ 'images.npy': rawNpy("{'descr': '|u1', 'fortran_order': False, 'shape': (4,), }", new Uint8Array(50_000_000)) }));
    expect(fs.statSync(file).size).toBeLessThan(100_000);
    expect(await reason(readNpz(file), file)).toMatch(/^array 'images' inflates to more than the \d+ bytes its shape declares$/);
  });

  it('an .npz member declaring 10^10 values in a few hundred compressed bytes is refused before inflating', async () => {
    const file = writeFile(path.join(dir, 'declared.npz'), zipSync({ 'images.npy': rawNpy("{'descr': '|u1', 'fortran_order': False, 'shape': (100000, 100000), }", new Uint8Array(16)) }));
    expect(await reason(readNpz(file), file)).toMatch(/^array 'images' declares shape \(100000, 100000\) \(10000000000 bytes\), more than its \d+ compressed bytes can hold$/);
  });
});

describe('2D images', () => {
  it('a PNG whose IHDR declares 1000000x1000000 pixels is refused before decoding', async () => {
    const png = Buffer.from(encodePng({ width: 16, height: 16, data: new Uint8Array(256).fill(9), channels: 1, depth: 8 }));
    png.writeUInt32BE(1_000_000, 16);
    png.writeUInt32BE(1_000_000, 20);
    const file = writeFile(path.join(dir, 'huge.png'), png);
    expect(await reason(readImage(file), file)).toBe(`PNG header declares 1000000x1000000 pixels (1000001000000 bytes of image data), more than its ${png.length} bytes can hold`);
  });

  it('a binary and an ASCII PGM declaring 1000000x1000000 pixels are truncated, before their pixels are allocated', async () => {
    const binary = writeFile(path.join(dir, 'huge.pgm'), Buffer.from('P5 1000000 1000000 255\n\x01\x02\x03', 'latin1'));
    expect(await reason(readImage(binary), binary)).toBe('truncated PGM: 1000000x1000000 pixels need 1000000000000 bytes, found 3');
    const ascii = writeFile(path.join(dir, 'huge-ascii.pgm'), Buffer.from('P2 1000000 1000000 255\n1 2 3\n', 'latin1'));
    expect(await reason(readImage(ascii), ascii)).toBe('truncated PGM: 1000000x1000000 pixels need at least 1999999999999 bytes of text values, found 7');
  });
});
