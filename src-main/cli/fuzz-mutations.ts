// The mutations of `ddcnn bench --only fuzz`: a real file truncated, with bits flipped, or with one header
// field (a size, a count, an element or chunk length) set to 0, -1, 2^31-1 or a huge value. The header fields
// of each format are found in the real file itself (DICOM elements through dicom-parser, zip and PNG
// chunks by walking them, JPEG segments by their markers, fixed offsets for NIfTI), so a field mutation hits
// what a reader sizes its allocations by.

import { gunzipSync, gzipSync } from 'node:zlib';
import { unzipSync, zipSync } from 'fflate';
import { dicomParser } from '../data/dicom/parser';

export type Random = () => number;
export type Mutation = 'truncate' | 'bit-flips' | 'header-field';

/** A place in a file's bytes that holds a number, and how it is written. */
interface Field {
  at: number;
  /** Bytes of a binary integer or float, or of a space-padded decimal text (DICOM IS/DS). */
  size: number;
  kind: 'uint-le' | 'uint-be' | 'int-le' | 'float-le' | 'text';
  name: string;
}

/** The values a field is set to: the classic boundaries of sizes and counts. */
const EXTREMES = [0, -1, 2 ** 31 - 1, 2 ** 32 - 16] as const;

const pick = <T>(random: Random, items: readonly T[]): T => items[Math.floor(random() * items.length)];
const intBelow = (random: Random, n: number): number => Math.floor(random() * n);

/** Truncation: anywhere, but half of the cuts inside the first 2 kB, where the headers are. */
function truncate(bytes: Uint8Array, random: Random): { bytes: Uint8Array; what: string } {
  const length = random() < 0.5 ? intBelow(random, Math.min(bytes.length, 2048)) : intBelow(random, bytes.length);
  return { bytes: bytes.slice(0, length), what: `truncated to ${length} of ${bytes.length} bytes` };
}

/** 1 to 8 bit flips, half of them in the first 2 kB. */
function flipBits(bytes: Uint8Array, random: Random): { bytes: Uint8Array; what: string } {
  const out = bytes.slice();
  const n = 1 + intBelow(random, 8);
  const at: number[] = [];
  for (let i = 0; i < n; i++) {
    const byte = random() < 0.5 ? intBelow(random, Math.min(out.length, 2048)) : intBelow(random, out.length);
    out[byte] ^= 1 << intBelow(random, 8);
    at.push(byte);
  }
  return { bytes: out, what: `${n} bit flip(s) at byte ${at.join(', ')}` };
}

function writeField(bytes: Uint8Array, f: Field, value: number): void {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (f.at + f.size > bytes.length) return;
  if (f.kind === 'text') {
    const text = String(value).slice(0, f.size).padEnd(f.size, ' ');
    for (let i = 0; i < f.size; i++) bytes[f.at + i] = text.charCodeAt(i);
    return;
  }
  if (f.kind === 'float-le') {
    if (f.size === 4) view.setFloat32(f.at, value, true);
    else view.setFloat64(f.at, value, true);
    return;
  }
  // Integers wrap to the field's width: -1 becomes all ones, 2^31-1 the largest positive where it fits.
  const bits = f.size * 8;
  const wrapped = BigInt.asUintN(bits, BigInt(Math.trunc(value)));
  for (let i = 0; i < f.size; i++) {
    const b = Number((wrapped >> BigInt(8 * i)) & 0xffn);
    bytes[f.kind === 'uint-be' ? f.at + f.size - 1 - i : f.at + i] = b;
  }
}

// --- where the header fields are, per format -----------------------------------------------------------

const LONG_VRS = new Set(['OB', 'OD', 'OF', 'OL', 'OV', 'OW', 'SQ', 'UC', 'UN', 'UR', 'UT', 'SV', 'UV']);
const DICOM_SIZE_TAGS: Record<string, string> = {
  x00280002: 'SamplesPerPixel',
  x00280006: 'PlanarConfiguration',
  x00280008: 'NumberOfFrames',
  x00280010: 'Rows',
  x00280011: 'Columns',
  x00280100: 'BitsAllocated',
  x00280101: 'BitsStored',
  x00280102: 'HighBit',
  x00280103: 'PixelRepresentation',
};

