// Files whose headers declare far more data than they hold, made from real scans by editing their headers or
// written by hand: the inputs of "sizes declared in a header are checked before allocating" (issue 8, item 6).
import fs from 'node:fs';
import { elementStart, readReal } from '../data/dicom-fixtures';

/**
 * A copy of a real explicit-VR little-endian slice with NumberOfFrames (0028,0008) = `frames` inserted and its
 * pixel data cut to `pixelBytes` bytes (the pixel data element's length says so, so the file is well formed).
 */
export function dicomDeclaringFrames(slice: string, frames: number, pixelBytes = 64): Buffer {
  const real = readReal(slice);
  const bytes = real.bytes;
  const at = elementStart(slice, 'x00280010'); // NumberOfFrames sorts just before Rows
  let value = String(frames);
  if (value.length % 2 === 1) value = ` ${value}`;
  const element = Buffer.alloc(8 + value.length);
  element.writeUInt16LE(0x0028, 0);
  element.writeUInt16LE(0x0008, 2);
  element.write('IS', 4, 'latin1');
  element.writeUInt16LE(value.length, 6);
  element.write(value, 8, 'latin1');
  const head = Buffer.concat([bytes.subarray(0, at), element, bytes.subarray(at, real.pixelOffset)]);
  head.writeUInt32LE(pixelBytes, head.length - 4); // OW pixel data: 4-byte length just before its value
  return Buffer.concat([head, bytes.subarray(real.pixelOffset, real.pixelOffset + pixelBytes)]);
}

/** An .npy written by hand, for headers npyjs never writes (object dtype, Fortran order, shapes its data lacks). */
export function rawNpy(header: string, data: Uint8Array): Uint8Array {
  const padded = header.padEnd(Math.ceil((header.length + 11) / 16) * 16 - 11, ' ') + '\n';
  const out = new Uint8Array(10 + padded.length + data.length);
  out.set([0x93, ...new TextEncoder().encode('NUMPY'), 1, 0, padded.length & 0xff, padded.length >> 8]);
  out.set(new TextEncoder().encode(padded), 10);
  out.set(data, 10 + padded.length);
  return out;
}

export function writeFile(file: string, bytes: Uint8Array): string {
  fs.writeFileSync(file, bytes);
  return file;
}
