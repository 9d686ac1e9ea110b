// Assembles one DICOM series into a Volume: reads every header first (cheap, and a bad series fails before any
// decoding), checks that the slices share one geometry, sorts them along the slice normal by
// ImagePositionPatient (never by InstanceNumber), checks the steps for missing slices, then decodes each frame
// straight into its place in one Float32Array and reorients it to the canonical LPS+ axes.

import { readFile } from 'node:fs/promises';
import { basename, dirname, relative, sep } from 'node:path';
import { DataFileError, fileSystemError } from '../errors';
import { canonicalAxisMap, reorient, type Volume } from '../volume';
import { mapLimit, pipelineInOrder } from './concurrency';
import { parseDicomFile, readDicomHeader, type DicomImage, type FrameInfo } from './dicom-file';
import { analyseSpacing, dot, norm, obliqueDegrees, orientationAxes, sameOrientation, type Vec3 } from './geometry';
import { decodeFrame } from './pixel-decoders';
import { AIR_HU, paddingRanges, rescaleFrame } from './rescale';
import { reasonOf } from './scan';

/** Concurrent header reads, and reads ahead of the decoder. */
const HEADER_READS = 8;
const READ_AHEAD = 3;
/** Slices closer than this along the normal (mm) are at the same position. */
const SAME_POSITION_MM = 1e-3;
/** Oblique slices are reoriented to the nearest axes; past this angle (degrees) the user is told. */
const OBLIQUE_WARNING_DEGREES = 1;
const AXIAL = [1, 0, 0, 0, 1, 0];

/** One slice of the volume: a frame of a file. */
interface Slice {
  image: DicomImage;
  frame: number;
  info: FrameInfo;
  /** Position along the slice normal, mm. */
  along: number;
}

/** The deepest folder holding every file: what a series error names. */
function seriesFolder(files: string[]): string {
  let parts = dirname(files[0]).split(sep);
  for (const file of files.slice(1)) {
    const other = dirname(file).split(sep);
    let n = 0;
    while (n < parts.length && n < other.length && parts[n] === other[n]) n++;
    parts = parts.slice(0, n);
  }
  return parts.join(sep) || sep;
}

