// Reads a NIfTI-1 or NIfTI-2 file (.nii or .nii.gz) into a Volume with canonical LPS+ index axes.
//
// nifti-reader-js parses the header fields; this module decides what they mean, because the library's own
// `affine` prefers the qform whenever qform_code > sform_code, and NIfTI-2's `affine` is always the srow even
// when sform_code is 0. The rules here follow nibabel and the nifti1.h comments:
//   - orientation: the sform when sform_code > 0, else the qform (quaternion, pixdim and qfac) when
//     qform_code > 0, else diag(pixdim) as RAS (NIfTI "method 1", what nibabel assumes for such files);
//   - values: stored * scl_slope + scl_inter, unless scl_slope is 0 or not finite (then stored as is);
//   - 4D and higher files: only the first 3D volume is read, with a warning (a time series or vector image
//     is not one scan for classification, but its first volume is usually what the user meant);
//   - units: NIfTI does not say whether values are Hounsfield units. A file is taken as CT in HU when it is
//     not uint8 (windowed exports) and its smallest value after scaling is <= -900: air is -1000 HU, every
//     CT field of view contains air (or padding, -1024/-2000/-3024), and MR, PET or windowed data never go
//     that negative. Otherwise units are 'stored' and modality 'unknown'.

import { readFile } from 'node:fs/promises';
import * as nifti from 'nifti-reader-js';
import { DataFileError, fileSystemError } from '../errors';
import { gunzipPrefix, maxInflatedBytes } from '../inflate-limit';
import { canonicalAxisMap, reorient, type Volume } from '../volume';

type Header = nifti.NIFTI1 | nifti.NIFTI2;

/** The smallest value (after scaling) that marks a volume as CT in Hounsfield units, see the heuristic above. */
export const HU_AIR_THRESHOLD = -900;

/** How a NIfTI datatype code's voxels are decoded: bytes per value, values per voxel, and a reader. */
interface VoxelType {
  name: string;
  bytes: number;
  /** 1, or 3 for RGB24, 4 for RGBA32 (whose alpha is dropped). */
  components: number;
  get: (view: DataView, offset: number, littleEndian: boolean) => number;
  /** Typed array for the fast path (little-endian data on a little-endian machine). */
  array?: new (buffer: ArrayBuffer) => ArrayLike<number>;
}

const VOXEL_TYPES: Record<number, VoxelType> = {
  2: { name: 'uint8', bytes: 1, components: 1, get: (v, o) => v.getUint8(o), array: Uint8Array },
  4: { name: 'int16', bytes: 2, components: 1, get: (v, o, le) => v.getInt16(o, le), array: Int16Array },
  8: { name: 'int32', bytes: 4, components: 1, get: (v, o, le) => v.getInt32(o, le), array: Int32Array },
  16: { name: 'float32', bytes: 4, components: 1, get: (v, o, le) => v.getFloat32(o, le), array: Float32Array },
  64: { name: 'float64', bytes: 8, components: 1, get: (v, o, le) => v.getFloat64(o, le), array: Float64Array },
  128: { name: 'rgb24', bytes: 1, components: 3, get: (v, o) => v.getUint8(o), array: Uint8Array },
  256: { name: 'int8', bytes: 1, components: 1, get: (v, o) => v.getInt8(o), array: Int8Array },
  512: { name: 'uint16', bytes: 2, components: 1, get: (v, o, le) => v.getUint16(o, le), array: Uint16Array },
  768: { name: 'uint32', bytes: 4, components: 1, get: (v, o, le) => v.getUint32(o, le), array: Uint32Array },
  // 64-bit integers lose precision above 2^53 as numbers; voxel values never get there.
  1024: { name: 'int64', bytes: 8, components: 1, get: (v, o, le) => Number(v.getBigInt64(o, le)) },
  1280: { name: 'uint64', bytes: 8, components: 1, get: (v, o, le) => Number(v.getBigUint64(o, le)) },
  2304: { name: 'rgba32', bytes: 1, components: 4, get: (v, o) => v.getUint8(o), array: Uint8Array },
};

const UNSUPPORTED_TYPES: Record<number, string> = {
  0: 'unknown datatype 0',
  1: 'binary (1 bit per voxel)',
  32: 'complex64',
  1536: 'float128',
  1792: 'complex128',
  2048: 'complex256',
};

const HOST_LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

export async function readNifti(file: string): Promise<Volume> {
  let buf: Buffer;
  try {
    buf = await readFile(file);
  } catch (err) {
    throw fileSystemError(file, err);
  }
  // A plain Uint8Array view: Buffer's slice() does not copy, and the code below relies on slice() copying.
  const raw = new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength);
  const bytes = await decompressIfGzip(file, raw);
  const { header, version } = parseHeader(file, bytes);
  return decodeVolume(file, bytes, header, version);
}

