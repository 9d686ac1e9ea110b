// Reads one .npy file holding a single image [H, W] or volume [D, H, W] of numbers into a Volume.
//
// npyjs parses the array; this module checks what it does not (size against shape, memory order, byte
// order) so every bad file gets a reason. Extra leading axes of size 1 ([1, D, H, W], as saved from a batch
// or a channel axis) are dropped. An .npy carries no orientation or spacing: it is taken as canonical with
// 1 mm voxels. Units use the NIfTI reader's rule: a non-uint8 array whose minimum is <= -900 is CT in HU.

import { parse as parseNpy } from 'npyjs';
import { DataFileError } from '../errors';
import type { Volume } from '../volume';
import { NPY_MAGIC, readNpyHeader, shapeText } from '../npy-header';
import { readBytes } from './image';
import { HU_AIR_THRESHOLD } from './nifti';

export async function readNpyVolume(file: string): Promise<Volume> {
  const bytes = await readBytes(file);
  if (bytes.length === 0) throw new DataFileError(file, 'empty file');
  if (!NPY_MAGIC.every((b, i) => bytes[i] === b)) throw new DataFileError(file, 'not an .npy file (no \\x93NUMPY signature)');
  const header = readNpyHeader(bytes);
  const descr = typeof header === 'object' ? header.descr : undefined;
  if (descr && /^>[iufc]([2-9]|1[0-9])$/.test(descr)) {
    throw new DataFileError(file, `big-endian dtype ${descr} is not supported; save it from numpy as little-endian (a.astype('<${descr.slice(1)}'))`);
  }

  // The shape must fit the bytes present before npyjs (or anything here) sizes an array by it. A header this
  // module cannot read is left to npyjs, whose message says what is wrong.
  if (typeof header === 'object' && bytes.length - header.headerBytes < header.dataBytes) {
    throw new DataFileError(file, `truncated: shape ${shapeText(header.shape)} of ${header.descr} needs ${header.dataBytes} bytes of data, the file holds ${Math.max(0, bytes.length - header.headerBytes)}`);
  }

  // npyjs views the data in place, so it needs a buffer that starts at the .npy's first byte.
  const buffer = bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength ? (bytes.buffer as ArrayBuffer) : (bytes.slice().buffer as ArrayBuffer);
  let parsed: ReturnType<typeof parseNpy>;
  try {
    parsed = parseNpy(buffer);
  } catch (err) {
    const detail = err instanceof Error ? err.message : String(err);
    if (err instanceof RangeError) throw new DataFileError(file, `truncated .npy data (${detail})`);
    if (/dtype/i.test(detail)) throw new DataFileError(file, `unsupported dtype (${detail})`);
    throw new DataFileError(file, `not a valid .npy array (${detail})`);
  }
  const { dtype, fortranOrder } = parsed;
  const raw = parsed.data as unknown;
  if (dtype.startsWith('c') || dtype.startsWith('U') || (!ArrayBuffer.isView(raw) && !Array.isArray(raw))) {
    throw new DataFileError(file, `unsupported dtype ${dtype} (expected numbers: bool, int, uint or float)`);
  }
  if (Array.isArray(raw) && typeof raw[0] !== 'boolean' && raw.length > 0) {
    throw new DataFileError(file, `unsupported dtype ${dtype} (expected numbers: bool, int, uint or float)`);
  }

  let shape = parsed.shape.slice();
  if (shape.some((d) => !Number.isInteger(d) || d < 0)) throw new DataFileError(file, `malformed shape (${shape.join(', ')})`);
  while (shape.length > 3 && shape[0] === 1) shape = shape.slice(1);
  if (shape.length !== 2 && shape.length !== 3) {
    throw new DataFileError(file, `array of shape (${parsed.shape.join(', ')}); expected an image (H, W) or a volume (D, H, W)`);
  }
  if (shape.some((d) => d === 0)) throw new DataFileError(file, `empty array of shape (${parsed.shape.join(', ')})`);
  if (fortranOrder && shape.filter((d) => d > 1).length > 1) {
    throw new DataFileError(file, 'array is stored in Fortran order; save it with numpy in C order (np.ascontiguousarray)');
  }

  const values = raw as ArrayLike<number | bigint | boolean>;
  const expected = shape.reduce((a, b) => a * b, 1);
  if (values.length < expected) {
    throw new DataFileError(file, `truncated: shape (${parsed.shape.join(', ')}) needs ${expected} values, found ${values.length}`);
  }
  if (values.length > expected) throw new DataFileError(file, `holds ${values.length} values, more than its shape (${parsed.shape.join(', ')}) allows`);

  const data = new Float32Array(expected);
  let min = Infinity;
  for (let i = 0; i < expected; i++) {
    const v = Number(values[i]);
    data[i] = v;
    if (v < min) min = v;
  }
  const hu = dtype !== 'u1' && dtype !== 'b1' && min <= HU_AIR_THRESHOLD;
  const [d, h, w] = shape.length === 3 ? shape : [1, ...shape];
  return {
    data,
    shape: [d, h, w],
    channels: 1,
    spacing: [1, 1, 1],
    dims: shape.length === 3 ? 3 : 2,
    modality: hu ? 'CT' : 'unknown',
    units: hu ? 'HU' : 'stored',
    warnings: [],
  };
}
