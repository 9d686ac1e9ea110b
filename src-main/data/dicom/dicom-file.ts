// Parses one DICOM file's bytes with dicom-parser and copies out the few tags the reader needs (series, image
// pixel module, geometry, rescale, window) into a plain DicomImage. Every problem that makes the file unusable
// is a DataFileError with a plain reason ("truncated: ...", "no pixel data (7FE0,0010)", "unsupported transfer
// syntax ..."). dicom-parser indexes every element, but the values of patient-identifying tags (name, id,
// birth date, accession number, institution, physicians...) are never read, so they cannot reach a message, a
// warning or a result. The one exception is patientGroup: given an import's secret key, PatientID (or, when
// it is blank, StudyInstanceUID) is read only to be hashed with it (HMAC-SHA256) here, and only the hash
// leaves this module, so that an import can keep a patient's series in one split without knowing who it is.

import { createHmac } from 'node:crypto';
import { open, type FileHandle } from 'node:fs/promises';
import { DataFileError, fileSystemError } from '../errors';
import { dicomParser, type DataSet, type Element } from './parser';
import { hasPart10Preamble, rawDataSetSyntax } from './sniff';
import { describeTransferSyntax, pixelCodec, type PixelCodec } from './transfer-syntax';

/** The geometry and value mapping of one frame (a single-frame file has one). */
export interface FrameInfo {
  /** ImagePositionPatient: the centre of the first voxel, mm, LPS. */
  position?: [number, number, number];
  /** ImageOrientationPatient: row direction (x0..2) then column direction (x3..5). */
  orientation?: [number, number, number, number, number, number];
  /** PixelSpacing: [row spacing (between rows, along the column direction), column spacing]. */
  pixelSpacing?: [number, number];
  sliceThickness?: number;
  slope: number;
  intercept: number;
  window?: { center: number; width: number };
}

/** The tags of one DICOM image file the reader uses; nothing patient-identifying. */
export interface DicomImage {
  file: string;
  transferSyntax: string;
  codec: PixelCodec;
  /** SeriesInstanceUID, '' when the file has none (de-identified files sometimes blank it). */
  seriesUid: string;
  sopInstanceUid: string;
  frameOfReferenceUid: string;
  seriesNumber: string;
  modality: string;
  rows: number;
  columns: number;
  samplesPerPixel: number;
  photometric: string;
  /** 0: samples interleaved per pixel, 1: one plane per sample (native colour data only). */
  planarConfiguration: number;
  bitsAllocated: number;
  bitsStored: number;
  highBit: number;
  /** Whether stored values are two's complement (PixelRepresentation 1). */
  signed: boolean;
  numberOfFrames: number;
  /**
   * The patient as an import's split sees it: 'patient-' and the keyed hash of PatientID, or 'study-' and
   * that of StudyInstanceUID when PatientID is blank; undefined when both are, or when no key was given.
   */
  patientGroup?: string;
  /** Stored values that mean "no data" (PixelPaddingValue, up to PixelPaddingRangeLimit when given). */
  padding?: { low: number; high: number };
  frames: FrameInfo[];
}

/** A parsed file: its tags and the data set, kept only while its pixels are decoded. */
export interface ParsedDicom {
  image: DicomImage;
  dataSet: DataSet;
  pixelData: Element;
}

const PIXEL_DATA = 'x7fe00010';
const DICOMDIR_CLASS = '1.2.840.10008.1.3.10';

/** Header reads try this many bytes first: headers are a few kB, slices hundreds. */
const HEADER_CHUNK = 64 * 1024;

/**
 * The tags of a file, reading only its first 64 kB when that holds the whole header and the pixel data is
 * uncompressed (its length then proves the file complete against the file size). Compressed pixel data, long
 * headers and anything unusual fall back to reading the whole file, so the verdict is always that of
 * parseDicomFile. Scanning and the first pass of a series read thus move a fraction of the bytes, which
 * counts on network shares.
 */
