// Test helpers for the DICOM reader: a small DICOM writer (explicit/implicit VR little endian, explicit big
// endian, native or encapsulated pixel data, sequences), encoders for RLE and JPEG lossless (process 14, SV1),
// JPEG-LS through CharLS's encoder, and a reader of real files' tags built on dicom-parser alone, so that tests
// compare the project's reader with facts obtained without it.

import { createRequire } from 'node:module';
import { readFileSync } from 'node:fs';
import type * as DicomParser from 'dicom-parser';

const require = createRequire(import.meta.url);
const dicomParser = require('dicom-parser') as typeof DicomParser;

export const DATA = '/work/shared/data/ct-dicom';
export const TS = {
  implicit: '1.2.840.10008.1.2',
  explicit: '1.2.840.10008.1.2.1',
  bigEndian: '1.2.840.10008.1.2.2',
  rle: '1.2.840.10008.1.2.5',
  jpegLossless: '1.2.840.10008.1.2.4.70',
  jpegLossless57: '1.2.840.10008.1.2.4.57',
  jpegLs: '1.2.840.10008.1.2.4.80',
  j2k: '1.2.840.10008.1.2.4.90',
  mpeg2: '1.2.840.10008.1.2.4.100',
};

// ---------------------------------------------------------------------------------------------------------
// Writer

export type Value = string | { us: number[] } | { ss: number[] } | { ul: number[] } | Uint8Array | El[][];
export interface El {
  tag: number;
  vr: string;
  value: Value;
}
export const el = (tag: number, vr: string, value: Value): El => ({ tag, vr, value });

const LONG_VRS = new Set(['OB', 'OW', 'OF', 'OD', 'OL', 'OV', 'SQ', 'UT', 'UN', 'UC', 'UR', 'SV', 'UV']);

class Bytes {
  private parts: Uint8Array[] = [];
  length = 0;
  constructor(readonly bigEndian = false) {}
  push(b: Uint8Array): void {
    this.parts.push(b);
    this.length += b.length;
  }
  u16(v: number): void {
    const b = new Uint8Array(2);
    new DataView(b.buffer).setUint16(0, v, !this.bigEndian);
    this.push(b);
  }
  u32(v: number): void {
    const b = new Uint8Array(4);
    new DataView(b.buffer).setUint32(0, v >>> 0, !this.bigEndian);
    this.push(b);
  }
  out(): Uint8Array {
    const o = new Uint8Array(this.length);
    let p = 0;
    for (const part of this.parts) {
      o.set(part, p);
      p += part.length;
    }
    return o;
  }
}

function valueBytes(e: El, bigEndian: boolean, explicit: boolean): Uint8Array {
  const v = e.value;
  if (typeof v === 'string') {
    const b = new TextEncoder().encode(v);
    if (b.length % 2 === 0) return b;
    const padded = new Uint8Array(b.length + 1);
    padded.set(b);
    padded[b.length] = e.vr === 'UI' ? 0 : 0x20;
    return padded;
  }
  if (v instanceof Uint8Array) {
    if (v.length % 2 === 0) return v;
    const padded = new Uint8Array(v.length + 1);
    padded.set(v);
    return padded;
  }
  if (Array.isArray(v)) {
    const out = new Bytes(bigEndian);
    for (const item of v) {
      const body = encodeElements(item, explicit, bigEndian);
      out.u16(0xfffe);
      out.u16(0xe000);
      out.u32(body.length);
      out.push(body);
    }
    return out.out();
  }
  const size = 'ul' in v ? 4 : 2;
  const nums = 'us' in v ? v.us : 'ss' in v ? v.ss : v.ul;
  const b = new Uint8Array(nums.length * size);
  const view = new DataView(b.buffer);
  nums.forEach((n, i) => (size === 4 ? view.setUint32(i * 4, n >>> 0, !bigEndian) : view.setUint16(i * 2, n & 0xffff, !bigEndian)));
  return b;
}

function writeHeader(out: Bytes, tag: number, vr: string, length: number, explicit: boolean): void {
  out.u16(tag >>> 16);
  out.u16(tag & 0xffff);
  if (!explicit) {
    out.u32(length);
  } else if (LONG_VRS.has(vr)) {
    out.push(new TextEncoder().encode(vr));
    out.u16(0);
    out.u32(length);
  } else {
    out.push(new TextEncoder().encode(vr));
    out.u16(length);
  }
}

export function encodeElements(els: El[], explicit: boolean, bigEndian = false): Uint8Array {
  const out = new Bytes(bigEndian);
  for (const e of [...els].sort((a, b) => a.tag - b.tag)) {
    const value = valueBytes(e, bigEndian, explicit);
    writeHeader(out, e.tag, e.vr, value.length, explicit);
    out.push(value);
  }
  return out.out();
}