/** See index.ts. */
export async function readDicomSeries(files: string[]): Promise<Volume> {
  if (files.length === 0) throw new DataFileError('(no files)', 'empty series: no files given');
  const folder = seriesFolder(files);
  const name = (file: string): string => relative(folder, file) || basename(file);
  const warnings: string[] = [];

  // Pass 1: headers.
  const failures: { file: string; reason: string }[] = [];
  const headers = await mapLimit([...files].sort(), HEADER_READS, async (file) => {
    try {
      return await readDicomHeader(file);
    } catch (err) {
      failures.push({ file, reason: reasonOf(err) });
      return undefined;
    }
  });
  const images = headers.filter((h): h is DicomImage => h !== undefined);
  failures.sort((a, b) => (a.file < b.file ? -1 : 1)); // reads finish in any order
  if (images.length === 0) {
    const first = failures[0];
    throw new DataFileError(folder, `none of the ${files.length} file(s) could be read (${name(first.file)}: ${first.reason})`);
  }
  for (const f of failures) warnings.push(`left out ${name(f.file)}: ${f.reason}`);
  const seriesUids = new Set(images.map((i) => i.seriesUid));
  if (seriesUids.size > 1) warnings.push(`the files belong to ${seriesUids.size} series (SeriesInstanceUID) and were read as one volume`);

  const ref = images[0];
  for (const image of images) checkSameFormat(ref, image, folder, name);
  const slices = sortSlices(images, folder, name, warnings);
  const first = slices[0].info;
  const orientation = first.orientation ?? AXIAL;
  const { row, column, normal } = orientationAxes(orientation);

  // Spacing: in-plane from PixelSpacing, across slices from the sorted positions (not SliceThickness).
  let pixelSpacing = first.pixelSpacing;
  if (!pixelSpacing) {
    warnings.push('no PixelSpacing (0028,0030): 1 mm pixels assumed');
    pixelSpacing = [1, 1];
  }
  const step = sliceStep(slices, folder, name, warnings, normal);
  const oblique = Math.max(obliqueDegrees(row), obliqueDegrees(column));
  if (oblique > OBLIQUE_WARNING_DEGREES) {
    warnings.push(
      `oblique slices (${oblique.toFixed(1)}° from the nearest axis): reoriented to the nearest axes by flips and ` +
        'transposes only, not resampled',
    );
  }

  // Pass 2: pixels, each frame decoded into its slot of one array.
  const width = ref.columns;
  const height = ref.rows;
  const channels = ref.samplesPerPixel;
  const frameSize = width * height * channels;
  // Allocated once the first frame has decoded to the size the header declares (compressed data is checked
  // only by decoding it), so a header declaring a huge grid fails before the volume is allocated.
  let data: Float32Array | undefined;
  const isCt = ref.modality === 'CT' && channels === 1;
  const slotsByFile = new Map<string, { frame: number; slot: number; info: FrameInfo }[]>();
  slices.forEach((s, slot) => {
    const list = slotsByFile.get(s.image.file) ?? [];
    list.push({ frame: s.frame, slot, info: s.info });
    slotsByFile.set(s.image.file, list);
  });
  const order = [...slotsByFile.keys()];
  await pipelineInOrder(
    order,
    READ_AHEAD,
    async (file) => {
      try {
        return await readFile(file);
      } catch (err) {
        throw fileSystemError(file, err);
      }
    },
    async (bytes, file) => {
      const parsed = parseDicomFile(bytes, file);
      const padding = channels === 1 ? paddingRanges(parsed.image, isCt) : [];
      for (const { frame, slot, info } of slotsByFile.get(file)!) {
        const raw = await decodeFrame(parsed, frame);
        data ??= new Float32Array(frameSize * slices.length);
        rescaleFrame(
          raw,
          {
            bitsAllocated: parsed.image.bitsAllocated,
            bitsStored: parsed.image.bitsStored,
            highBit: parsed.image.highBit,
            signed: parsed.image.signed,
            slope: channels === 1 ? info.slope : 1,
            intercept: channels === 1 ? info.intercept : 0,
            padding,
            paddingFill: isCt ? AIR_HU : 'min',
          },
          data,
          slot * frameSize,
        );
      }
    },
  );

  // Source axes: 0 = along a row (column index), 1 = down the columns (row index), 2 = the sorted slices.
  const map = canonicalAxisMap([row, column, normal]);
  const sizes: [number, number, number] = [width, height, slices.length];
  const spacing: [number, number, number] = [pixelSpacing[1], pixelSpacing[0], step];
  const identity = map.source.every((s, a) => s === a) && !map.flip.some(Boolean);
  if (!data) throw new DataFileError(folder, 'no frame could be decoded');
  const out = identity ? { data, sizes, spacing } : reorient(data, sizes, spacing, channels, map);
  return {
    data: out.data,
    shape: [out.sizes[2], out.sizes[1], out.sizes[0]],
    channels,
    spacing: [out.spacing[2], out.spacing[1], out.spacing[0]],
    dims: 3,
    modality: ref.modality,
    units: isCt ? 'HU' : 'stored',
    fileWindow: first.window,
    warnings,
  };
}

/** Every slice must have the reference's pixel grid and format; the message names the odd file and the folder. */
function checkSameFormat(ref: DicomImage, image: DicomImage, folder: string, name: (f: string) => string): void {
  const fail = (what: string): never => {
    throw new DataFileError(folder, `inconsistent geometry: ${name(image.file)} ${what}`);
  };
  if (image.rows !== ref.rows || image.columns !== ref.columns) {
    fail(`is ${image.columns}x${image.rows} pixels, ${name(ref.file)} is ${ref.columns}x${ref.rows}`);
  }
  if (image.samplesPerPixel !== ref.samplesPerPixel) {
    fail(`has ${image.samplesPerPixel} samples per pixel, ${name(ref.file)} has ${ref.samplesPerPixel}`);
  }
  const a = ref.frames[0];
  for (const b of image.frames) {
    if (a.orientation && b.orientation && !sameOrientation(a.orientation, b.orientation)) {
      fail(`has ImageOrientationPatient ${b.orientation.join('\\')}, ${name(ref.file)} has ${a.orientation.join('\\')}`);
    }
    if ((a.orientation === undefined) !== (b.orientation === undefined)) {
      fail(`${b.orientation ? 'has' : 'has no'} ImageOrientationPatient, ${name(ref.file)} ${a.orientation ? 'has' : 'has none'}`);
    }
    if (a.pixelSpacing && b.pixelSpacing && !sameOrientation(a.pixelSpacing, b.pixelSpacing, 1e-4 * Math.max(...a.pixelSpacing))) {
      fail(`has PixelSpacing ${b.pixelSpacing.join('\\')} mm, ${name(ref.file)} has ${a.pixelSpacing.join('\\')} mm`);
    }
  }
}