export async function readDicomHeader(file: string, groupKey?: Uint8Array): Promise<DicomImage> {
  let handle: FileHandle;
  try {
    handle = await open(file, 'r');
  } catch (err) {
    throw fileSystemError(file, err);
  }
  try {
    const stats = await handle.stat();
    if (stats.isDirectory()) throw new DataFileError(file, 'is a directory, not a file');
    if (stats.size > HEADER_CHUNK) {
      const chunk = Buffer.alloc(HEADER_CHUNK);
      const { bytesRead } = await handle.read(chunk, 0, HEADER_CHUNK, 0);
      const image = headerFromStart(chunk.subarray(0, bytesRead), file, stats.size, groupKey);
      if (image) return image;
    }
    return parseDicomFile(await handle.readFile(), file, groupKey).image;
  } catch (err) {
    throw err instanceof DataFileError ? err : fileSystemError(file, err);
  } finally {
    await handle.close();
  }
}

/** The image of a file from its first bytes, or undefined when they do not settle it (then read it all). */
function headerFromStart(start: Buffer, file: string, size: number, groupKey?: Uint8Array): DicomImage | undefined {
  const options = parseOptions(start, file, size);
  let dataSet: DataSet;
  try {
    dataSet = dicomParser.parseDicom(start, { ...options, untilTag: PIXEL_DATA });
  } catch {
    return undefined;
  }
  const pixelData = dataSet.elements[PIXEL_DATA];
  // An undefined length (0xFFFFFFFF) is encapsulated data, whose fragments only the whole file can vouch for.
  if (!pixelData || pixelData.length === 0xffffffff) return undefined;
  return examine(dataSet, pixelData, file, size, options?.TransferSyntaxUID, groupKey).image;
}

/** The message of whatever dicom-parser threw: a string, an Error, or { exception, dataSet }. */
function parserMessage(err: unknown): string {
  const inner = (err as { exception?: unknown } | null)?.exception ?? err;
  return inner instanceof Error ? inner.message : String(inner);
}

/** dicom-parser's options for a file: none for Part 10, the guessed syntax for a bare data set. */
function parseOptions(bytes: Uint8Array, file: string, size: number): { TransferSyntaxUID: string } | undefined {
  if (size === 0) throw new DataFileError(file, 'empty file (0 bytes)');
  if (hasPart10Preamble(bytes)) return undefined;
  const syntax = rawDataSetSyntax(bytes, size);
  if (!syntax) throw new DataFileError(file, 'not a DICOM file (no DICM preamble)');
  return { TransferSyntaxUID: syntax };
}

/** Parses a file's bytes (a Buffer: dicom-parser inflates deflated files with Buffer methods). */
export function parseDicomFile(bytes: Buffer, file: string, groupKey?: Uint8Array): ParsedDicom {
  const options = parseOptions(bytes, file, bytes.length);
  let dataSet: DataSet;
  try {
    dataSet = dicomParser.parseDicom(bytes, options);
  } catch (err) {
    const message = parserMessage(err);
    if (/0002,0010/.test(message)) throw new DataFileError(file, 'no transfer syntax (0002,0010) in the file meta header');
    // Its messages for a file that ends early: 'buffer overrun', 'attempt to read past end of buffer', 'invalid
    // value for parameter maxPosition' (the meta header already ran past the end).
    if (/overrun|past end|overread|maxP ?osition|eof/i.test(message)) {
      const partial = (err as { dataSet?: DataSet } | null)?.dataSet;
      if (partial?.elements) checkComplete(partial, bytes.length, file);
      throw new DataFileError(file, `truncated: the file ends inside an element (${bytes.length} bytes)`);
    }
    throw new DataFileError(file, `not a readable DICOM file (${message})`);
  }
  const pixelData = dataSet.elements[PIXEL_DATA];
  return examine(dataSet, pixelData, file, bytes.length, options?.TransferSyntaxUID, groupKey);
}

