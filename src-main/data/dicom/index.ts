// The DICOM reader of the data layer: what the import pipeline calls. Scanning sorts files into series (and
// says why each unusable file is left out); reading turns one series into a Volume in HU, in the canonical
// LPS+ orientation of volume.ts. Patient-identifying tags are never read (see dicom-file.ts).

import type { SkippedFile } from '../import/types';
import type { Volume } from '../volume';
import { scanDicomFiles as scan } from './scan';
import { readDicomSeries as read } from './series';
import { looksLikeDicom as sniff } from './sniff';

/**
 * Reads the headers of `files` (absolute paths) and groups the DICOM images by SeriesInstanceUID (files with a
 * blank one by folder and FrameOfReferenceUID, under a made-up uid 'no-series-uid-<hash>'). Files that are not
 * DICOM, empty, truncated, without pixel data, in an unsupported transfer syntax or unreadable go to `skipped`
 * with the reason; their paths are written relative to `relativeTo`. Series and their files come sorted by path.
 * With `groupKey` (an import's secret), each series carries its patient as a keyed hash (see dicom-file.ts).
 */
export function scanDicomFiles(
  files: string[],
  relativeTo: string,
  groupKey?: Uint8Array,
): Promise<{ series: { uid: string; files: string[]; group?: string }[]; skipped: SkippedFile[] }> {
  return scan(files, relativeTo, groupKey);
}

/**
 * Reads one series (files already grouped) into a Volume in HU (CT; other modalities keep their rescaled
 * values, units 'stored'), canonical orientation. Throws a DataFileError naming the series folder (with the
 * offending file in the reason) when the series cannot be assembled: missing slices, inconsistent geometry,
 * equal positions, no readable file. Uneven spacing, oblique or sheared slices and left-out files are warnings.
 * Multi-frame files are read too: their frames become slices.
 */
export function readDicomSeries(files: string[]): Promise<Volume> {
  return read(files);
}

/** Whether a file looks like DICOM (128-byte preamble + 'DICM', or a plausible bare data set): reads 132 bytes. */
export function looksLikeDicom(file: string): boolean {
  return sniff(file);
}
