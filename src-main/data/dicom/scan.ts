// Sorts a set of files into DICOM series: reads each file's header, leaves out (with a reason) every file that
// cannot become a slice, and groups the rest by SeriesInstanceUID. Files whose SeriesInstanceUID is blank (some
// de-identification tools empty it) are grouped by folder and FrameOfReferenceUID instead, under a made-up uid.

import { createHash } from 'node:crypto';
import { dirname, relative } from 'node:path';
import type { SkippedFile } from '../import/types';
import { DataFileError } from '../errors';
import { mapLimit } from './concurrency';
import { readDicomHeader } from './dicom-file';

/** Concurrent file reads while scanning. */
const SCAN_READS = 8;

export interface DicomSeriesRef {
  uid: string;
  files: string[];
  /** The keyed hash of its patient (DicomImage.patientGroup of its first file that has one), when a key was given. */
  group?: string;
}

function seriesKey(image: { seriesUid: string; frameOfReferenceUid: string; seriesNumber: string }, file: string): string {
  if (image.seriesUid) return image.seriesUid;
  const hash = createHash('sha256')
    .update([dirname(file), image.frameOfReferenceUid, image.seriesNumber].join('\n'))
    .digest('hex')
    .slice(0, 16);
  return `no-series-uid-${hash}`;
}

export function reasonOf(err: unknown): string {
  if (err instanceof DataFileError) return err.reason;
  return err instanceof Error ? err.message : String(err);
}

/** See index.ts. */
export async function scanDicomFiles(
  files: string[],
  relativeTo: string,
  groupKey?: Uint8Array,
): Promise<{ series: DicomSeriesRef[]; skipped: SkippedFile[] }> {
  const skipped: SkippedFile[] = [];
  const groups = new Map<string, string[]>();
  const patients = new Map<string, string>();
  const keys = await mapLimit(files, SCAN_READS, async (file) => {
    try {
      const image = await readDicomHeader(file, groupKey);
      const key = seriesKey(image, file);
      if (image.patientGroup && !patients.has(key)) patients.set(key, image.patientGroup);
      return key;
    } catch (err) {
      skipped.push({ file: relative(relativeTo, file), reason: reasonOf(err) });
      return undefined;
    }
  });
  keys.forEach((key, i) => {
    if (key === undefined) return;
    const group = groups.get(key);
    if (group) group.push(files[i]);
    else groups.set(key, [files[i]]);
  });
  const series = [...groups].map(([uid, members]): DicomSeriesRef => {
    const group = patients.get(uid);
    return group ? { uid, files: [...members].sort(), group } : { uid, files: [...members].sort() };
  });
  series.sort((a, b) => (a.files[0] < b.files[0] ? -1 : a.files[0] > b.files[0] ? 1 : 0));
  skipped.sort((a, b) => (a.file < b.file ? -1 : a.file > b.file ? 1 : 0));
  return { series, skipped };
}