/** Checks a parsed data set (whole, or up to its pixel data element) of a file of `size` bytes. */
function examine(dataSet: DataSet, pixelData: Element | undefined, file: string, size: number, syntax?: string, groupKey?: Uint8Array): ParsedDicom {
  checkComplete(dataSet, size, file);
  if (!pixelData) {
    const reason =
      dataSet.string('x00020002') === DICOMDIR_CLASS
        ? 'a DICOMDIR (an index of the other files), no pixel data (7FE0,0010)'
        : 'no pixel data (7FE0,0010)';
    throw new DataFileError(file, reason);
  }
  const transferSyntax = syntax ?? (dataSet.string('x00020010') ?? '').replace(/\0/g, '').trim();
  const codec = pixelCodec(transferSyntax);
  if (!codec) throw new DataFileError(file, `unsupported transfer syntax ${describeTransferSyntax(transferSyntax)}`);
  checkEncapsulation(dataSet, pixelData, file, codec, transferSyntax, size);
  const image = imageOf(dataSet, file, transferSyntax, codec, pixelData);
  if (groupKey) image.patientGroup = patientGroup(dataSet, groupKey);
  return { image, dataSet, pixelData };
}

/** See DicomImage.patientGroup. The identifier is hashed where it is read and never kept. */
function patientGroup(ds: DataSet, key: Uint8Array): string | undefined {
  const hash = (value: string) => createHmac('sha256', key).update(value).digest('hex').slice(0, 16);
  const patient = text(ds, 'x00100020');
  if (patient) return `patient-${hash(patient)}`;
  const study = text(ds, 'x0020000d');
  return study ? `study-${hash(study)}` : undefined;
}

/** dicom-parser seeks past the end of a cut file without complaint: an element running past the end means truncated. */
function checkComplete(dataSet: DataSet, size: number, file: string): void {
  for (const element of Object.values(dataSet.elements)) {
    if (element.hadUndefinedLength || element.encapsulatedPixelData) continue;
    if (element.dataOffset + element.length > size) {
      throw new DataFileError(
        file,
        `truncated: the file has ${size} bytes, element ${tagName(element.tag)} needs ${element.dataOffset + element.length}`,
      );
    }
  }
}

/** Encapsulated pixel data must be complete and belong to a compressed transfer syntax, and the reverse. */
function checkEncapsulation(dataSet: DataSet, pixelData: Element, file: string, codec: PixelCodec, transferSyntax: string, size: number): void {
  const native = codec === 'native' || codec === 'native-big-endian';
  if (pixelData.encapsulatedPixelData) {
    const fragments = pixelData.fragments ?? [];
    const cut = fragments.some((f) => f.position + f.length > size);
    const undelimited = dataSet.warnings.some((w) => /missing sequence delimiter/.test(w));
    if (cut || undelimited) throw new DataFileError(file, `truncated: the compressed pixel data ends early (${size} bytes)`);
    if (fragments.length === 0) throw new DataFileError(file, 'no pixel data (7FE0,0010): the encapsulated pixel data is empty');
    if (native) throw new DataFileError(file, `encapsulated pixel data in an uncompressed transfer syntax ${describeTransferSyntax(transferSyntax)}`);
    return;
  }
  if (!native) {
    throw new DataFileError(file, `pixel data is not encapsulated although the transfer syntax ${describeTransferSyntax(transferSyntax)} is compressed`);
  }
}

/**
 * The frames and pixel grid the header declares must fit the pixel data actually present, checked before
 * anything is allocated per frame: a header of a few hundred bytes can declare 50 million frames.
 * Uncompressed data holds every frame's bytes; compressed data holds at least one fragment per frame.
 */
