// Reads numpy .npz archives (a zip of .npy arrays) into typed arrays: fflate unpacks the zip, npyjs parses
// each .npy. This module adds what neither library checks: that the file is a zip at all, that every array
// holds as many values as its shape says, that no member inflates past the size its .npy header declares
// (a zip bomb, or a header lying about its shape, never gets more memory than that), and that its dtype and
// memory order are ones the data layer reads.

import { readFile } from 'node:fs/promises';
import { Unzip, UnzipInflate } from 'fflate';
import { parse as parseNpy } from 'npyjs';
import { DataFileError, fileSystemError } from './errors';
import { maxInflatedBytes } from './inflate-limit';
import { readNpyHeader, shapeText } from './npy-header';

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
    const buf = await readFile(file);
    // A plain view, not a Buffer: Buffer's slice() shares memory, and parseEntry relies on slice() copying.
    bytes = new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength);
  } catch (err) {
    throw fileSystemError(file, err);
  }
  if (bytes.length === 0) throw new DataFileError(file, 'empty file (an .npz file is a zip archive)');
  if (!startsWith(bytes, ZIP_LOCAL_HEADER) && !startsWith(bytes, ZIP_EMPTY_ARCHIVE)) {
    throw new DataFileError(file, 'not a zip archive (an .npz file is a zip of .npy arrays)');
  }

  const entries = unzipNpyMembers(file, bytes, keep);
  const arrays = new Map<string, NpyArray>();
  for (const [name, entry] of Object.entries(entries)) {
    const key = name.slice(0, -4);
    arrays.set(key, parseEntry(file, key, entry));
  }
  return arrays;
}

/** Compressed input is handed to the inflater in chunks this big, so one step inflates at most ~16 MB. */
const INPUT_CHUNK = 16 * 1024;

/**
 * The .npy members of a zip whose names `keep` selects, each inflated only up to the bytes its header's shape
 * declares: a member that inflates further, or whose shape needs more than its compressed bytes could hold,
 * fails as soon as that is known.
 */
function unzipNpyMembers(file: string, bytes: Uint8Array, keep: (key: string) => boolean): Record<string, Uint8Array> {
  const entries: Record<string, Uint8Array> = {};
  let failure: DataFileError | undefined;
  const fail = (reason: string) => (failure ??= new DataFileError(file, reason));
  const unfinished = new Set<string>();
  const unzip = new Unzip((member) => {
    if (!member.name.endsWith('.npy') || !keep(member.name.slice(0, -4))) return;
    const key = member.name.slice(0, -4);
    unfinished.add(key);
    const chunks: Uint8Array[] = [];
    let total = 0;
    let declared: number | undefined;
    member.ondata = (err, data, final) => {
      if (failure) return;
      if (err) return void fail(`truncated or corrupt zip archive (${err.message})`);
      chunks.push(data);
      total += data.length;
      if (declared === undefined) {
        const header = readNpyHeader(chunks.length === 1 ? data : concat(chunks, total));
        if (typeof header === 'string' && header !== 'more') return void fail(`array '${key}' is not a valid .npy array (${header})`);
        if (typeof header === 'object') {
          declared = header.headerBytes + header.dataBytes;
          const compressed = member.size ?? bytes.length;
          if (declared > maxInflatedBytes(compressed)) {
            return void fail(`array '${key}' declares shape ${shapeText(header.shape)} (${header.dataBytes} bytes), more than its ${compressed} compressed bytes can hold`);
          }
        }
      }
      if (declared !== undefined && total > declared) {
        member.terminate();
        return void fail(`array '${key}' inflates to more than the ${declared} bytes its shape declares`);
      }
      if (final) {
        entries[member.name] = concat(chunks, total);
        unfinished.delete(key);
      }
    };
    member.start();
  });
  unzip.register(UnzipInflate);
  try {
    for (let at = 0; at < bytes.length && !failure; at += INPUT_CHUNK) unzip.push(bytes.subarray(at, at + INPUT_CHUNK), at + INPUT_CHUNK >= bytes.length);
  } catch (err) {
    // The zip signature is there, so fflate failing means the archive was cut short or damaged; its own
    // message ("invalid zip data") does not say which, and a cut-off download is by far the usual cause.
    fail(`truncated or corrupt zip archive (${err instanceof Error ? err.message : String(err)})`);
  }
  if (!failure && unfinished.size > 0) fail(`truncated zip archive: array '${[...unfinished][0]}' ends early`);
  if (failure) throw failure;
  return entries;
}

function concat(chunks: Uint8Array[], total: number): Uint8Array {
  if (chunks.length === 1) return chunks[0];
  const out = new Uint8Array(total);
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.length;
  }
  chunks.splice(0, chunks.length, out);
  return out;
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