/** Enough of a file's start for the NIfTI-1 (348) or NIfTI-2 (540) header and the extension flag after it. */
const HEADER_PREFIX = 544;

/**
 * The file's bytes, gunzipped when they start with the gzip signature (whatever the file name says): only as
 * many bytes as the header declares (header, extensions and voxels) are inflated, after checking that the
 * compressed stream could hold them at all, so a small .nii.gz never inflates to gigabytes.
 */
async function decompressIfGzip(file: string, raw: Uint8Array): Promise<Uint8Array> {
  if (raw.length === 0) throw new DataFileError(file, 'empty file');
  // Not nifti.isCompressed: it accepts either signature byte alone, which a big-endian header can match.
  if (raw[0] !== 0x1f || raw[1] !== 0x8b) return raw;
  const gunzip = async (limit: number): Promise<Uint8Array> => {
    try {
      return await gunzipPrefix(raw, limit);
    } catch (err) {
      const detail = err instanceof Error ? err.message : String(err);
      throw new DataFileError(file, `gzip data is truncated or corrupt (${detail})`);
    }
  };
  // The header alone, its extension flag cleared, so that parsing it reads nothing past it.
  const head = (await gunzip(HEADER_PREFIX)).slice();
  head.fill(0, version1or2(head) === 1 ? 348 : 540);
  const { header, version } = parseHeader(file, head);
  const { voxOffset, declaredBytes } = dataLayout(file, header, version, []);
  const total = voxOffset + declaredBytes;
  if (total > maxInflatedBytes(raw.length)) {
    throw new DataFileError(file, `the header declares ${declaredBytes} bytes of voxel data, more than its ${raw.length} bytes of gzip data can hold`);
  }
  return gunzip(total);
}

/** 1 or 2 from sizeof_hdr in either byte order (parseHeader says what is wrong when it is neither). */
function version1or2(bytes: Uint8Array): 1 | 2 {
  if (bytes.length < 4) return 1;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  return view.getInt32(0, true) === 540 || view.getInt32(0, false) === 540 ? 2 : 1;
}

/** An ArrayBuffer holding exactly these bytes (Node's Buffers may be views into a larger pool). */
function toArrayBuffer(bytes: Uint8Array): ArrayBuffer {
  if (bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength && bytes.buffer instanceof ArrayBuffer) {
    return bytes.buffer;
  }
  return bytes.slice().buffer as ArrayBuffer;
}