function checkDeclaredSize(pixelData: Element, file: string, size: { rows: number; columns: number; samplesPerPixel: number; bitsAllocated: number; numberOfFrames: number }): void {
  const { rows, columns, samplesPerPixel, bitsAllocated, numberOfFrames } = size;
  if (pixelData.encapsulatedPixelData) {
    const fragments = pixelData.fragments?.length ?? 0;
    if (numberOfFrames > fragments) {
      throw new DataFileError(file, `NumberOfFrames (0028,0008) is ${numberOfFrames}, but the compressed pixel data holds only ${fragments} fragment(s) (at least one per frame)`);
    }
    return;
  }
  const expected = (rows * columns * samplesPerPixel * bitsAllocated * numberOfFrames) / 8;
  if (pixelData.length < expected) {
    const frames = `${numberOfFrames} frame(s) of ${columns}x${rows} at ${bitsAllocated} bits need ${expected}`;
    throw new DataFileError(
      file,
      numberOfFrames > 1
        ? `NumberOfFrames (0028,0008) declares ${frames} bytes, the pixel data has ${pixelData.length}`
        : `truncated: pixel data has ${pixelData.length} bytes, ${frames}`,
    );
  }
}

/** '(7FE0,0010)' from dicom-parser's 'x7fe00010'. */
function tagName(tag: string): string {
  return `(${tag.slice(1, 5).toUpperCase()},${tag.slice(5).toUpperCase()})`;
}

function text(ds: DataSet | undefined, tag: string): string {
  return ds?.string(tag)?.replace(/\0/g, '').trim() ?? '';
}

/** The numeric values of a DS element when it has exactly `n` finite ones. */
function decimals(ds: DataSet | undefined, tag: string, n: number): number[] | undefined {
  const raw = ds?.elements[tag] ? text(ds, tag) : '';
  if (!raw) return undefined;
  const values = raw.split('\\').map((v) => Number.parseFloat(v));
  if (values.length < n || values.slice(0, n).some((v) => !Number.isFinite(v))) return undefined;
  return values.slice(0, n);
}

function decimal(ds: DataSet | undefined, tag: string): number | undefined {
  return decimals(ds, tag, 1)?.[0];
}

function uint16(ds: DataSet, tag: string): number | undefined {
  const el = ds.elements[tag];
  return el && el.length >= 2 ? ds.uint16(tag) : undefined;
}

/** The data set of the first item of a sequence, if any. */
function item(ds: DataSet | undefined, tag: string): DataSet | undefined {
  return ds?.elements[tag]?.items?.[0]?.dataSet;
}

function imageOf(ds: DataSet, file: string, transferSyntax: string, codec: PixelCodec, pixelData: Element): DicomImage {
  const rows = uint16(ds, 'x00280010') ?? 0;
  const columns = uint16(ds, 'x00280011') ?? 0;
  if (!rows || !columns) throw new DataFileError(file, 'no image size: Rows (0028,0010) or Columns (0028,0011) missing or 0');
  const bitsAllocated = uint16(ds, 'x00280100') ?? 0;
  if (bitsAllocated !== 8 && bitsAllocated !== 16 && bitsAllocated !== 32) {
    throw new DataFileError(file, `BitsAllocated ${bitsAllocated} is not supported (8, 16 or 32)`);
  }
  const bitsStored = uint16(ds, 'x00280101') ?? bitsAllocated;
  const highBit = uint16(ds, 'x00280102') ?? bitsStored - 1;
  if (bitsStored < 1 || bitsStored > bitsAllocated || highBit < bitsStored - 1 || highBit >= bitsAllocated) {
    throw new DataFileError(file, `inconsistent bit layout: BitsAllocated ${bitsAllocated}, BitsStored ${bitsStored}, HighBit ${highBit}`);
  }
  const signed = uint16(ds, 'x00280103') === 1;
  const samplesPerPixel = uint16(ds, 'x00280002') ?? 1;
  const photometric = text(ds, 'x00280004') || 'MONOCHROME2';
  checkColour(file, samplesPerPixel, photometric, codec);
  const numberOfFrames = Math.max(1, Math.round(decimal(ds, 'x00280008') ?? 1));
  checkDeclaredSize(pixelData, file, { rows, columns, samplesPerPixel, bitsAllocated, numberOfFrames });
  const image: DicomImage = {
    file,
    transferSyntax,
    codec,
    seriesUid: text(ds, 'x0020000e'),
    sopInstanceUid: text(ds, 'x00080018'),
    frameOfReferenceUid: text(ds, 'x00200052'),
    seriesNumber: text(ds, 'x00200011'),
    modality: text(ds, 'x00080060') || 'unknown',
    rows,
    columns,
    samplesPerPixel,
    photometric,
    planarConfiguration: uint16(ds, 'x00280006') ?? 0,
    bitsAllocated,
    bitsStored,
    highBit,
    signed,
    numberOfFrames,
    padding: paddingOf(ds, signed),
    frames: framesOf(ds, numberOfFrames),
  };
  return image;
}

