// Reads a stack of 2D PNG slices (one folder = one volume, e.g. the LIDC nodule crops) into a 3D Volume.
//
// Slices are ordered by the numbers in their file names, compared as numbers ("slice2" before "slice10"),
// because file systems list names as text and directory order is arbitrary. The first slice in that order
// becomes D = 0; a stack has no orientation or spacing of its own, so it is taken as canonical with 1 mm
// voxels, like the other orientation-less sources.

import { basename } from 'node:path';
import { DataFileError } from '../errors';
import type { Volume } from '../volume';
import { decodeImage, readBytes, type Image2D } from './image';

const READS_IN_FLIGHT = 16;

export async function readPngStack(files: string[]): Promise<Volume> {
  if (files.length === 0) throw new Error('readPngStack: no slice files given');
  const sorted = sortSliceFiles(files);
  const slices: Image2D[] = [];
  // A few reads in flight at a time: overlap enough to hide disk latency, too few to run out of file handles.
  for (let i = 0; i < sorted.length; i += READS_IN_FLIGHT) {
    const batch = sorted.slice(i, i + READS_IN_FLIGHT);
    slices.push(...(await Promise.all(batch.map(async (f) => decodeImage(f, await readBytes(f))))));
  }

  const first = slices[0];
  slices.forEach((s, i) => checkSlice(sorted[i], s, sorted[0], first));
  const sliceSize = first.width * first.height * first.channels;
  const data = new Float32Array(slices.length * sliceSize);
  slices.forEach((s, i) => data.set(s.data, i * sliceSize));

  return {
    data,
    shape: [slices.length, first.height, first.width],
    channels: first.channels,
    spacing: [1, 1, 1],
    dims: 3,
    modality: 'unknown',
    units: 'stored',
    warnings: numberingWarnings(sorted),
  };
}

function checkSlice(file: string, s: Image2D, firstFile: string, first: Image2D): void {
  if (s.format !== 'png') throw new DataFileError(file, `is a ${s.format.toUpperCase()} file, not a PNG slice`);
  if (s.width !== first.width || s.height !== first.height) {
    throw new DataFileError(
      file,
      `slice is ${s.width}x${s.height}, but the stack's first slice ${basename(firstFile)} is ${first.width}x${first.height}; all slices must have the same size`,
    );
  }
  if (s.channels !== first.channels) {
    const kind = (c: number): string => (c === 1 ? 'grey' : 'colour');
    throw new DataFileError(file, `slice is ${kind(s.channels)}, but the stack's first slice ${basename(firstFile)} is ${kind(first.channels)}`);
  }
}

/** Natural order of the file names (numbers compared by value), the full path breaking ties. */
export function sortSliceFiles(files: string[]): string[] {
  return files
    .map((f) => ({ f, key: naturalKey(basename(f)) }))
    .sort((a, b) => compareKeys(a.key, b.key) || (a.f < b.f ? -1 : a.f > b.f ? 1 : 0))
    .map((x) => x.f);
}

/** A name split into text and digit runs: "slice10.png" -> ["slice", 10n, ".png"]. */
function naturalKey(name: string): (string | bigint)[] {
  // BigInt so that long digit runs (UIDs, timestamps) still compare exactly.
  return name.split(/(\d+)/).map((part, i) => (i % 2 === 1 ? BigInt(part) : part.toLowerCase()));
}

function compareKeys(a: (string | bigint)[], b: (string | bigint)[]): number {
  for (let i = 0; i < Math.min(a.length, b.length); i++) {
    const x = a[i];
    const y = b[i];
    if (x === y) continue;
    // Parts alternate text/number at the same positions in both keys, so x and y have the same type.
    return x < y ? -1 : 1;
  }
  return a.length - b.length;
}

/** Warns about gaps or repeats in the slice numbers (a missing or duplicated slice), when every name has one. */
function numberingWarnings(sorted: string[]): string[] {
  const numbers = sorted.map((f) => {
    const runs = basename(f).match(/\d+/g);
    return runs ? Number(runs[runs.length - 1]) : undefined;
  });
  if (numbers.some((n) => n === undefined)) return [];
  const warnings: string[] = [];
  for (let i = 1; i < numbers.length; i++) {
    const prev = numbers[i - 1] as number;
    const cur = numbers[i] as number;
    if (cur === prev) warnings.push(`two slices are numbered ${cur} (${basename(sorted[i - 1])}, ${basename(sorted[i])})`);
    else if (cur !== prev + 1) warnings.push(`slice numbers jump from ${prev} to ${cur}: ${cur - prev - 1} slice(s) may be missing`);
  }
  return warnings;
}
