// Reads a 2D image (PNG, JPEG or PGM) into a Volume of shape [1, H, W] with 1 (grey) or 3 (RGB) channels.
//
// The format is told by the file's first bytes, not its name, so a misnamed file still reads and a
// non-image gets a clear reason. Values stay in stored units (0..255 for 8-bit, 0..65535 for 16-bit PNG,
// 0..maxval for PGM, 0..2^d-1 for 1/2/4-bit PNG): the recipe's window says how they map to 0..1.
// Alpha is dropped (the image underneath is what the model sees); a palette PNG becomes grey when every
// palette entry is grey, else RGB; a greyscale JPEG (one component) stays one channel.

import { readFile } from 'node:fs/promises';
import { decode as decodePng, hasPngSignature } from 'fast-png';
import jpeg from 'jpeg-js';
import { DataFileError, fileSystemError } from '../errors';
import { maxInflatedBytes } from '../inflate-limit';
import type { Volume } from '../volume';

/** A decoded 2D image: H x W pixels, C values per pixel, row-major, channels fastest. */
export interface Image2D {
  format: 'png' | 'jpeg' | 'pgm';
  width: number;
  height: number;
  channels: 1 | 3;
  data: Float32Array;
}

export async function readImage(file: string): Promise<Volume> {
  const img = decodeImage(file, await readBytes(file));
  return {
    data: img.data,
    shape: [1, img.height, img.width],
    channels: img.channels,
    spacing: [1, 1, 1],
    dims: 2,
    modality: 'unknown',
    units: 'stored',
    warnings: [],
  };
}

/** A file's bytes as a plain Uint8Array (not a Buffer, whose slice() shares memory instead of copying). */
export async function readBytes(file: string): Promise<Uint8Array> {
  try {
    const buf = await readFile(file);
    return new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength);
  } catch (err) {
    throw fileSystemError(file, err);
  }
}

/** Decodes PNG, JPEG or PGM bytes; `file` only names the file in errors. */
export function decodeImage(file: string, bytes: Uint8Array): Image2D {
  if (bytes.length === 0) throw new DataFileError(file, 'empty file');
  if (hasPngSignature(bytes)) return decodePngImage(file, bytes);
  if (bytes[0] === 0xff && bytes[1] === 0xd8) return decodeJpegImage(file, bytes);
  if (bytes[0] === 0x50 && (bytes[1] === 0x32 || bytes[1] === 0x35)) return decodePgmImage(file, bytes);
  if (bytes[0] === 0x50 && bytes[1] >= 0x31 && bytes[1] <= 0x37) {
    throw new DataFileError(file, `unsupported Netpbm type P${String.fromCharCode(bytes[1])} (only PGM, P2 and P5, is read)`);
  }
  throw new DataFileError(file, 'not a PNG, JPEG or PGM image (unrecognised file signature)');
}

/** Samples per pixel of each PNG colour type (grey, RGB, palette, grey+alpha, RGBA). */
const PNG_SAMPLES: Record<number, number> = { 0: 1, 2: 3, 3: 1, 4: 2, 6: 4 };

/**
 * The image size IHDR declares must be one the file's compressed bytes can hold, checked before the decoder
 * allocates for it: the filtered rows inflate from at most all of the file's bytes.
 */
function checkPngSize(file: string, bytes: Uint8Array): void {
  if (bytes.length < 29) return; // too short for IHDR: the decoder says so
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const width = view.getUint32(16);
  const height = view.getUint32(20);
  const depth = bytes[24];
  const samples = PNG_SAMPLES[bytes[25]] ?? 1;
  const rowBytes = 1 + Math.ceil((width * samples * depth) / 8);
  const needed = height * rowBytes;
  if (needed > maxInflatedBytes(bytes.length)) {
    throw new DataFileError(file, `PNG header declares ${width}x${height} pixels (${needed} bytes of image data), more than its ${bytes.length} bytes can hold`);
  }
}