function checkColour(file: string, samples: number, photometric: string, codec: PixelCodec): void {
  if (samples === 1) {
    if (photometric === 'MONOCHROME1' || photometric === 'MONOCHROME2') return;
    throw new DataFileError(file, `photometric interpretation ${photometric} is not supported (only greyscale and RGB)`);
  }
  if (samples === 3) {
    // JPEG 2000 codestreams carry their own colour transform, which OpenJPEG undoes: the output is RGB.
    if (photometric === 'RGB') return;
    if (codec === 'jpeg2000' && (photometric === 'YBR_RCT' || photometric === 'YBR_ICT')) return;
    throw new DataFileError(file, `colour photometric interpretation ${photometric} is not supported (only RGB)`);
  }
  throw new DataFileError(file, `SamplesPerPixel ${samples} is not supported (1 or 3)`);
}

/** PixelPaddingValue (0028,0120), whose VR (US or SS) follows PixelRepresentation; implicit VR gives raw bits. */
function paddingOf(ds: DataSet, signed: boolean): { low: number; high: number } | undefined {
  const toValue = (tag: string): number | undefined => {
    const raw = uint16(ds, tag);
    if (raw === undefined) return undefined;
    return signed && raw >= 0x8000 ? raw - 0x10000 : raw;
  };
  const value = toValue('x00280120');
  if (value === undefined) return undefined;
  const limit = toValue('x00280121');
  return limit === undefined ? { low: value, high: value } : { low: Math.min(value, limit), high: Math.max(value, limit) };
}

/**
 * Per-frame geometry. A classic single-frame file keeps it at the top level; an enhanced multi-frame file keeps
 * it in the per-frame (5200,9230) and shared (5200,9229) functional groups, each in its own macro sequence.
 */
function framesOf(ds: DataSet, numberOfFrames: number): FrameInfo[] {
  const shared = item(ds, 'x52009229');
  const perFrame = ds.elements.x52009230?.items ?? [];
  const frames: FrameInfo[] = [];
  for (let f = 0; f < numberOfFrames; f++) {
    const own = perFrame[f]?.dataSet;
    // The first of: this frame's functional group, the shared one, the top-level tag.
    const pick = <T>(macro: string, read: (d: DataSet | undefined) => T | undefined): T | undefined =>
      read(item(own, macro)) ?? read(item(shared, macro)) ?? read(ds);
    const position = pick('x00209113', (d) => decimals(d, 'x00200032', 3));
    const orientation = pick('x00209116', (d) => decimals(d, 'x00200037', 6));
    const pixelSpacing = pick('x00289110', (d) => decimals(d, 'x00280030', 2));
    const sliceThickness = pick('x00289110', (d) => decimal(d, 'x00180050'));
    const slope = pick('x00289145', (d) => decimal(d, 'x00281053'));
    const intercept = pick('x00289145', (d) => decimal(d, 'x00281052'));
    const center = pick('x00289132', (d) => decimal(d, 'x00281050'));
    const width = pick('x00289132', (d) => decimal(d, 'x00281051'));
    frames.push({
      position: position as FrameInfo['position'],
      orientation: orientation as FrameInfo['orientation'],
      pixelSpacing: pixelSpacing as FrameInfo['pixelSpacing'],
      sliceThickness,
      slope: slope && slope !== 0 ? slope : 1,
      intercept: intercept ?? 0,
      window: center !== undefined && width !== undefined && width > 0 ? { center, width } : undefined,
    });
  }
  return frames;
}