/** The image-size elements and the length field of every element of a DICOM file. */
function dicomFields(bytes: Uint8Array): Field[] {
  let ds;
  try {
    ds = dicomParser.parseDicom(bytes);
  } catch {
    return [];
  }
  const explicit = (ds.string('x00020010') ?? '').replace(/\0/g, '').trim() !== '1.2.840.10008.1.2';
  const fields: Field[] = [];
  for (const [tag, el] of Object.entries(ds.elements)) {
    const name = DICOM_SIZE_TAGS[tag] ?? tag;
    if (DICOM_SIZE_TAGS[tag]) {
      fields.push(el.vr === 'IS' || el.vr === 'DS' || tag === 'x00280008' ? { at: el.dataOffset, size: el.length, kind: 'text', name } : { at: el.dataOffset, size: 2, kind: 'uint-le', name });
    }
    // The element's own length: 4 bytes (implicit VR, or an explicit long VR), else 2.
    const meta = tag.startsWith('x0002');
    const long = !(explicit || meta) || LONG_VRS.has(el.vr ?? '');
    if (!el.hadUndefinedLength) fields.push({ at: el.dataOffset - (long ? 4 : 2), size: long ? 4 : 2, kind: 'uint-le', name: `length of ${tag}` });
  }
  return fields;
}

const NIFTI1_FIELDS: Field[] = [
  { at: 0, size: 4, kind: 'int-le', name: 'sizeof_hdr' },
  ...Array.from({ length: 8 }, (_, k): Field => ({ at: 40 + 2 * k, size: 2, kind: 'int-le', name: `dim[${k}]` })),
  { at: 70, size: 2, kind: 'int-le', name: 'datatype' },
  { at: 72, size: 2, kind: 'int-le', name: 'bitpix' },
  ...Array.from({ length: 4 }, (_, k): Field => ({ at: 76 + 4 * k, size: 4, kind: 'float-le', name: `pixdim[${k}]` })),
  { at: 108, size: 4, kind: 'float-le', name: 'vox_offset' },
  { at: 112, size: 4, kind: 'float-le', name: 'scl_slope' },
  { at: 252, size: 2, kind: 'int-le', name: 'qform_code' },
  { at: 254, size: 2, kind: 'int-le', name: 'sform_code' },
  { at: 348, size: 1, kind: 'uint-le', name: 'extension flag' },
];

/** The size and length fields of every local header, central directory entry and end record of a zip. */
function zipFields(bytes: Uint8Array): Field[] {
  const fields: Field[] = [];
  const u32 = (at: number) => (bytes[at] | (bytes[at + 1] << 8) | (bytes[at + 2] << 16) | (bytes[at + 3] << 24)) >>> 0;
  for (let at = 0; at + 46 <= bytes.length; at++) {
    const sig = u32(at);
    if (sig === 0x04034b50) {
      fields.push({ at: at + 8, size: 2, kind: 'uint-le', name: 'local compression method' }, { at: at + 18, size: 4, kind: 'uint-le', name: 'local compressed size' });
      fields.push({ at: at + 22, size: 4, kind: 'uint-le', name: 'local uncompressed size' }, { at: at + 26, size: 2, kind: 'uint-le', name: 'local name length' }, { at: at + 28, size: 2, kind: 'uint-le', name: 'local extra length' });
    } else if (sig === 0x02014b50) {
      fields.push({ at: at + 20, size: 4, kind: 'uint-le', name: 'central compressed size' }, { at: at + 24, size: 4, kind: 'uint-le', name: 'central uncompressed size' });
      fields.push({ at: at + 28, size: 2, kind: 'uint-le', name: 'central name length' }, { at: at + 30, size: 2, kind: 'uint-le', name: 'central extra length' }, { at: at + 42, size: 4, kind: 'uint-le', name: 'local header offset' });
    }
  }
  for (let at = bytes.length - 22; at >= 0 && at >= bytes.length - 22 - 65535; at--) {
    if (u32(at) !== 0x06054b50) continue;
    fields.push({ at: at + 10, size: 2, kind: 'uint-le', name: 'entries' }, { at: at + 12, size: 4, kind: 'uint-le', name: 'central directory size' }, { at: at + 16, size: 4, kind: 'uint-le', name: 'central directory offset' });
    break;
  }
  return fields;
}