export interface FileSpec {
  transferSyntax: string;
  elements: El[];
  /** Native pixel bytes (already in the file's byte order), or compressed frames. */
  pixels?: Uint8Array | { fragments: Uint8Array[]; offsets?: number[] };
  /** Leave out the 128-byte preamble, 'DICM' and the meta header: a bare implicit VR data set. */
  bare?: boolean;
}

/** A DICOM Part 10 file. */
export function dicomFile(spec: FileSpec): Uint8Array {
  const implicit = spec.transferSyntax === TS.implicit;
  const bigEndian = spec.transferSyntax === TS.bigEndian;
  const meta = encodeElements(
    [
      el(0x00020001, 'OB', new Uint8Array([0, 1])),
      el(0x00020002, 'UI', '1.2.840.10008.5.1.4.1.1.2'),
      el(0x00020003, 'UI', '1.2.826.0.1.3680043.2.1125.1.' + Math.floor(Math.random() * 1e9)),
      el(0x00020010, 'UI', spec.transferSyntax),
    ],
    true,
  );
  const out = new Bytes(bigEndian);
  if (!spec.bare) {
    out.push(new Uint8Array(128));
    out.push(new TextEncoder().encode('DICM'));
    out.push(encodeElements([el(0x00020000, 'UL', { ul: [meta.length] })], true));
    out.push(meta);
  }
  out.push(encodeElements(spec.elements, !implicit, bigEndian));
  const px = spec.pixels;
  if (px instanceof Uint8Array) {
    writeHeader(out, 0x7fe00010, 'OW', px.length, !implicit);
    out.push(px);
  } else if (px) {
    // Encapsulated: undefined length, basic offset table item, one item per fragment, sequence delimiter.
    writeHeader(out, 0x7fe00010, 'OB', 0xffffffff, true);
    const bot = new Bytes();
    for (const o of px.offsets ?? []) bot.u32(o);
    out.u16(0xfffe);
    out.u16(0xe000);
    out.u32(bot.length);
    out.push(bot.out());
    for (const f of px.fragments) {
      const even = f.length % 2 ? Uint8Array.from([...f, 0]) : f;
      out.u16(0xfffe);
      out.u16(0xe000);
      out.u32(even.length);
      out.push(even);
    }
    out.u16(0xfffe);
    out.u16(0xe0dd);
    out.u32(0);
  }
  return out.out();
}

export interface SliceSpec {
  rows: number;
  columns: number;
  bitsAllocated?: number;
  bitsStored?: number;
  highBit?: number;
  signed?: boolean;
  samplesPerPixel?: number;
  planar?: number;
  photometric?: string;
  position?: number[];
  orientation?: number[];
  pixelSpacing?: [number, number];
  thickness?: number;
  slope?: number;
  intercept?: number;
  padding?: number;
  modality?: string;
  seriesUid?: string;
  sopUid?: string;
  frames?: number;
  window?: [number, number];
  extra?: El[];
}

/** The data set elements of an image (everything but the pixel data). */
export function imageElements(s: SliceSpec): El[] {
  const bits = s.bitsAllocated ?? 16;
  const stored = s.bitsStored ?? bits;
  const els: El[] = [
    el(0x00080016, 'UI', '1.2.840.10008.5.1.4.1.1.2'),
    el(0x00080018, 'UI', s.sopUid ?? '1.2.826.0.1.3680043.2.1125.2.' + Math.floor(Math.random() * 1e9)),
    el(0x00080060, 'CS', s.modality ?? 'CT'),
    el(0x0020000e, 'UI', s.seriesUid ?? '1.2.826.0.1.3680043.2.1125.3.1'),
    el(0x00280002, 'US', { us: [s.samplesPerPixel ?? 1] }),
    el(0x00280004, 'CS', s.photometric ?? ((s.samplesPerPixel ?? 1) === 3 ? 'RGB' : 'MONOCHROME2')),
    el(0x00280010, 'US', { us: [s.rows] }),
    el(0x00280011, 'US', { us: [s.columns] }),
    el(0x00280100, 'US', { us: [bits] }),
    el(0x00280101, 'US', { us: [stored] }),
    el(0x00280102, 'US', { us: [s.highBit ?? stored - 1] }),
    el(0x00280103, 'US', { us: [s.signed ? 1 : 0] }),
    el(0x00281052, 'DS', String(s.intercept ?? -1024)),
    el(0x00281053, 'DS', String(s.slope ?? 1)),
  ];
  if ((s.samplesPerPixel ?? 1) === 3) els.push(el(0x00280006, 'US', { us: [s.planar ?? 0] }));
  if (s.position) els.push(el(0x00200032, 'DS', s.position.join('\\')));
  if (s.orientation) els.push(el(0x00200037, 'DS', s.orientation.join('\\')));
  if (s.pixelSpacing) els.push(el(0x00280030, 'DS', s.pixelSpacing.join('\\')));
  if (s.thickness !== undefined) els.push(el(0x00180050, 'DS', String(s.thickness)));
  if (s.padding !== undefined) els.push(el(0x00280120, s.signed ? 'SS' : 'US', s.signed ? { ss: [s.padding] } : { us: [s.padding] }));
  if (s.frames !== undefined) els.push(el(0x00280008, 'IS', String(s.frames)));
  if (s.window) els.push(el(0x00281050, 'DS', String(s.window[0])), el(0x00281051, 'DS', String(s.window[1])));
  return [...els, ...(s.extra ?? [])];
}

