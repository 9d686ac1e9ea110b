// readNifti: the real CT files of /work/shared/data/ct-nifti give the sizes, spacings and value ranges their
// README states (verified there with nibabel), and tiny hand-written NIfTI files with known affines check
// where each voxel lands after reorientation to canonical LPS+ axes (W -> Left, H -> Posterior, D -> Superior).
import { gunzipSync, gzipSync } from 'node:zlib';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { DataFileError } from '../../src-main/data/errors';
import { readNifti } from '../../src-main/data/formats/nifti';
import type { Volume } from '../../src-main/data/volume';
import { range } from '../helpers/volume';

const CT = '/work/shared/data/ct-nifti';
const dir = mkdtempSync(join(tmpdir(), 'ddcnn-nifti-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Value of canonical voxel (x, y, z) = (W, H, D) index. */
function at(v: Volume, x: number, y: number, z: number, c = 0): number {
  const [, h, w] = v.shape;
  return v.data[((z * h + y) * w + x) * v.channels + c];
}

// ---------------------------------------------------------------------------------------------------------
// Hand-written NIfTI headers (offsets from nifti1.h / nifti2.h), independent of the reader under test.

type DType = 'uint8' | 'int8' | 'int16' | 'uint16' | 'int32' | 'uint32' | 'float32' | 'float64' | 'rgb24';
const DTYPES: Record<DType, { code: number; bytes: number }> = {
  uint8: { code: 2, bytes: 1 },
  int8: { code: 256, bytes: 1 },
  int16: { code: 4, bytes: 2 },
  uint16: { code: 512, bytes: 2 },
  int32: { code: 8, bytes: 4 },
  uint32: { code: 768, bytes: 4 },
  float32: { code: 16, bytes: 4 },
  float64: { code: 64, bytes: 8 },
  rgb24: { code: 128, bytes: 3 },
};

interface NiftiSpec {
  /** nx, ny, nz (and nt...). */
  dims: number[];
  dtype?: DType;
  pixdim?: [number, number, number];
  qfac?: number;
  qformCode?: number;
  sformCode?: number;
  quatern?: [number, number, number];
  /** 3 rows of 4. */
  srow?: number[][];
  slope?: number;
  inter?: number;
  calMin?: number;
  calMax?: number;
  bigEndian?: boolean;
  version?: 1 | 2;
}

function writeValue(view: DataView, off: number, dtype: DType, v: number, le: boolean): void {
  switch (dtype) {
    case 'uint8': return view.setUint8(off, v);
    case 'int8': return view.setInt8(off, v);
    case 'int16': return view.setInt16(off, v, le);
    case 'uint16': return view.setUint16(off, v, le);
    case 'int32': return view.setInt32(off, v, le);
    case 'uint32': return view.setUint32(off, v, le);
    case 'float32': return view.setFloat32(off, v, le);
    case 'float64': return view.setFloat64(off, v, le);
    case 'rgb24': throw new Error('rgb24 is written by the caller');
  }
}

/** A complete single-file NIfTI (header, 4 extension bytes, voxels in array order, x fastest). */
function niftiBytes(spec: NiftiSpec, values: ArrayLike<number>): Uint8Array {
  const version = spec.version ?? 1;
  const dtype = spec.dtype ?? 'int16';
  const le = !spec.bigEndian;
  const hdr = version === 1 ? 348 : 540;
  const voxOffset = hdr + 4;
  const { bytes } = DTYPES[dtype];
  const buf = new Uint8Array(voxOffset + values.length * (dtype === 'rgb24' ? 1 : bytes));
  const v = new DataView(buf.buffer);
  const pix = spec.pixdim ?? [1, 1, 1];
  const quat = spec.quatern ?? [0, 0, 0];
  const srow = spec.srow ?? [[0, 0, 0, 0], [0, 0, 0, 0], [0, 0, 0, 0]];
  const dims = [spec.dims.length, ...spec.dims];
  while (dims.length < 8) dims.push(1);
  const pixdim = [spec.qfac ?? 1, ...pix, 1, 1, 1, 1];
  if (version === 1) {
    v.setInt32(0, 348, le);
    dims.forEach((d, i) => v.setInt16(40 + 2 * i, d, le));
    v.setInt16(70, DTYPES[dtype].code, le);
    v.setInt16(72, bytes * 8, le);
    pixdim.forEach((p, i) => v.setFloat32(76 + 4 * i, p, le));
    v.setFloat32(108, voxOffset, le);
    v.setFloat32(112, spec.slope ?? 1, le);
    v.setFloat32(116, spec.inter ?? 0, le);
    v.setUint8(123, 2); // mm
    v.setFloat32(124, spec.calMax ?? 0, le);
    v.setFloat32(128, spec.calMin ?? 0, le);
    v.setInt16(252, spec.qformCode ?? 0, le);
    v.setInt16(254, spec.sformCode ?? 0, le);
    quat.forEach((q, i) => v.setFloat32(256 + 4 * i, q, le));
    srow.forEach((row, r) => row.forEach((x, c) => v.setFloat32(280 + (r * 4 + c) * 4, x, le)));
    buf.set([0x6e, 0x2b, 0x31, 0], 344); // "n+1\0"
  } else {
    v.setInt32(0, 540, le);
    buf.set([0x6e, 0x2b, 0x32, 0, 0x0d, 0x0a, 0x1a, 0x0a], 4); // "n+2\0\r\n\032\n"
    v.setInt16(12, DTYPES[dtype].code, le);
    v.setInt16(14, bytes * 8, le);
    dims.forEach((d, i) => v.setBigInt64(16 + 8 * i, BigInt(d), le));
    pixdim.forEach((p, i) => v.setFloat64(104 + 8 * i, p, le));
    v.setBigInt64(168, BigInt(voxOffset), le);
    v.setFloat64(176, spec.slope ?? 1, le);
    v.setFloat64(184, spec.inter ?? 0, le);
    v.setFloat64(192, spec.calMax ?? 0, le);
    v.setFloat64(200, spec.calMin ?? 0, le);
    v.setInt32(344, spec.qformCode ?? 0, le);
    v.setInt32(348, spec.sformCode ?? 0, le);
    quat.forEach((q, i) => v.setFloat64(352 + 8 * i, q, le));
    srow.forEach((row, r) => row.forEach((x, c) => v.setFloat64(400 + (r * 4 + c) * 8, x, le)));
    v.setInt32(500, 2, le);
  }
  if (dtype === 'rgb24') buf.set(Array.from(values), voxOffset);
  else for (let i = 0; i < values.length; i++) writeValue(v, voxOffset + i * bytes, dtype, values[i], le);
  return buf;
}

function write(name: string, bytes: Uint8Array, gzip = false): string {
  const file = join(dir, name);
  writeFileSync(file, gzip ? gzipSync(bytes) : bytes);
  return file;
}

// A 4 x 3 x 2 grid (i fastest) whose value tells its source index: i + 10 j + 100 k.
const NX = 4;
const NY = 3;
const NZ = 2;
const grid = Array.from({ length: NX * NY * NZ }, (_, n) => (n % NX) + 10 * (Math.floor(n / NX) % NY) + 100 * Math.floor(n / (NX * NY)));
const src = (i: number, j: number, k: number): number => i + 10 * j + 100 * k;

/** Asserts that canonical voxel (x, y, z) holds source voxel f(x, y, z), everywhere. */
function expectMapping(v: Volume, f: (x: number, y: number, z: number) => [number, number, number]): void {
  const [d, h, w] = v.shape;
  for (let z = 0; z < d; z++) {
    for (let y = 0; y < h; y++) {
      for (let x = 0; x < w; x++) expect(at(v, x, y, z), `canonical (${x},${y},${z})`).toBe(src(...f(x, y, z)));
    }
  }
}

// ---------------------------------------------------------------------------------------------------------

describe('readNifti on the real CT files (facts from ct-nifti/README.md)', () => {
  it('example_ct.nii.gz: 122x101x112, 3 mm, int32 HU -1207..3382, RAS diag affine -> x and y flipped', async () => {
    const v = await readNifti(`${CT}/totalsegmentator/example_ct.nii.gz`);
    // nibabel shape (x, y, z) = (122, 101, 112) -> canonical [W, H, D] = [122, 101, 112].
    expect(v.shape).toEqual([112, 101, 122]);
    expect(v.dims).toBe(3);
    expect(v.channels).toBe(1);
    expect(v.spacing).toEqual([3, 3, 3]);
    expect(range(v)).toEqual([-1207, 3382]);
    expect(v.units).toBe('HU');
    expect(v.modality).toBe('CT');
    expect(v.fileWindow).toBeUndefined();

    // Read the raw int32 voxels ourselves (header 348 + 4 extension bytes, x fastest) and check the flip:
    // the README says RAS, so source i runs to the Right and j to Anterior, the opposite of canonical W, H.
    const raw = gunzipSync(readFileSync(`${CT}/totalsegmentator/example_ct.nii.gz`));
    expect(raw.readInt32LE(0)).toBe(348);
    const voxOffset = raw.readFloatLE(108);
    const rawAt = (i: number, j: number, k: number): number => raw.readInt32LE(voxOffset + 4 * (i + 122 * (j + 101 * k)));
    for (const [x, y, z] of [[0, 0, 0], [10, 50, 60], [121, 100, 111], [61, 3, 7], [5, 90, 100]]) {
      expect(at(v, x, y, z)).toBe(rawAt(121 - x, 100 - y, z));
    }
  });

  it('example_ct_sm.nii.gz: 122x101x30, 3 mm', async () => {
    const v = await readNifti(`${CT}/totalsegmentator/example_ct_sm.nii.gz`);
    expect(v.shape).toEqual([30, 101, 122]);
    expect(v.spacing).toEqual([3, 3, 3]);
  });

  it('vtkjs_LIDC2_uint8.nii.gz: 256x256x133, 0..255, 1.40625x1.40625x2.5, not HU', async () => {
    const v = await readNifti(`${CT}/vtkjs/vtkjs_LIDC2_uint8.nii.gz`);
    expect(v.shape).toEqual([133, 256, 256]);
    expect(v.spacing).toEqual([2.5, 1.40625, 1.40625]);
    expect(range(v)).toEqual([0, 255]);
    expect(v.units).toBe('stored');
    expect(v.modality).toBe('unknown');
  });

  it('vtk_headsq_int16.nii.gz: 64x64x93, 0..3926, 3.2x3.2x1.5, not HU', async () => {
    const v = await readNifti(`${CT}/vtkjs/vtk_headsq_int16.nii.gz`);
    expect(v.shape).toEqual([93, 64, 64]);
    expect(v.spacing[0]).toBe(1.5);
    expect(v.spacing[1]).toBeCloseTo(3.2, 5);
    expect(v.spacing[2]).toBeCloseTo(3.2, 5);
    expect(range(v)).toEqual([0, 3926]);
    expect(v.units).toBe('stored');
  });
});

describe('readNifti orientation (hand-written files with known affines)', () => {
  it('sform diag(-1,-1,1) is already LPS: voxels stay where they are', async () => {
    const file = write('lps.nii', niftiBytes({ dims: [NX, NY, NZ], sformCode: 1, srow: [[-1, 0, 0, 0], [0, -1, 0, 0], [0, 0, 1, 0]] }, grid));
    const v = await readNifti(file);
    expect(v.shape).toEqual([NZ, NY, NX]);
    expectMapping(v, (x, y, z) => [x, y, z]);
    expect(v.warnings).toEqual([]);
  });

  it('sform diag(2,3,4) is RAS: x and y are flipped, spacing from pixdim', async () => {
    const file = write('ras.nii', niftiBytes({ dims: [NX, NY, NZ], pixdim: [2, 3, 4], sformCode: 2, srow: [[2, 0, 0, 0], [0, 3, 0, 0], [0, 0, 4, 0]] }, grid));
    const v = await readNifti(file);
    expect(v.shape).toEqual([NZ, NY, NX]);
    expect(v.spacing).toEqual([4, 3, 2]);
    expectMapping(v, (x, y, z) => [NX - 1 - x, NY - 1 - y, z]);
  });

  it('an axial scan stored as sagittal (i -> Superior, j -> Anterior, k -> Right) is permuted back', async () => {
    // Columns of the sform: axis i along +z (S), j along +y (A), k along +x (R), with voxel sizes 2, 3, 4.
    const srow = [[0, 0, 4, 0], [0, 3, 0, 0], [2, 0, 0, 0]];
    const file = write('sagittal.nii', niftiBytes({ dims: [NX, NY, NZ], pixdim: [2, 3, 4], sformCode: 1, srow }, grid));
    const v = await readNifti(file);
    // Canonical W (Left) = source k reversed, H (Posterior) = source j reversed, D (Superior) = source i.
    expect(v.shape).toEqual([NX, NY, NZ]);
    expect(v.spacing).toEqual([2, 3, 4]);
    expectMapping(v, (x, y, z) => [z, NY - 1 - y, NZ - 1 - x]);
    // The marked corner: source (3, 2, 1) is the most superior, most anterior and most right voxel, so it
    // lands in the top slice, first row (anterior end of H) and first column (right end of W).
    expect(at(v, 0, 0, NX - 1)).toBe(src(NX - 1, NY - 1, NZ - 1));
  });

  it('qform only, with qfac -1: quaternion (0,1,0) is a 180 degree turn about y, qfac flips k back', async () => {
    // R = diag(-1, 1, -1); with qfac = -1 the affine is diag(-1, 1, 1): i -> Left, j -> Anterior, k -> Superior.
    // An srow that would say otherwise is present but sform_code is 0, so it must be ignored.
    const file = write(
      'qform.nii',
      niftiBytes({ dims: [NX, NY, NZ], qfac: -1, qformCode: 1, quatern: [0, 1, 0], srow: [[1, 0, 0, 0], [0, 0, 1, 0], [0, 1, 0, 0]] }, grid),
    );
    const v = await readNifti(file);
    expect(v.shape).toEqual([NZ, NY, NX]);
    expectMapping(v, (x, y, z) => [x, NY - 1 - y, z]);
  });

  it('sform wins over qform even when qform_code is larger (nifti-reader-js would pick the qform)', async () => {
    const file = write(
      'both.nii',
      niftiBytes({ dims: [NX, NY, NZ], qformCode: 2, sformCode: 1, quatern: [0, 0, 0], srow: [[-1, 0, 0, 0], [0, -1, 0, 0], [0, 0, 1, 0]] }, grid),
    );
    expectMapping(await readNifti(file), (x, y, z) => [x, y, z]);
  });

  it('no sform or qform (gzip): diag(pixdim) taken as RAS, with a warning', async () => {
    const file = write('none.nii.gz', niftiBytes({ dims: [NX, NY, NZ], pixdim: [0.5, 0.5, 2] }, grid), true);
    const v = await readNifti(file);
    expect(v.spacing).toEqual([2, 0.5, 0.5]);
    expectMapping(v, (x, y, z) => [NX - 1 - x, NY - 1 - y, z]);
    expect(v.warnings.join(' ')).toMatch(/no sform or qform/);
  });

  it('an oblique sform snaps to the nearest axes and warns', async () => {
    const c = Math.cos(0.3);
    const s = Math.sin(0.3);
    const file = write('oblique.nii', niftiBytes({ dims: [NX, NY, NZ], sformCode: 1, srow: [[-c, s, 0, 0], [-s, -c, 0, 0], [0, 0, 1, 0]] }, grid));
    const v = await readNifti(file);
    expectMapping(v, (x, y, z) => [x, y, z]);
    expect(v.warnings.join(' ')).toMatch(/oblique/);
  });
});

describe('readNifti values', () => {
  const lps = { sformCode: 1, srow: [[-1, 0, 0, 0], [0, -1, 0, 0], [0, 0, 1, 0]] };

  it.each(['uint8', 'int8', 'int16', 'uint16', 'int32', 'uint32', 'float32', 'float64'] as const)('datatype %s', async (dtype) => {
    const values = grid.map((g) => (dtype === 'int8' ? g % 128 : g));
    const file = write(`dt-${dtype}.nii`, niftiBytes({ dims: [NX, NY, NZ], dtype, ...lps }, values));
    const v = await readNifti(file);
    expect(Array.from(v.data)).toEqual(values);
  });

  it('float values are kept exactly, and big-endian files read the same', async () => {
    const values = grid.map((g) => g / 8 - 3.5);
    for (const bigEndian of [false, true]) {
      const file = write(`f32-${bigEndian}.nii`, niftiBytes({ dims: [NX, NY, NZ], dtype: 'float32', bigEndian, ...lps }, values));
      expect(Array.from((await readNifti(file)).data)).toEqual(values);
    }
    const file = write('be16.nii', niftiBytes({ dims: [NX, NY, NZ], dtype: 'int16', bigEndian: true, ...lps }, grid));
    expect(Array.from((await readNifti(file)).data)).toEqual(grid);
  });

  it('applies scl_slope/scl_inter; slope 0 means no scaling; min <= -900 makes it CT in HU', async () => {
    const scaled = await readNifti(write('scl.nii', niftiBytes({ dims: [NX, NY, NZ], slope: 2, inter: -1024, ...lps }, grid)));
    expect(Array.from(scaled.data)).toEqual(grid.map((g) => g * 2 - 1024));
    expect(scaled.units).toBe('HU');
    expect(scaled.modality).toBe('CT');
    const unscaled = await readNifti(write('scl0.nii', niftiBytes({ dims: [NX, NY, NZ], slope: 0, inter: -1024, ...lps }, grid)));
    expect(Array.from(unscaled.data)).toEqual(grid);
    expect(unscaled.units).toBe('stored');
  });

  it('cal_min/cal_max become the file window', async () => {
    const v = await readNifti(write('cal.nii', niftiBytes({ dims: [NX, NY, NZ], calMin: -160, calMax: 240, ...lps }, grid)));
    expect(v.fileWindow).toEqual({ center: 40, width: 400 });
    const none = await readNifti(write('cal0.nii', niftiBytes({ dims: [NX, NY, NZ], calMin: 5, calMax: 5, ...lps }, grid)));
    expect(none.fileWindow).toBeUndefined();
  });

  it('a 4D file gives its first 3D volume and a warning', async () => {
    const values = [...grid, ...grid.map((g) => g + 1000)];
    const v = await readNifti(write('4d.nii', niftiBytes({ dims: [NX, NY, NZ, 2], ...lps }, values)));
    expect(v.shape).toEqual([NZ, NY, NX]);
    expect(Array.from(v.data)).toEqual(grid);
    expect(v.warnings.join(' ')).toMatch(/4D.*first 3D volume/);
  });

  it('a 2D file is a volume of one slice', async () => {
    const v = await readNifti(write('2d.nii', niftiBytes({ dims: [NX, NY], ...lps }, grid.slice(0, NX * NY))));
    expect(v.shape).toEqual([1, NY, NX]);
  });

  it('RGB24 gives 3 channels', async () => {
    const rgb = Array.from({ length: NX * NY * NZ * 3 }, (_, i) => i % 251);
    const v = await readNifti(write('rgb.nii', niftiBytes({ dims: [NX, NY, NZ], dtype: 'rgb24', ...lps }, rgb)));
    expect(v.channels).toBe(3);
    expect(Array.from(v.data)).toEqual(rgb);
  });

  it('NIfTI-2 (float64, sform RAS)', async () => {
    const file = write('v2.nii.gz', niftiBytes({ version: 2, dims: [NX, NY, NZ], dtype: 'float64', pixdim: [1, 2, 3], sformCode: 1, srow: [[1, 0, 0, 0], [0, 2, 0, 0], [0, 0, 3, 0]] }, grid), true);
    const v = await readNifti(file);
    expect(v.spacing).toEqual([3, 2, 1]);
    expectMapping(v, (x, y, z) => [NX - 1 - x, NY - 1 - y, z]);
  });

  it('reads paths with spaces and non-ASCII characters', async () => {
    const sub = join(dir, 'dir with space', 'Ünïcödé ÇT 日本');
    mkdirSync(sub, { recursive: true });
    const file = join(sub, 'scan 1 é.nii.gz');
    writeFileSync(file, gzipSync(niftiBytes({ dims: [NX, NY, NZ], ...lps }, grid)));
    expect(Array.from((await readNifti(file)).data)).toEqual(grid);
  });
});

describe('readNifti rejects broken files with the file name and a reason', () => {
  const good = niftiBytes({ dims: [NX, NY, NZ] }, grid);

  async function reason(bytes: Uint8Array | Buffer, name: string): Promise<string> {
    const file = write(name, bytes);
    const err = await readNifti(file).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DataFileError);
    expect((err as DataFileError).file).toBe(file);
    expect((err as DataFileError).message).toContain(file);
    return (err as DataFileError).reason;
  }

  it('bad sizeof_hdr', async () => {
    const bad = good.slice();
    new DataView(bad.buffer).setInt32(0, 123, true);
    expect(await reason(bad, 'sizeof.nii')).toMatch(/sizeof_hdr is 123/);
  });

  it('bad magic', async () => {
    const bad = good.slice();
    bad.set([0x78, 0x78, 0x78], 344);
    expect(await reason(bad, 'magic.nii')).toMatch(/magic/);
  });

  it('a dimension of 0', async () => {
    const bad = good.slice();
    new DataView(bad.buffer).setInt16(44, 0, true); // dim[2]
    expect(await reason(bad, 'dims.nii')).toMatch(/dimensions 4x0x2/);
  });

  it('a file shorter than vox_offset + data size', async () => {
    expect(await reason(good.subarray(0, good.length - 5), 'short.nii')).toMatch(/truncated.*48 bytes.*43/);
  });

  it('a header cut short', async () => {
    expect(await reason(good.subarray(0, 200), 'tiny.nii')).toMatch(/too short/);
  });

  it('gzip that fails', async () => {
    const gz = gzipSync(good);
    expect(await reason(gz.subarray(0, gz.length - 30), 'cut.nii.gz')).toMatch(/gzip/);
  });

  it('an unsupported datatype', async () => {
    const bad = good.slice();
    new DataView(bad.buffer).setInt16(70, 32, true);
    expect(await reason(bad, 'complex.nii')).toMatch(/complex64/);
  });

  it('an empty file and a missing file', async () => {
    expect(await reason(new Uint8Array(0), 'empty.nii')).toMatch(/empty/);
    await expect(readNifti(join(dir, 'nope.nii'))).rejects.toThrow(/not found/);
  });
});
