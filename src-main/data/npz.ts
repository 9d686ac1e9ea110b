// Reads numpy .npz archives (a zip of .npy arrays) into typed arrays: fflate unpacks the zip, npyjs parses
// each .npy. This module adds what neither library checks: that the file is a zip at all, that every array
// holds as many values as its shape says, and that its dtype and memory order are ones the data layer reads.

import { readFile } from 'node:fs/promises';
import { unzipSync } from 'fflate';
import { parse as parseNpy } from 'npyjs';
import { DataFileError, fileSystemError } from './errors';

export type NumericArray =
  | Uint8Array
  | Int8Array
  | Uint16Array
  | Int16Array
  | Uint32Array
  | Int32Array
  | BigInt64Array
  | BigUint64Array
  | Float32Array
  | Float64Array;

/** One array of an .npz file, C order. Booleans arrive as a Uint8Array of 0/1; unicode strings as string[]. */
export interface NpyArray {
  /** numpy dtype without its byte-order mark: 'u1', 'f4', 'U24', ... */
  dtype: string;
  shape: number[];
  data: NumericArray | string[];
}

const ZIP_LOCAL_HEADER = [0x50, 0x4b, 0x03, 0x04];
const ZIP_EMPTY_ARCHIVE = [0x50, 0x4b, 0x05, 0x06];

function startsWith(bytes: Uint8Array, magic: number[]): boolean {
  return magic.every((b, i) => bytes[i] === b);
}

/**
 * Reads the arrays of an .npz file, keyed by name without '.npy'. `keep` selects which arrays to unpack:
 * skipping the ones a caller does not need saves their inflation and memory.
 */
export async function readNpz(file: string, keep: (key: string) => boolean = () => true): Promise<Map<string, NpyArray>> {
  let bytes: Uint8Array;
  try {
    bytes = await readFile(file);
  } catch (err) {
    throw fileSystemError(file, err);
  }
  if (bytes.length === 0) throw new DataFileError(file, 'empty file (an .npz file is a zip archive)');
  if (!startsWith(bytes, ZIP_LOCAL_HEADER) && !startsWith(bytes, ZIP_EMPTY_ARCHIVE)) {
    throw new DataFileError(file, 'not a zip archive (an .npz file is a zip of .npy arrays)');
  }

  let entries: Record<string, Uint8Array>;
  try {
    entries = unzipSync(bytes, { filter: (f) => f.name.endsWith('.npy') && keep(f.name.slice(0, -4)) });
  } catch (err) {
    // The zip signature is there, so fflate failing means the archive was cut short or damaged; its own
    // message ("invalid zip data") does not say which, and a cut-off download is by far the usual cause.
    const detail = err instanceof Error ? err.message : String(err);
    throw new DataFileError(file, `truncated or corrupt zip archive (${detail})`);
  }

  const arrays = new Map<string, NpyArray>();
  for (const [name, entry] of Object.entries(entries)) {
    const key = name.slice(0, -4);
    arrays.set(key, parseEntry(file, key, entry));
  }
  return arrays;
}

function parseEntry(file: string, key: string, entry: Uint8Array): NpyArray {
  // npyjs views the data in place, so it needs a buffer that starts at the .npy's first byte.
  const buffer =
    entry.byteOffset === 0 && entry.byteLength === entry.buffer.byteLength
      ? (entry.buffer as ArrayBuffer)
      : (entry.slice().buffer as ArrayBuffer);
  let parsed: ReturnType<typeof parseNpy>;
  try {
    parsed = parseNpy(buffer);
  } catch (err) {
    const detail = err instanceof Error ? err.message : String(err);
    if (err instanceof RangeError && /multiple of|out of bounds|invalid typed array length/i.test(detail)) {
      // A typed-array view failed: the data does not end on an element boundary.
      throw new DataFileError(file, `array '${key}' is truncated (${detail})`);
    }
    if (/dtype/i.test(detail)) throw new DataFileError(file, `array '${key}': unsupported dtype (${detail})`);
    throw new DataFileError(file, `array '${key}' is not a valid .npy array (${detail})`);
  }

  const { dtype, shape, fortranOrder } = parsed;
  if (dtype.startsWith('c')) {
    throw new DataFileError(file, `array '${key}': unsupported dtype ${dtype} (complex numbers)`);
  }
  if (fortranOrder && shape.length > 1) {
    throw new DataFileError(file, `array '${key}' is stored in Fortran order; save it with numpy in C order`);
  }
  if (shape.some((d) => !Number.isInteger(d) || d < 0)) {
    throw new DataFileError(file, `array '${key}' has a malformed shape (${shape.join(', ')})`);
  }

  const raw = parsed.data as unknown;
  const data: NumericArray | string[] = Array.isArray(raw)
    ? typeof raw[0] === 'boolean'
      ? Uint8Array.from(raw as boolean[], (b) => (b ? 1 : 0))
      : (raw as string[])
    : (raw as NumericArray);
  const expected = shape.reduce((a, b) => a * b, 1);
  if (data.length < expected) {
    throw new DataFileError(file, `array '${key}' is truncated (shape (${shape.join(', ')}) needs ${expected} values, found ${data.length})`);
  }
  if (data.length > expected) {
    throw new DataFileError(file, `array '${key}' holds ${data.length} values, more than its shape (${shape.join(', ')}) allows`);
  }
  return { dtype, shape, data };
}