/** The slices in order along the normal. Several slices need positions and orientation: order is never guessed. */
function sortSlices(images: DicomImage[], folder: string, name: (f: string) => string, warnings: string[]): Slice[] {
  const all = images.flatMap((image) => image.frames.map((info, frame) => ({ image, frame, info })));
  const label = (s: { image: DicomImage; frame: number }): string =>
    s.image.numberOfFrames > 1 ? `${name(s.image.file)} frame ${s.frame + 1}` : name(s.image.file);
  if (all.length === 1) {
    const s = all[0];
    if (!s.info.orientation) warnings.push('no ImageOrientationPatient (0020,0037): the slice is taken as axial');
    return [{ ...s, along: 0 }];
  }
  for (const s of all) {
    if (!s.info.position) {
      throw new DataFileError(folder, `${label(s)} has no ImagePositionPatient (0020,0032): the order of the slices cannot be known`);
    }
    if (!s.info.orientation) {
      throw new DataFileError(folder, `${label(s)} has no ImageOrientationPatient (0020,0037): the order of the slices cannot be known`);
    }
  }
  const { normal } = orientationAxes(all[0].info.orientation!);
  const sorted = all.map((s) => ({ ...s, along: dot(s.info.position!, normal) })).sort((a, b) => a.along - b.along);
  // Equal positions: the same instance twice is dropped; two different images there is not one volume.
  const unique: Slice[] = [sorted[0]];
  for (const s of sorted.slice(1)) {
    const prev = unique[unique.length - 1];
    if (s.along - prev.along > SAME_POSITION_MM) {
      unique.push(s);
    } else if (s.image.sopInstanceUid && s.image.sopInstanceUid === prev.image.sopInstanceUid && s.frame === prev.frame) {
      warnings.push(`left out ${label(s)}: a copy of ${label(prev)}`);
    } else {
      throw new DataFileError(
        folder,
        `${label(prev)} and ${label(s)} lie at the same position (${s.along.toFixed(2)} mm along the slice normal): ` +
          'several acquisitions or time points in one series cannot form one volume',
      );
    }
  }
  return unique;
}

/** The step between slices from their sorted positions; missing slices are an error, uneven steps a warning. */
function sliceStep(slices: Slice[], folder: string, name: (f: string) => string, warnings: string[], normal: Vec3): number {
  const label = (s: Slice): string => (s.image.numberOfFrames > 1 ? `${name(s.image.file)} frame ${s.frame + 1}` : name(s.image.file));
  if (slices.length === 1) {
    const thickness = slices[0].info.sliceThickness;
    return thickness && thickness > 0 ? thickness : 1;
  }
  const report = analyseSpacing(slices.map((s) => s.along));
  if (report.gaps.length > 0) {
    const g = report.gaps[0];
    const missing = Math.round(g.step / report.step) - 1;
    throw new DataFileError(
      folder,
      `missing slices: ${g.step.toFixed(2)} mm between ${label(slices[g.index])} and ${label(slices[g.index + 1])} where ` +
        `the usual step is ${report.step.toFixed(2)} mm (about ${Math.max(1, missing)} slice(s) missing` +
        (report.gaps.length > 1 ? `, and ${report.gaps.length - 1} more gap(s)` : '') +
        ')',
    );
  }
  if (report.uneven) {
    warnings.push(
      `non-uniform slice spacing: steps from ${report.uneven.min.toFixed(3)} to ${report.uneven.max.toFixed(3)} mm; ` +
        `the median step ${report.step.toFixed(3)} mm is used`,
    );
  }
  // Positions drifting within the plane from slice to slice: a tilted gantry; the voxels are not sheared back.
  const p0 = slices[0].info.position!;
  const p1 = slices[slices.length - 1].info.position!;
  const d = [p1[0] - p0[0], p1[1] - p0[1], p1[2] - p0[2]];
  const along = dot(d, normal);
  const inPlane = norm([d[0] - along * normal[0], d[1] - along * normal[1], d[2] - along * normal[2]]);
  const pixel = Math.min(...(slices[0].info.pixelSpacing ?? [1, 1]));
  if (inPlane > pixel / 2) {
    warnings.push(
      `sheared slices (gantry tilt?): the last slice is shifted ${inPlane.toFixed(1)} mm within the plane from the first; not corrected`,
    );
  }
  // Positions are written with a handful of decimals: drop the float noise of their differences (0.9999999999999929).
  return Math.round(report.step * 1e6) / 1e6;
}