export const int16Bytes = (values: ArrayLike<number>): Uint8Array => new Uint8Array(Int16Array.from(values).buffer);
export const uint16Bytes = (values: ArrayLike<number>): Uint8Array => new Uint8Array(Uint16Array.from(values).buffer);

// ---------------------------------------------------------------------------------------------------------
// Reading real files with dicom-parser alone

export interface RealSlice {
  rows: number;
  columns: number;
  position: number[];
  orientation: number[];
  pixelSpacing: [number, number];
  slope: number;
  intercept: number;
  signed: boolean;
  bitsStored: number;
  /** Stored values, one per pixel (native files only). */
  stored: Int32Array;
  /** Native little-endian pixel bytes as in the file. */
  pixelBytes: Uint8Array;
  pixelOffset: number;
  transferSyntaxOffset: number;
  bytes: Buffer;
}

export function readReal(file: string): RealSlice {
  const bytes = readFileSync(file);
  const ds = dicomParser.parseDicom(bytes);
  const nums = (tag: string): number[] => (ds.string(tag) ?? '').split('\\').filter(Boolean).map(Number);
  const px = ds.elements.x7fe00010;
  const rows = ds.uint16('x00280010')!;
  const columns = ds.uint16('x00280011')!;
  const signed = ds.uint16('x00280103') === 1;
  const pixelBytes = Uint8Array.from(bytes.subarray(px.dataOffset, px.dataOffset + px.length));
  const stored = new Int32Array(rows * columns);
  if (!px.encapsulatedPixelData) {
    const view = new DataView(pixelBytes.buffer);
    for (let i = 0; i < stored.length; i++) stored[i] = signed ? view.getInt16(i * 2, true) : view.getUint16(i * 2, true);
  }
  return {
    rows,
    columns,
    position: nums('x00200032'),
    orientation: nums('x00200037'),
    pixelSpacing: nums('x00280030') as [number, number],
    slope: Number(ds.string('x00281053') ?? 1),
    intercept: Number(ds.string('x00281052') ?? 0),
    signed,
    bitsStored: ds.uint16('x00280101')!,
    stored,
    pixelBytes,
    pixelOffset: px.dataOffset,
    transferSyntaxOffset: ds.elements.x00020010.dataOffset,
    bytes,
  };
}

/** Byte offset of an element's tag (its header start) in the file: for cutting a file before it. */
export function elementStart(file: string, tag: string): number {
  const ds = dicomParser.parseDicom(readFileSync(file));
  const e = ds.elements[tag];
  // Explicit VR: OB/OW/UN/SQ... headers are 12 bytes, others 8.
  return e.dataOffset - (e.vr && LONG_VRS.has(e.vr) ? 12 : 8);
}

// ---------------------------------------------------------------------------------------------------------
// Encoders

/** DICOM RLE (PackBits segments, MSB plane first) of little-endian samples. */
export function encodeRle(bytes: Uint8Array, pixels: number, samplesPerPixel: number, bytesPerSample: number): Uint8Array {
  const planes = samplesPerPixel * bytesPerSample;
  const segments: Uint8Array[] = [];
  for (let s = 0; s < planes; s++) {
    const sample = Math.floor(s / bytesPerSample);
    const byte = bytesPerSample - 1 - (s % bytesPerSample);
    const plane = new Uint8Array(pixels);
    for (let p = 0; p < pixels; p++) plane[p] = bytes[(p * samplesPerPixel + sample) * bytesPerSample + byte];
    segments.push(packBits(plane));
  }
  const header = new Uint8Array(64);
  const view = new DataView(header.buffer);
  view.setUint32(0, planes, true);
  let offset = 64;
  segments.forEach((seg, i) => {
    view.setUint32(4 + 4 * i, offset, true);
    offset += seg.length;
  });
  const out = new Uint8Array(offset);
  out.set(header);
  let o = 64;
  for (const seg of segments) {
    out.set(seg, o);
    o += seg.length;
  }
  return out;
}

