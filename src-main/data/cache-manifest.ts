// The dataset cache's manifest.json: what the binary split files hold and where they came from. Trainer
// processes read it before loading their crops, so it is validated strictly: a stale or hand-edited
// manifest must fail with a message naming the file, not as a wrong tensor shape deep in training.

import { join } from 'node:path';
import { z } from 'zod';
import type { SplitName } from '../engine/types';
import { readJsonFile } from './json-file';

export const CACHE_SCHEMA_VERSION = 1;
export const MANIFEST_FILE = 'manifest.json';
export const CACHE_SPLITS: readonly SplitName[] = ['train', 'val', 'test'];

const cachedSplitSchema = z
  .object({
    /** Binary file of the split, relative to the cache folder. */
    file: z.string().min(1),
    n: z.number().int().nonnegative(),
    labels: z.array(z.number().int().nonnegative()),
    groups: z.array(z.string()).optional(),
  })
  .refine((s) => s.labels.length === s.n, { message: 'labels must hold n entries' })
  .refine((s) => s.groups === undefined || s.groups.length === s.n, { message: 'groups must hold n entries' });

export const cacheManifestSchema = z
  .object({
    schemaVersion: z.literal(CACHE_SCHEMA_VERSION),
    name: z.string(),
    spatialShape: z.array(z.number().int().positive()).min(1),
    channels: z.number().int().positive(),
    classes: z.array(z.string()).min(2),
    source: z.string(),
    citation: z.string().optional(),
    splitMethod: z.string(),
    /** sha256 (hex) of the source's bytes or identity, the split options and the stored shape. */
    fingerprint: z.string().regex(/^[0-9a-f]{64}$/),
    /** The options the cache was built with (seed, fractions, limits, resample shape, ...). */
    extra: z.record(z.string(), z.unknown()),
    /** Samples one after another, each (D,)H,W,C channel-last. */
    sampleLayout: z.literal('float32-le, channel-last, samples one after another'),
    createdAt: z.string(),
    splits: z.object({ train: cachedSplitSchema, val: cachedSplitSchema, test: cachedSplitSchema }),
  })
  .refine((m) => CACHE_SPLITS.every((s) => m.splits[s].labels.every((y) => y < m.classes.length)), {
    message: 'a label is out of range of classes',
  });

export type CacheManifest = z.infer<typeof cacheManifestSchema>;

/** Reads and validates dir/manifest.json (synchronously: trainer processes call it before anything else). */
export function readCacheManifest(dir: string): CacheManifest {
  return readJsonFile(join(dir, MANIFEST_FILE), cacheManifestSchema, 'dataset cache manifest');
}
