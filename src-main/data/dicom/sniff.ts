// Tells DICOM files from other files by their first bytes: a Part 10 file has a 128-byte preamble and 'DICM';
// older files (ACR-NEMA style, some scanner exports) are a bare data set that starts with a group 0002 or
// 0008 element. Cheap: only the first 132 bytes are looked at.

import { closeSync, openSync, readSync } from 'node:fs';
import { EXPLICIT_VR_LITTLE_ENDIAN, IMPLICIT_VR_LITTLE_ENDIAN } from './transfer-syntax';

export const PREAMBLE_BYTES = 132;

const VRS = new Set(
  'AE AS AT CS DA DS DT FL FD IS LO LT OB OD OF OL OV OW PN SH SL SQ SS ST SV TM UC UI UL UN UR US UT UV'.split(' '),
);

/** Whether `bytes` (the file's start) carries the 'DICM' marker after the 128-byte preamble. */
export function hasPart10Preamble(bytes: Uint8Array): boolean {
  return (
    bytes.length >= PREAMBLE_BYTES &&
    bytes[128] === 0x44 && // D
    bytes[129] === 0x49 && // I
    bytes[130] === 0x43 && // C
    bytes[131] === 0x4d // M
  );
}

/**
 * For a file without preamble: the transfer syntax its bare data set seems to use, or undefined when its start
 * is not a plausible DICOM element. Only groups 0002 and 0008 are accepted (every image starts with one of
 * them), which keeps text and other binary files out.
 */
export function rawDataSetSyntax(bytes: Uint8Array, fileSize: number): string | undefined {
  if (bytes.length < 8) return undefined;
  const group = bytes[0] | (bytes[1] << 8);
  if (group !== 0x0002 && group !== 0x0008) return undefined;
  const vr = String.fromCharCode(bytes[4], bytes[5]);
  if (VRS.has(vr)) return EXPLICIT_VR_LITTLE_ENDIAN;
  const length = (bytes[4] | (bytes[5] << 8) | (bytes[6] << 16) | (bytes[7] << 24)) >>> 0;
  // An implicit-VR first element is short (a few bytes for group lengths, tens for character sets/UIDs).
  return length <= 1024 && length + 8 <= fileSize ? IMPLICIT_VR_LITTLE_ENDIAN : undefined;
}

/** Whether a file looks like DICOM (preamble + 'DICM', or a plausible bare data set). Reads 132 bytes. */
export function looksLikeDicom(file: string): boolean {
  let fd: number | undefined;
  try {
    fd = openSync(file, 'r');
    const bytes = new Uint8Array(PREAMBLE_BYTES);
    const n = readSync(fd, bytes, 0, PREAMBLE_BYTES, 0);
    const head = bytes.subarray(0, n);
    return hasPart10Preamble(head) || rawDataSetSyntax(head, n === PREAMBLE_BYTES ? Infinity : n) !== undefined;
  } catch {
    return false;
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}