function packBits(src: Uint8Array): Uint8Array {
  const out: number[] = [];
  let i = 0;
  while (i < src.length) {
    let run = 1;
    while (i + run < src.length && run < 128 && src[i + run] === src[i]) run++;
    if (run >= 3) {
      out.push(257 - run, src[i]);
      i += run;
      continue;
    }
    const start = i;
    while (i < src.length && i - start < 128) {
      if (i + 2 < src.length && src[i] === src[i + 1] && src[i] === src[i + 2]) break;
      i++;
    }
    out.push(i - start - 1, ...src.subarray(start, i));
  }
  if (out.length % 2) out.push(128); // pad the segment to an even length with a no-op
  return Uint8Array.from(out);
}

/**
 * JPEG lossless, process 14, first-order prediction (selection value 1), one component of 2..16 bits: SOI,
 * SOF3, one Huffman table (every difference category 0..16 gets a 5-bit code), SOS, entropy-coded
 * differences with 0xFF byte stuffing, EOI.
 */
export function encodeJpegLossless(samples: Uint16Array | Uint8Array, width: number, height: number, precision: number): Uint8Array {
  const out: number[] = [];
  const u16 = (v: number): void => void out.push(v >> 8, v & 0xff);
  u16(0xffd8);
  u16(0xffc3);
  u16(11);
  out.push(precision);
  u16(height);
  u16(width);
  out.push(1, 1, 0x11, 0);
  u16(0xffc4);
  const counts = new Array(16).fill(0);
  counts[4] = 17; // 17 codes of length 5: category k -> code k
  u16(2 + 1 + 16 + 17);
  out.push(0x00, ...counts, ...Array.from({ length: 17 }, (_, k) => k));
  u16(0xffda);
  u16(8);
  out.push(1, 1, 0x00, 1, 0, 0); // Ns=1, C1 with table 0, Ss=predictor 1, Se=0, Ah/Al=0
  let acc = 0;
  let nbits = 0;
  const put = (value: number, bits: number): void => {
    for (let b = bits - 1; b >= 0; b--) {
      acc = (acc << 1) | ((value >> b) & 1);
      if (++nbits === 8) {
        out.push(acc);
        if (acc === 0xff) out.push(0);
        acc = 0;
        nbits = 0;
      }
    }
  };
  const modulo = 1 << 16;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const i = y * width + x;
      const pred = x === 0 && y === 0 ? 1 << (precision - 1) : x === 0 ? samples[i - width] : samples[i - 1];
      let diff = (samples[i] - pred) % modulo;
      if (diff > 32768) diff -= modulo;
      if (diff < -32767) diff += modulo;
      const ssss = diff === 0 ? 0 : diff === 32768 ? 16 : 32 - Math.clz32(Math.abs(diff));
      put(ssss, 5);
      if (ssss > 0 && ssss < 16) put(diff > 0 ? diff : diff + (1 << ssss) - 1, ssss);
    }
  }
  if (nbits > 0) put(0xff, 8 - nbits); // pad with 1 bits
  u16(0xffd9);
  return Uint8Array.from(out);
}

interface CharlsEncoder {
  getDecodedBuffer(info: { width: number; height: number; bitsPerSample: number; componentCount: number }): Uint8Array;
  setNearLossless(n: number): void;
  encode(): void;
  getEncodedBuffer(): Uint8Array;
  delete(): void;
}

/** JPEG-LS lossless of little-endian samples, with CharLS's encoder (the full, not the decode-only, build). */
export async function encodeJpegLs(bytes: Uint8Array, width: number, height: number, bitsPerSample: number): Promise<Uint8Array> {
  const factory = require('@cornerstonejs/codec-charls/wasmjs') as (o: object) => Promise<{ JpegLSEncoder: new () => CharlsEncoder }>;
  const charls = await factory({ print: () => {}, printErr: () => {} });
  const encoder = new charls.JpegLSEncoder();
  try {
    encoder.getDecodedBuffer({ width, height, bitsPerSample, componentCount: 1 }).set(bytes);
    encoder.setNearLossless(0);
    encoder.encode();
    return encoder.getEncodedBuffer().slice();
  } finally {
    encoder.delete();
  }
}