function decodePngImage(file: string, bytes: Uint8Array): Image2D {
  checkPngSize(file, bytes);
  let png: ReturnType<typeof decodePng>;
  try {
    png = decodePng(bytes);
  } catch (err) {
    const detail = err instanceof Error ? err.message : String(err);
    throw new DataFileError(file, `corrupt or truncated PNG (${detail})`);
  }
  const { width, height, depth } = png;
  const n = width * height;
  if (n === 0) throw new DataFileError(file, `PNG has no pixels (${width}x${height})`);
  // Below 8 bits fast-png leaves the samples packed, each row starting on a byte.
  const samples = depth < 8 ? unpackBits(png.data as Uint8Array, width, height, depth) : png.data;
  if (samples.length < n * png.channels) throw new DataFileError(file, 'truncated PNG pixel data');

  if (png.palette) {
    const palette = png.palette;
    const grey = palette.every((c) => c[0] === c[1] && c[1] === c[2]);
    const channels = grey ? 1 : 3;
    const data = new Float32Array(n * channels);
    for (let i = 0; i < n; i++) {
      const colour = palette[samples[i]];
      if (!colour) throw new DataFileError(file, `PNG pixel uses palette index ${samples[i]}, the palette has ${palette.length} entries`);
      for (let c = 0; c < channels; c++) data[i * channels + c] = colour[c];
    }
    return { format: 'png', width, height, channels, data };
  }
  // 1 grey, 2 grey+alpha, 3 RGB, 4 RGBA: keep the colour channels, drop alpha.
  const channels = png.channels >= 3 ? 3 : 1;
  return { format: 'png', width, height, channels, data: dropAlpha(samples, n, png.channels, channels) };
}

/** Unpacks 1, 2 or 4-bit samples (one per pixel: grey or palette index) into one byte each. */
function unpackBits(packed: Uint8Array, width: number, height: number, depth: number): Uint8Array {
  const out = new Uint8Array(width * height);
  const rowBytes = Math.ceil((width * depth) / 8);
  const mask = (1 << depth) - 1;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const bit = x * depth;
      const byte = packed[y * rowBytes + (bit >> 3)];
      out[y * width + x] = (byte >> (8 - depth - (bit & 7))) & mask;
    }
  }
  return out;
}

function dropAlpha(src: ArrayLike<number>, n: number, srcChannels: number, channels: number): Float32Array {
  const out = new Float32Array(n * channels);
  if (srcChannels === channels) {
    for (let i = 0; i < out.length; i++) out[i] = src[i];
    return out;
  }
  for (let i = 0; i < n; i++) for (let c = 0; c < channels; c++) out[i * channels + c] = src[i * srcChannels + c];
  return out;
}

function decodeJpegImage(file: string, bytes: Uint8Array): Image2D {
  const components = jpegComponents(bytes);
  let img: { width: number; height: number; data: Uint8Array };
  try {
    // tolerantDecoding (the default) only skips MCU blocks past the image's edge, which valid files from
    // some encoders have; it does not hide a damaged scan.
    img = jpeg.decode(bytes, { useTArray: true, formatAsRGBA: false, tolerantDecoding: true });
  } catch (err) {
    const detail = err instanceof Error ? err.message : String(err);
    throw new DataFileError(file, `corrupt, truncated or unsupported JPEG (${detail})`);
  }
  const n = img.width * img.height;
  if (n === 0) throw new DataFileError(file, 'JPEG has no pixels');
  // jpeg-js writes every pixel as RGB; a one-component (greyscale) JPEG has R = G = B.
  const channels = components === 1 ? 1 : 3;
  return { format: 'jpeg', width: img.width, height: img.height, channels, data: dropAlpha(img.data, n, 3, channels) };
}

