// Turns one frame of a parsed file's pixel data into its stored sample values, whatever the transfer syntax:
// native little/big endian, RLE, JPEG lossless, JPEG-LS, JPEG 2000. The result is the raw bit pattern in an
// unsigned array as wide as BitsAllocated, samples interleaved per pixel; rescale.ts then applies BitsStored,
// PixelRepresentation, padding and the rescale to HU. Native little-endian frames are views on the file's
// bytes (no copy) when aligned.

import { createRequire } from 'node:module';
import { DataFileError } from '../errors';
import type { DicomImage, ParsedDicom } from './dicom-file';
import { dicomParser } from './parser';
import { decodeRle } from './rle';
import { transferSyntaxName } from './transfer-syntax';
import { decodeJpeg2000, decodeJpegLs, type CodecFrame } from './wasm-codecs';

/** Stored samples of one frame, raw bits, unsigned container of BitsAllocated bits. */
export type RawSamples = Uint8Array | Uint16Array | Uint32Array;

interface JpegLosslessDecoder {
  decode(buffer: ArrayBuffer, offset: number, length: number, numBytes: number): Uint8Array | Uint16Array;
}

// Not named `require`: the Electron build injects its own `require` into chunks that call one, and the two would clash.
const requireHere = createRequire(import.meta.url);
let JpegLossless: (new () => JpegLosslessDecoder) | undefined;

/** Decodes frame `frame` (0-based) of a parsed file. Throws a DataFileError naming the file on corrupt data. */
export async function decodeFrame(parsed: ParsedDicom, frame: number): Promise<RawSamples> {
  const { image } = parsed;
  const samples = image.rows * image.columns * image.samplesPerPixel;
  const bytesPerSample = image.bitsAllocated / 8;
  try {
    switch (image.codec) {
      case 'native':
      case 'native-big-endian':
        return nativeFrame(parsed, frame, samples, bytesPerSample);
      case 'rle': {
        const bytes = decodeRle(encapsulatedFrame(parsed, frame), image.rows * image.columns, image.samplesPerPixel, bytesPerSample);
        return asRaw(bytes, bytesPerSample);
      }
      case 'jpeg-lossless':
        return jpegLosslessFrame(parsed, frame, samples);
      case 'jpeg-ls':
        return fromCodec(image, await decodeJpegLs(encapsulatedFrame(parsed, frame)), 'JPEG-LS');
      case 'jpeg2000':
        return fromCodec(image, await decodeJpeg2000(encapsulatedFrame(parsed, frame)), 'JPEG 2000');
    }
  } catch (err) {
    if (err instanceof DataFileError) throw err;
    const message = err instanceof Error ? err.message : String(err);
    throw new DataFileError(image.file, `cannot decode ${transferSyntaxName(image.transferSyntax)} frame ${frame + 1}: ${message}`);
  }
}

/** A typed view of little-endian bytes, copied only when the offset is not aligned to the sample size. */
function asRaw(bytes: Uint8Array, bytesPerSample: number): RawSamples {
  if (bytesPerSample === 1) return bytes;
  if (bytes.byteOffset % bytesPerSample !== 0) bytes = bytes.slice();
  const count = bytes.byteLength / bytesPerSample;
  return bytesPerSample === 2
    ? new Uint16Array(bytes.buffer, bytes.byteOffset, count)
    : new Uint32Array(bytes.buffer, bytes.byteOffset, count);
}

function nativeFrame(parsed: ParsedDicom, frame: number, samples: number, bytesPerSample: number): RawSamples {
  const { image, dataSet, pixelData } = parsed;
  const frameBytes = samples * bytesPerSample;
  const start = pixelData.dataOffset + frame * frameBytes;
  const bytes = dataSet.byteArray.subarray(start, start + frameBytes) as Uint8Array;
  let raw: RawSamples;
  if (image.codec === 'native-big-endian' && bytesPerSample > 1) {
    // Swap into a fresh little-endian array; the host (x86, ARM) is little endian like every typed array here.
    const swapped = new Uint8Array(frameBytes);
    for (let i = 0; i < frameBytes; i += bytesPerSample) {
      for (let b = 0; b < bytesPerSample; b++) swapped[i + b] = bytes[i + bytesPerSample - 1 - b];
    }
    raw = asRaw(swapped, bytesPerSample);
  } else {
    raw = asRaw(bytes, bytesPerSample);
  }
  return image.samplesPerPixel > 1 && image.planarConfiguration === 1 ? interleave(raw, image.samplesPerPixel) : raw;
}

