// The binary part of an import cache: preprocessed samples as raw float32 little-endian, one after another
// in case order, split into shard files of at most ~256 MB (so no single file is unwieldy to copy, and a
// reader can stream a shard at a time). Workers write their samples straight into pre-sized shards at slots
// the orchestrator assigns; slots of cases that then failed are squeezed out at the end.

import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { open, rename, rm, truncate, writeFile, type FileHandle } from 'node:fs/promises';
import { endianness } from 'node:os';
import { join } from 'node:path';
import { DataFileError, fileSystemError } from '../errors';

export const SHARD_BYTES = 256 * 2 ** 20;
const FLOAT_BYTES = 4;

export interface ShardLayout {
  sampleBytes: number;
  perShard: number;
  /** Samples in each shard. */
  shards: number[];
}

export const shardFile = (i: number): string => `shard-${String(i).padStart(3, '0')}.f32`;

export function assertLittleEndianHost(): void {
  // Samples are written and read as raw views of Float32Arrays; every platform Node and Electron ship for is
  // little-endian, so a big-endian host is refused rather than silently byte-swapped.
  if (endianness() !== 'LE') throw new Error('the import cache needs a little-endian host');
}

export function planShards(samples: number, sampleValues: number): ShardLayout {
  const sampleBytes = sampleValues * FLOAT_BYTES;
  const perShard = Math.max(1, Math.floor(SHARD_BYTES / sampleBytes));
  const shards: number[] = [];
  for (let left = samples; left > 0; left -= perShard) shards.push(Math.min(perShard, left));
  return { sampleBytes, perShard, shards };
}

/** Where slot `k` lives. */
export function slotOf(layout: ShardLayout, k: number): { shard: number; index: number; file: string; offset: number } {
  const shard = Math.floor(k / layout.perShard);
  const index = k % layout.perShard;
  return { shard, index, file: shardFile(shard), offset: index * layout.sampleBytes };
}

/** Creates the shard files at their full size (sparse where the file system allows), for positional writes. */
export async function createShards(dir: string, layout: ShardLayout): Promise<void> {
  assertLittleEndianHost();
  for (let i = 0; i < layout.shards.length; i++) {
    const file = join(dir, shardFile(i));
    await writeFile(file, new Uint8Array(0));
    await truncate(file, layout.shards[i] * layout.sampleBytes);
  }
}

export async function removeShards(dir: string, layout: ShardLayout): Promise<void> {
  for (let i = 0; i < layout.shards.length; i++) await rm(join(dir, shardFile(i)), { force: true });
}

/**
 * Rewrites the shards so that the samples at `slots` (in this order) come one after another, dropping every
 * other slot. Streams one sample at a time: memory stays at one sample whatever the data set's size.
 */
export async function compactShards(dir: string, layout: ShardLayout, slots: number[]): Promise<ShardLayout> {
  const old = layout.shards.map((_, i) => join(dir, `old-${shardFile(i)}`));
  for (let i = 0; i < old.length; i++) await rename(join(dir, shardFile(i)), old[i]);
  const next = planShards(slots.length, layout.sampleBytes / FLOAT_BYTES);
  const buf = new Uint8Array(layout.sampleBytes);
  const sources: (FileHandle | undefined)[] = old.map(() => undefined);
  let out: FileHandle | undefined;
  let outShard = -1;
  try {
    for (let k = 0; k < slots.length; k++) {
      const from = slotOf(layout, slots[k]);
      const to = slotOf(next, k);
      if (to.shard !== outShard) {
        await out?.close();
        out = await open(join(dir, to.file), 'w');
        outShard = to.shard;
      }
      const src = (sources[from.shard] ??= await open(old[from.shard], 'r'));
      await src.read(buf, 0, buf.length, from.offset);
      await out!.write(buf, 0, buf.length, to.offset);
    }
  } finally {
    await out?.close();
    for (const h of sources) await h?.close();
  }
  for (const f of old) await rm(f, { force: true });
  return next;
}

/** Reads every sample of the shards, in order, into one array; checks each shard's size first. */
export function readShards(dir: string, shards: { file: string; samples: number }[], sampleValues: number): Float32Array<ArrayBuffer> {
  assertLittleEndianHost();
  const total = shards.reduce((s, x) => s + x.samples, 0);
  const x = new Float32Array(total * sampleValues);
  const bytes = new Uint8Array(x.buffer);
  let at = 0;
  for (const s of shards) {
    const file = join(dir, s.file);
    const want = s.samples * sampleValues * FLOAT_BYTES;
    let fd: number;
    try {
      fd = openSync(file, 'r');
    } catch (err) {
      throw fileSystemError(file, err);
    }
    try {
      const size = fstatSync(fd).size;
      if (size !== want) throw new DataFileError(file, `${size < want ? 'truncated' : 'too long'}: ${size} bytes, the manifest needs ${want}`);
      let done = 0;
      while (done < want) {
        const got = readSync(fd, bytes, at + done, want - done, done);
        if (got === 0) throw new DataFileError(file, `unexpected end of file at byte ${done}`);
        done += got;
      }
    } finally {
      closeSync(fd);
    }
    at += want;
  }
  return x;
}