/** Checks sizeof_hdr and magic ourselves (the library's messages do not say what is wrong), then parses. */
function parseHeader(file: string, bytes: Uint8Array): { header: Header; version: 1 | 2 } {
  if (bytes.length < 348) {
    throw new DataFileError(file, `too short for a NIfTI header (${bytes.length} bytes; a NIfTI-1 header has 348)`);
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const sizeLE = view.getInt32(0, true);
  const sizeBE = view.getInt32(0, false);
  const size = sizeLE === 348 || sizeLE === 540 ? sizeLE : sizeBE === 348 || sizeBE === 540 ? sizeBE : 0;
  if (size === 0) {
    throw new DataFileError(file, `not a NIfTI file (sizeof_hdr is ${sizeLE}, expected 348 for NIfTI-1 or 540 for NIfTI-2)`);
  }
  if (bytes.length < size) throw new DataFileError(file, `truncated header (${bytes.length} of ${size} bytes)`);
  const version = size === 348 ? 1 : 2;
  const magicAt = version === 1 ? 344 : 4;
  const magic = String.fromCharCode(bytes[magicAt], bytes[magicAt + 1], bytes[magicAt + 2]);
  if (magic === 'ni1' || magic === 'ni2') {
    throw new DataFileError(file, 'header of a .hdr/.img pair; only single-file NIfTI (.nii, .nii.gz) is supported');
  }
  if (magic !== `n+${version}` || bytes[magicAt + 3] !== 0) {
    throw new DataFileError(
      file,
      `bad NIfTI-${version} magic ${JSON.stringify(magic)} (expected "n+${version}"; an Analyze 7.5 file or a damaged header)`,
    );
  }

  const header = version === 1 ? new nifti.NIFTI1() : new nifti.NIFTI2();
  try {
    // The library reads extensions up to vox_offset; give it the whole buffer, as its own readHeader does.
    header.readHeader(toArrayBuffer(bytes));
  } catch (err) {
    const detail = err instanceof Error ? err.message : String(err);
    throw new DataFileError(file, `unreadable NIfTI-${version} header (${detail})`);
  }
  return { header, version };
}

/** What the header declares about the voxel data, checked for sense: dimensions, voxel type, where it starts, its size. */
function dataLayout(file: string, h: Header, version: 1 | 2, warnings: string[]) {
  const ndim = h.dims[0];
  if (!Number.isInteger(ndim) || ndim < 1 || ndim > 7) {
    throw new DataFileError(file, `invalid header: dim[0] = ${ndim} (the number of dimensions must be 1..7)`);
  }
  const dims = h.dims.slice(1, ndim + 1);
  if (dims.some((d) => !Number.isInteger(d) || d <= 0)) {
    throw new DataFileError(file, `invalid header: dimensions ${dims.join('x')} (every size must be >= 1)`);
  }
  const sizes = [0, 1, 2].map((a) => (a < ndim ? dims[a] : 1)) as [number, number, number];
  const extra = dims.slice(3).reduce((a, b) => a * b, 1);
  if (extra > 1) warnings.push(`${ndim}D file (${dims.join('x')}): only the first 3D volume was read`);

  const type = VOXEL_TYPES[h.datatypeCode];
  if (!type) {
    const what = UNSUPPORTED_TYPES[h.datatypeCode] ?? `datatype code ${h.datatypeCode}`;
    throw new DataFileError(file, `unsupported voxel type: ${what}`);
  }
  if (h.numBitsPerVoxel !== 0 && h.numBitsPerVoxel !== type.bytes * type.components * 8) {
    warnings.push(`bitpix ${h.numBitsPerVoxel} does not match datatype ${type.name}; the datatype was used`);
  }

  const minOffset = version === 1 ? 352 : 544;
  const voxOffset = Math.round(h.vox_offset);
  if (!Number.isFinite(h.vox_offset) || voxOffset < minOffset) {
    throw new DataFileError(file, `invalid header: vox_offset ${h.vox_offset} (a single-file NIfTI-${version} needs >= ${minOffset})`);
  }
  const nvox = sizes[0] * sizes[1] * sizes[2];
  const dataBytes = nvox * type.bytes * type.components;
  // The whole file's data must be there, not just the first volume's: a shorter file is a broken copy.
  const declaredBytes = dataBytes * extra;
  return { sizes, type, voxOffset, nvox, declaredBytes };
}

function decodeVolume(file: string, bytes: Uint8Array, h: Header, version: 1 | 2): Volume {
  const warnings: string[] = [];
  const { sizes, type, voxOffset, nvox, declaredBytes } = dataLayout(file, h, version, warnings);
  if (bytes.length < voxOffset + declaredBytes) {
    throw new DataFileError(
      file,
      `truncated: the header declares ${declaredBytes} bytes of voxel data from offset ${voxOffset}, the file has ${Math.max(bytes.length - voxOffset, 0)}`,
    );
  }

  const channels = type.components === 1 ? 1 : 3;
  const data = decodeVoxels(bytes, voxOffset, nvox, type, h.littleEndian, channels);
  // Colour files hold display values; scl_* describe scalar data only.
  const slope = h.scl_slope;
  if (channels === 1 && Number.isFinite(slope) && slope !== 0) {
    const inter = Number.isFinite(h.scl_inter) ? h.scl_inter : 0;
    if (slope !== 1 || inter !== 0) for (let i = 0; i < data.length; i++) data[i] = data[i] * slope + inter;
  }

  const spacing = voxelSpacing(h, warnings);
  const direction = orientation(h, new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength), spacing, warnings);
  let map;
  try {
    map = canonicalAxisMap(direction);
  } catch {
    throw new DataFileError(file, `degenerate orientation matrix (two voxel axes point the same way): ${JSON.stringify(direction)}`);
  }
  const canon = reorient(data, sizes, spacing, channels, map);

  let min = Infinity;
  for (let i = 0; i < canon.data.length; i++) if (canon.data[i] < min) min = canon.data[i];
  const hu = channels === 1 && type.name !== 'uint8' && min <= HU_AIR_THRESHOLD;

  const vol: Volume = {
    data: canon.data,
    shape: [canon.sizes[2], canon.sizes[1], canon.sizes[0]],
    channels,
    spacing: [canon.spacing[2], canon.spacing[1], canon.spacing[0]],
    dims: 3,
    modality: hu ? 'CT' : 'unknown',
    units: hu ? 'HU' : 'stored',
    warnings,
  };
  if (Number.isFinite(h.cal_min) && Number.isFinite(h.cal_max) && h.cal_max > h.cal_min) {
    vol.fileWindow = { center: (h.cal_min + h.cal_max) / 2, width: h.cal_max - h.cal_min };
  }
  return vol;
}