/** Planes (RRR..GGG..BBB..) to pixels (RGBRGB..). */
function interleave(planar: RawSamples, channels: number): RawSamples {
  // By element size, not planar.constructor: an 8-bit frame is a view on the file's Buffer.
  const out =
    planar.BYTES_PER_ELEMENT === 1
      ? new Uint8Array(planar.length)
      : planar.BYTES_PER_ELEMENT === 2
        ? new Uint16Array(planar.length)
        : new Uint32Array(planar.length);
  const pixels = planar.length / channels;
  for (let c = 0; c < channels; c++) {
    for (let p = 0, o = c; p < pixels; p++, o += channels) out[o] = planar[c * pixels + p];
  }
  return out;
}

/**
 * The compressed bytes of one frame. One frame: all fragments together (a frame may span several). Several:
 * located by the basic offset table, or one fragment per frame when the table is empty.
 */
function encapsulatedFrame(parsed: ParsedDicom, frame: number): Uint8Array {
  const { image, dataSet, pixelData } = parsed;
  const fragments = pixelData.fragments ?? [];
  const bytes = dataSet.byteArray as Uint8Array;
  if (image.numberOfFrames === 1) {
    if (fragments.length === 1) return bytes.subarray(fragments[0].position, fragments[0].position + fragments[0].length);
    return dicomParser.readEncapsulatedPixelDataFromFragments(dataSet, pixelData, 0, fragments.length) as Uint8Array;
  }
  if ((pixelData.basicOffsetTable ?? []).length > 0) {
    return dicomParser.readEncapsulatedImageFrame(dataSet, pixelData, frame) as Uint8Array;
  }
  if (fragments.length === image.numberOfFrames) {
    const f = fragments[frame];
    return bytes.subarray(f.position, f.position + f.length);
  }
  if (image.codec === 'jpeg-lossless') {
    // JPEG streams mark their starts (SOI), from which dicom-parser rebuilds the missing table.
    const table = dicomParser.createJPEGBasicOffsetTable(dataSet, pixelData);
    return dicomParser.readEncapsulatedImageFrame(dataSet, pixelData, frame, table) as Uint8Array;
  }
  throw new DataFileError(
    image.file,
    `cannot split ${fragments.length} pixel data fragments into ${image.numberOfFrames} frames (no basic offset table)`,
  );
}

function jpegLosslessFrame(parsed: ParsedDicom, frame: number, samples: number): RawSamples {
  const { image } = parsed;
  JpegLossless ??= (requireHere('jpeg-lossless-decoder-js') as { Decoder: new () => JpegLosslessDecoder }).Decoder;
  const encoded = encapsulatedFrame(parsed, frame);
  const bytesPerSample = image.bitsAllocated / 8;
  if (bytesPerSample > 2) throw new Error(`JPEG lossless with BitsAllocated ${image.bitsAllocated} is not supported`);
  const decoded = new JpegLossless().decode(encoded.buffer as ArrayBuffer, encoded.byteOffset, encoded.length, bytesPerSample);
  if (decoded.length !== samples) {
    throw new Error(`decoded ${decoded.length} samples, the header says ${image.columns}x${image.rows}x${image.samplesPerPixel}`);
  }
  return decoded;
}

function fromCodec(image: DicomImage, decoded: CodecFrame, codec: string): RawSamples {
  if (decoded.width !== image.columns || decoded.height !== image.rows || decoded.componentCount !== image.samplesPerPixel) {
    throw new Error(
      `the ${codec} stream is ${decoded.width}x${decoded.height} with ${decoded.componentCount} component(s), ` +
        `the header says ${image.columns}x${image.rows} with ${image.samplesPerPixel}`,
    );
  }
  const codecBytes = decoded.bitsPerSample > 8 ? 2 : 1;
  const wanted = image.bitsAllocated / 8;
  const raw = asRaw(decoded.bytes, codecBytes);
  if (codecBytes === wanted) return raw;
  if (codecBytes > wanted) throw new Error(`the ${codec} stream has ${decoded.bitsPerSample} bits, more than BitsAllocated ${image.bitsAllocated}`);
  // A codec may store fewer bits than BitsAllocated (8-bit stream in 16-bit pixels): widen.
  const wide = wanted === 2 ? new Uint16Array(raw.length) : new Uint32Array(raw.length);
  wide.set(raw);
  return wide;
}