/** The number of colour components in a JPEG's start-of-frame segment, or 0 when none is found. */
function jpegComponents(bytes: Uint8Array): number {
  let i = 2;
  while (i + 9 < bytes.length) {
    if (bytes[i] !== 0xff) return 0;
    const marker = bytes[i + 1];
    if (marker === 0xff) {
      i++; // fill byte
      continue;
    }
    const length = (bytes[i + 2] << 8) | bytes[i + 3];
    // SOF0..SOF15, except DHT (C4), JPG (C8) and DAC (CC), which share the range.
    if (marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc) return bytes[i + 9];
    if (marker === 0xda) return 0; // start of scan before any frame header: malformed
    i += 2 + length;
  }
  return 0;
}

/**
 * PGM: "P5" (binary) or "P2" (ASCII), then width, height and maxval as decimal text separated by whitespace,
 * with '#' comments to the end of a line; binary samples follow after exactly one whitespace byte, one byte
 * each when maxval < 256, else two bytes, most significant first.
 */
function decodePgmImage(file: string, bytes: Uint8Array): Image2D {
  const binary = bytes[1] === 0x35;
  let pos = 2;
  const isSpace = (b: number): boolean => b === 0x20 || b === 0x09 || b === 0x0a || b === 0x0d || b === 0x0b || b === 0x0c;
  const nextToken = (): string | undefined => {
    for (;;) {
      while (pos < bytes.length && isSpace(bytes[pos])) pos++;
      if (bytes[pos] !== 0x23) break;
      while (pos < bytes.length && bytes[pos] !== 0x0a && bytes[pos] !== 0x0d) pos++;
    }
    const start = pos;
    while (pos < bytes.length && !isSpace(bytes[pos]) && bytes[pos] !== 0x23) pos++;
    return pos > start ? String.fromCharCode(...bytes.subarray(start, pos)) : undefined;
  };
  const header = [nextToken(), nextToken(), nextToken()];
  const [width, height, maxval] = header.map((t) => (t !== undefined && /^\d+$/.test(t) ? Number(t) : NaN));
  if (!(width > 0 && height > 0)) throw new DataFileError(file, `PGM header: invalid size ${header[0]} x ${header[1]}`);
  if (!(maxval >= 1 && maxval <= 65535)) throw new DataFileError(file, `PGM header: invalid maxval ${header[2]} (must be 1..65535)`);

  const n = width * height;
  // The declared size is checked against the bytes present before the pixels are allocated.
  if (binary) {
    pos++; // the single whitespace byte after maxval
    const bytesPerSample = maxval < 256 ? 1 : 2;
    if (bytes.length - pos < n * bytesPerSample) {
      throw new DataFileError(file, `truncated PGM: ${width}x${height} pixels need ${n * bytesPerSample} bytes, found ${Math.max(bytes.length - pos, 0)}`);
    }
  } else if (bytes.length - pos < 2 * n - 1) {
    // Every ASCII value takes a digit, and all but the last a separator.
    throw new DataFileError(file, `truncated PGM: ${width}x${height} pixels need at least ${2 * n - 1} bytes of text values, found ${Math.max(bytes.length - pos, 0)}`);
  }
  const data = new Float32Array(n);
  if (binary) {
    const bytesPerSample = maxval < 256 ? 1 : 2;
    if (bytesPerSample === 1) for (let i = 0; i < n; i++) data[i] = bytes[pos + i];
    else for (let i = 0; i < n; i++) data[i] = (bytes[pos + 2 * i] << 8) | bytes[pos + 2 * i + 1];
  } else {
    for (let i = 0; i < n; i++) {
      const t = nextToken();
      if (t === undefined) throw new DataFileError(file, `truncated PGM: ${width}x${height} pixels, found ${i} values`);
      const v = /^\d+$/.test(t) ? Number(t) : NaN;
      if (!(v <= maxval)) throw new DataFileError(file, `PGM value ${JSON.stringify(t)} at pixel ${i} is not an integer in 0..${maxval}`);
      data[i] = v;
    }
  }
  return { format: 'pgm', width, height, channels: 1, data };
}