/** The first volume's voxels as float32, C components each (RGBA loses its alpha). */
function decodeVoxels(
  bytes: Uint8Array,
  offset: number,
  nvox: number,
  type: VoxelType,
  littleEndian: boolean,
  channels: number,
): Float32Array {
  const values = nvox * type.components;
  const out = new Float32Array(nvox * channels);
  const byteLength = values * type.bytes;
  let arr: ArrayLike<number>;
  if (type.array && (type.bytes === 1 || littleEndian === HOST_LITTLE_ENDIAN)) {
    // Fast path: a typed array over an aligned copy of the data (vox_offset need not be aligned).
    arr = new type.array(bytes.slice(offset, offset + byteLength).buffer as ArrayBuffer);
    if (type.components === channels) {
      out.set(arr); // converts element-wise to float32
      return out;
    }
  } else {
    const view = new DataView(bytes.buffer, bytes.byteOffset + offset, byteLength);
    const swapped = new Float64Array(values);
    for (let i = 0; i < values; i++) swapped[i] = type.get(view, i * type.bytes, littleEndian);
    arr = swapped;
  }
  if (type.components === channels) {
    for (let i = 0; i < values; i++) out[i] = arr[i];
  } else {
    for (let v = 0, o = 0; v < nvox; v++) for (let c = 0; c < channels; c++) out[o++] = arr[v * type.components + c];
  }
  return out;
}

/** Voxel size in mm along the three array axes, from pixdim and the spatial unit. */
function voxelSpacing(h: Header, warnings: string[]): [number, number, number] {
  const unit = h.xyzt_units & 7;
  const toMm = unit === 1 ? 1000 : unit === 3 ? 0.001 : 1; // metre, micron; mm or unknown as is
  return [1, 2, 3].map((a) => {
    const p = Math.abs(h.pixDims[a]);
    if (!Number.isFinite(p) || p === 0) {
      warnings.push(`pixdim[${a}] is ${h.pixDims[a]}; 1 mm was assumed`);
      return 1;
    }
    return p * toMm;
  }) as [number, number, number];
}

/** Unit LPS directions of the three array axes, from the sform, the qform or pixdim, in that order. */
function orientation(
  h: Header,
  headerView: DataView,
  spacing: [number, number, number],
  warnings: string[],
): [number[], number[], number[]] {
  let ras: number[][]; // ras[row][col]: column a is the RAS step of array axis a
  if (h.sform_code > 0) {
    ras = sformRows(h, headerView);
  } else if (h.qform_code > 0) {
    ras = qformMatrix(h);
  } else {
    ras = [
      [spacing[0], 0, 0],
      [0, spacing[1], 0],
      [0, 0, spacing[2]],
    ];
    warnings.push('no sform or qform: orientation assumed RAS from pixdim');
  }
  const direction = [0, 1, 2].map((a) => {
    const v = [-ras[0][a], -ras[1][a], ras[2][a]]; // RAS -> LPS
    const n = Math.hypot(v[0], v[1], v[2]);
    return n > 0 && Number.isFinite(n) ? v.map((x) => x / n) : [0, 0, 0];
  }) as [number[], number[], number[]];
  const obliquity = Math.min(...direction.map((d) => Math.max(...d.map(Math.abs))));
  if (obliquity < Math.cos((5 * Math.PI) / 180)) {
    warnings.push('oblique orientation: axes were snapped to the nearest orthogonal orientation (no resampling)');
  }
  return direction;
}

/**
 * The sform's 3x3 part. NIfTI-1's parsed `affine` holds the qform when qform_code > sform_code (and its
 * toArrayBuffer writes that affine back as srow), so the srow are read from the file's own bytes.
 */
function sformRows(h: Header, view: DataView): number[][] {
  if (h instanceof nifti.NIFTI2) return [0, 1, 2].map((r) => h.affine[r].slice(0, 3));
  return [0, 1, 2].map((r) => [0, 1, 2].map((c) => view.getFloat32(280 + (r * 4 + c) * 4, h.littleEndian)));
}

/** The qform's 3x3 part, R * diag(pixdim) * diag(1, 1, qfac), per nifti1.h (quatern_a from b, c, d). */
function qformMatrix(h: Header): number[][] {
  const b = h.quatern_b;
  const c = h.quatern_c;
  const d = h.quatern_d;
  // Rounding can make b^2 + c^2 + d^2 exceed 1 slightly; nifti1.h then takes a = 0 (a 180 degree rotation).
  const a2 = 1 - (b * b + c * c + d * d);
  const a = a2 > 1e-7 ? Math.sqrt(a2) : 0;
  const R = [
    [a * a + b * b - c * c - d * d, 2 * (b * c - a * d), 2 * (b * d + a * c)],
    [2 * (b * c + a * d), a * a + c * c - b * b - d * d, 2 * (c * d - a * b)],
    [2 * (b * d - a * c), 2 * (c * d + a * b), a * a + d * d - c * c - b * b],
  ];
  const qfac = h.pixDims[0] < 0 ? -1 : 1;
  const scale = [Math.abs(h.pixDims[1]) || 1, Math.abs(h.pixDims[2]) || 1, (Math.abs(h.pixDims[3]) || 1) * qfac];
  return R.map((row) => row.map((v, col) => v * scale[col]));
}