/** IHDR's width, height, depth and colour type, and every chunk's length. */
function pngFields(bytes: Uint8Array): Field[] {
  const fields: Field[] = [
    { at: 16, size: 4, kind: 'uint-be', name: 'IHDR width' },
    { at: 20, size: 4, kind: 'uint-be', name: 'IHDR height' },
    { at: 24, size: 1, kind: 'uint-be', name: 'IHDR bit depth' },
    { at: 25, size: 1, kind: 'uint-be', name: 'IHDR colour type' },
  ];
  for (let at = 8; at + 8 <= bytes.length; ) {
    const length = ((bytes[at] << 24) | (bytes[at + 1] << 16) | (bytes[at + 2] << 8) | bytes[at + 3]) >>> 0;
    fields.push({ at, size: 4, kind: 'uint-be', name: `length of chunk ${String.fromCharCode(...bytes.subarray(at + 4, at + 8))}` });
    at += 12 + length;
  }
  return fields;
}

/** Every segment's length, and the frame header's height, width and component count. */
function jpegFields(bytes: Uint8Array): Field[] {
  const fields: Field[] = [];
  for (let at = 2; at + 4 <= bytes.length; ) {
    if (bytes[at] !== 0xff) break;
    const marker = bytes[at + 1];
    if (marker === 0xd9 || marker === 0xda) {
      if (marker === 0xda) fields.push({ at: at + 2, size: 2, kind: 'uint-be', name: 'length of SOS' });
      break;
    }
    fields.push({ at: at + 2, size: 2, kind: 'uint-be', name: `length of segment FF${marker.toString(16).toUpperCase()}` });
    if (marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc) {
      fields.push({ at: at + 5, size: 2, kind: 'uint-be', name: 'SOF height' }, { at: at + 7, size: 2, kind: 'uint-be', name: 'SOF width' }, { at: at + 9, size: 1, kind: 'uint-be', name: 'SOF components' });
    }
    at += 2 + ((bytes[at + 2] << 8) | bytes[at + 3]);
  }
  return fields;
}

/**
 * A DICOM file given a NumberOfFrames (0028,0008) element with an extreme value, inserted just before Rows
 * (its place in tag order), or set when it is already there: what a multi-frame header declares.
 */
function withNumberOfFrames(bytes: Uint8Array, random: Random): { bytes: Uint8Array; what: string } {
  let ds;
  try {
    ds = dicomParser.parseDicom(bytes);
  } catch {
    return flipBits(bytes, random);
  }
  const value = pick(random, ['0', '-1', '2147483647', '50000000', '99999999999']);
  const rows = ds.elements.x00280010;
  if (!rows || ds.elements.x00280008) return flipBits(bytes, random);
  const text = value.length % 2 === 1 ? `${value} ` : value;
  const explicit = (ds.string('x00020010') ?? '').replace(/\0/g, '').trim() !== '1.2.840.10008.1.2';
  // Rows is US: its element header is 8 bytes in either VR encoding, and so is the new one's.
  const head = Buffer.alloc(8);
  head.writeUInt16LE(0x0028, 0);
  head.writeUInt16LE(0x0008, 2);
  if (explicit) {
    head.write('IS', 4, 'latin1');
    head.writeUInt16LE(text.length, 6);
  } else head.writeUInt32LE(text.length, 4);
  const at = rows.dataOffset - 8;
  const out = Buffer.concat([Buffer.from(bytes.subarray(0, at)), head, Buffer.from(text, 'latin1'), Buffer.from(bytes.subarray(at))]);
  return { bytes: out, what: `NumberOfFrames ${value} inserted` };
}

// --- formats whose header fields are text or inside compressed data: rewritten whole --------------------

/** PGM: one of width, height, maxval (after the magic, '#' comments skipped) replaced by an extreme or an absurdly long number. */
function pgmField(bytes: Uint8Array, random: Random): { bytes: Uint8Array; what: string } {
  const tokens: [number, number][] = [];
  let pos = 2;
  const space = (b: number) => b === 0x20 || b === 0x09 || b === 0x0a || b === 0x0d;
  while (tokens.length < 3 && pos < bytes.length) {
    if (space(bytes[pos])) pos++;
    else if (bytes[pos] === 0x23) while (pos < bytes.length && bytes[pos] !== 0x0a) pos++;
    else {
      const start = pos;
      while (pos < bytes.length && !space(bytes[pos])) pos++;
      tokens.push([start, pos]);
    }
  }
  if (tokens.length < 3) return flipBits(bytes, random);
  const which = intBelow(random, 3);
  const value = pick(random, [...EXTREMES.map(String), '99999999999999999999']);
  const [start, end] = tokens[which];
  const out = Buffer.concat([Buffer.from(bytes.subarray(0, start)), Buffer.from(value, 'latin1'), Buffer.from(bytes.subarray(end))]);
  return { bytes: out, what: `PGM ${['width', 'height', 'maxval'][which]} set to ${value}` };
}

