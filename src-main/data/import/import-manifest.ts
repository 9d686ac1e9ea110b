// manifest.json of an import cache (<workspace>/datasets/<slug>-<fingerprint>/): what the float32 shards
// hold, in which order, how they were made (the recipe) and from what (the source and its fingerprint).
// Validated strictly on every read: a manifest that is stale, hand-edited or half written must fail with a
// message naming the file, never as a wrong tensor deep in training.

import { rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';
import { readJsonFile } from '../json-file';

// 2: cases of folder imports have groups (DICOM patients by keyed hash, class sub-folders), and groupKey.
// Caches of version 1 are rebuilt: their folder cases had no groups, so a patient could reach two splits.
export const IMPORT_SCHEMA_VERSION = 2;
export const IMPORT_MANIFEST_FILE = 'manifest.json';
export const SAMPLE_LAYOUT = 'float32-le, channel-last (D,)H,W,C, samples one after another in case order';

const triple = z.tuple([z.number(), z.number(), z.number()]);
const split = z.enum(['train', 'val', 'test']);

const recipeSchema = z.object({
  shape: z.array(z.number().int().positive()).min(2).max(3),
  window: z.tuple([z.number(), z.number()]),
  spacing: z.array(z.number().positive()).optional(),
  channels: z.union([z.literal(1), z.literal(3)]),
});

const caseSchema = z.object({
  /** Relative path (plus '#' and a hash of the SeriesInstanceUID), never a DICOM tag value. */
  id: z.string().min(1),
  /** See CaseRef.group: a keyed hash for DICOM patients, never the identifier. */
  /** Index into classes. */
  label: z.number().int().nonnegative(),
  group: z.string().optional(),
  split: split.optional(),
  /** Which shard file and which sample in it. */
  shard: z.number().int().nonnegative(),
  index: z.number().int().nonnegative(),
  /** Facts of the raw scan, before the recipe. */
  kind: z.enum(['dicom-series', 'nifti', 'npy', 'png-stack', 'image']),
  dims: z.union([z.literal(2), z.literal(3)]),
  size: triple,
  channels: z.number().int().positive(),
  spacing: triple,
  range: z.tuple([z.number(), z.number()]),
  units: z.enum(['HU', 'stored']),
  modality: z.string(),
  warnings: z.array(z.string()),
});

export const importManifestSchema = z
  .object({
    schemaVersion: z.literal(IMPORT_SCHEMA_VERSION),
    kind: z.literal('ddcnn-import-cache'),
    /** The folder or CSV, absolute, as it was when the cache was built. */
    source: z.string().min(1),
    sourceKind: z.enum(['folder', 'csv']),
    /** sha256 (hex) of the sorted (relative path, size, mtime) of every source file and the recipe options. */
    fingerprint: z.string().regex(/^[0-9a-f]{64}$/),
    /**
     * The random secret (hex) this cache's DICOM patient groups are keyed hashes with. Kept here only: never
     * in a run, a log or an output, so that a group cannot be tied to a PatientID outside this cache.
     */
    groupKey: z.string().regex(/^[0-9a-f]{64}$/),
    recipe: recipeSchema,
    /** How each default of the recipe was chosen. */
    recipeNotes: z.array(z.string()),
    classes: z.array(z.string()).min(2),
    sampleLayout: z.literal(SAMPLE_LAYOUT),
    /** Values per sample: prod(shape) * channels. */
    sampleValues: z.number().int().positive(),
    shards: z.array(z.object({ file: z.string().regex(/^shard-\d{3,}\.f32$/), samples: z.number().int().positive() })),
    cases: z.array(caseSchema).min(2),
    skipped: z.array(z.object({ file: z.string(), reason: z.string() })),
    createdAt: z.string(),
    /** How the import went: reads per case (1, or 2 when a default needed every case first), time, memory. */
    stats: z.object({
      reads: z.union([z.literal(1), z.literal(2)]),
      seconds: z.number().nonnegative(),
      workers: z.number().int().nonnegative(),
      workerPeakMB: z.number().nonnegative(),
      slices: z.number().int().nonnegative(),
    }),
  })
  .refine((m) => m.cases.every((c) => c.label < m.classes.length), { message: 'a case label is out of range of classes' })
  .refine((m) => m.cases.every((c) => c.shard < m.shards.length && c.index < m.shards[c.shard].samples), { message: 'a case points outside the shards' })
  .refine((m) => m.shards.reduce((s, x) => s + x.samples, 0) === m.cases.length, { message: 'the shards must hold exactly one sample per case' });

export type ImportManifest = z.infer<typeof importManifestSchema>;
export type ManifestCase = ImportManifest['cases'][number];

export function readImportManifest(dir: string): ImportManifest {
  return readJsonFile(join(dir, IMPORT_MANIFEST_FILE), importManifestSchema, 'import cache manifest');
}

/** The manifest, or undefined when the folder holds no valid one (absent, stale schema, half written). */
export function tryReadImportManifest(dir: string): ImportManifest | undefined {
  try {
    return readImportManifest(dir);
  } catch {
    return undefined;
  }
}

export async function writeImportManifest(dir: string, manifest: ImportManifest): Promise<void> {
  const file = join(dir, IMPORT_MANIFEST_FILE);
  await writeFile(`${file}.tmp`, `${JSON.stringify(importManifestSchema.parse(manifest), null, 1)}\n`);
  await rename(`${file}.tmp`, file);
}
