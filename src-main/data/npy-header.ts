// The header of a .npy array (magic, version, then a Python dict literal with 'descr', 'fortran_order' and
// 'shape'), read before the array is: the bytes its shape declares are checked against the bytes present
// (in an .npy file, or as an .npz member is inflated) before anything is allocated for it.

export const NPY_MAGIC = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]; // \x93NUMPY

export interface NpyHeader {
  /** e.g. '<i2', '|u1', '<U24'. */
  descr: string;
  shape: number[];
  /** Bytes before the data: magic, version, length field and the dict. */
  headerBytes: number;
  /** Bytes the data needs: prod(shape) * item size. */
  dataBytes: number;
}

/**
 * The header of the .npy bytes `bytes` (which need only hold the header): 'more' when they end inside it,
 * or a reason string when it is not a readable .npy header.
 */
export function readNpyHeader(bytes: Uint8Array): NpyHeader | 'more' | string {
  if (bytes.length < 10) return 'more';
  if (!NPY_MAGIC.every((b, i) => bytes[i] === b)) return 'no \\x93NUMPY signature';
  const major = bytes[6];
  if (major < 1 || major > 3) return `unknown .npy format version ${major}`;
  const start = major === 1 ? 10 : 12;
  if (bytes.length < start) return 'more';
  const len = major === 1 ? bytes[8] | (bytes[9] << 8) : (bytes[8] | (bytes[9] << 8) | (bytes[10] << 16) | (bytes[11] << 24)) >>> 0;
  if (bytes.length < start + len) return 'more';
  const text = new TextDecoder().decode(bytes.subarray(start, start + len));
  const descr = /'descr'\s*:\s*'([^']+)'/.exec(text)?.[1];
  const shapeText = /'shape'\s*:\s*\(([^)]*)\)/.exec(text)?.[1];
  if (descr === undefined || shapeText === undefined) return `unreadable header ${JSON.stringify(text.slice(0, 80))}`;
  const shape = shapeText
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '')
    .map(Number);
  if (shape.some((d) => !Number.isSafeInteger(d) || d < 0)) return `malformed shape (${shapeText})`;
  const m = /^[<>|=]?([a-zA-Z])(\d+)$/.exec(descr);
  if (!m) return `unsupported dtype ${descr}`;
  // Unicode strings ('U') store 4 bytes per character; every other kind gives its size in bytes.
  const itemBytes = Number(m[2]) * (m[1] === 'U' ? 4 : 1);
  return { descr, shape, headerBytes: start + len, dataBytes: shape.reduce((a, b) => a * b, 1) * itemBytes };
}

export const shapeText = (shape: number[]): string => `(${shape.join(', ')}${shape.length === 1 ? ',' : ''})`;