/** npz: one array's .npy header shape given an extreme dimension, the archive re-zipped. */
function npyShapeField(bytes: Uint8Array, random: Random): { bytes: Uint8Array; what: string } {
  const entries = unzipSync(bytes);
  const names = Object.keys(entries).filter((n) => n.endsWith('.npy'));
  if (names.length === 0) return flipBits(bytes, random);
  const name = pick(random, names);
  const npy = entries[name];
  const headerLength = npy[8] | (npy[9] << 8);
  const header = Buffer.from(npy.subarray(10, 10 + headerLength)).toString('latin1');
  const m = /'shape': \(([^)]*)\)/.exec(header);
  if (!m) return flipBits(bytes, random);
  const dims = m[1].split(',').map((s) => s.trim()).filter(Boolean);
  const k = intBelow(random, dims.length);
  const value = pick(random, [...EXTREMES.map(String), '99999999999999999999']);
  dims[k] = value;
  // The header keeps its length (padded with spaces), so the data stays where numpy put it when it fits.
  let shaped = header.replace(m[0], `'shape': (${dims.join(', ')}${dims.length === 1 ? ',' : ''})`);
  shaped = shaped.length <= headerLength ? shaped.slice(0, -1).padEnd(headerLength - 1, ' ') + '\n' : shaped;
  const head = Buffer.from(shaped, 'latin1');
  const out = Buffer.concat([Buffer.from(npy.subarray(0, 8)), Buffer.from([head.length & 0xff, head.length >> 8]), head, Buffer.from(npy.subarray(10 + headerLength))]);
  return { bytes: zipSync({ ...entries, [name]: out }), what: `${name} shape dimension ${k} set to ${value}` };
}

/** A binary header field set to an extreme: DICOM, PNG, JPEG, zip (npz) and the NIfTI header (re-gzipped when it was). */
function binaryField(bytes: Uint8Array, fields: Field[], random: Random): { bytes: Uint8Array; what: string } {
  if (fields.length === 0) return flipBits(bytes, random);
  const f = pick(random, fields);
  const value = pick(random, f.kind === 'float-le' ? [...EXTREMES, 1e38, Number.NaN] : EXTREMES);
  const out = bytes.slice();
  writeField(out, f, value);
  return { bytes: out, what: `${f.name} set to ${value}` };
}

export type FuzzFormat = 'dicom' | 'nifti' | 'npz' | 'png' | 'jpeg' | 'pgm';

/** One mutation of a real file's bytes, chosen and placed by `random`. */
export function mutate(format: FuzzFormat, original: Uint8Array, random: Random): { bytes: Uint8Array; mutation: Mutation; what: string } {
  const mutation = pick(random, ['truncate', 'bit-flips', 'header-field'] as const);
  const gz = format === 'nifti' && original[0] === 0x1f && original[1] === 0x8b;
  // NIfTI headers are mutated in the inflated bytes (then gzipped again); truncation and flips hit the file as stored.
  if (mutation === 'truncate') return { ...truncate(original, random), mutation };
  if (mutation === 'bit-flips') return { ...flipBits(original, random), mutation };
  switch (format) {
    case 'dicom': {
      const fields = dicomFields(original);
      const sizes = fields.filter((f) => !f.name.startsWith('length of'));
      if (random() < 0.2) return { ...withNumberOfFrames(original, random), mutation };
      return { ...binaryField(original, random() < 0.5 && sizes.length > 0 ? sizes : fields, random), mutation };
    }
    case 'png':
      return { ...binaryField(original, pngFields(original), random), mutation };
    case 'jpeg':
      return { ...binaryField(original, jpegFields(original), random), mutation };
    case 'pgm':
      return { ...pgmField(original, random), mutation };
    case 'npz':
      return { ...(random() < 0.5 ? binaryField(original, zipFields(original), random) : npyShapeField(original, random)), mutation };
    case 'nifti': {
      const raw = gz ? new Uint8Array(gunzipSync(original)) : original;
      const r = binaryField(raw, NIFTI1_FIELDS, random);
      return { bytes: gz ? new Uint8Array(gzipSync(r.bytes, { level: 1 })) : r.bytes, what: r.what, mutation };
    }
  }
}
