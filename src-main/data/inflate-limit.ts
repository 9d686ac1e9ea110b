// Decompression that never inflates more than a file's header declares. A few kB of gzip or deflate data can
// expand to gigabytes (zeros compress about 1000:1), so the readers of .nii.gz and .npz first read the sizes
// their headers declare, check them against what the compressed bytes could possibly hold, and inflate only
// that much.

import { createGunzip } from 'node:zlib';

/** Deflate turns at most 258 bytes into about 2 bits: no stream expands by more than this factor. */
export const MAX_DEFLATE_RATIO = 1032;

/** The most bytes `compressedBytes` of deflate (or gzip) data can inflate to. */
export const maxInflatedBytes = (compressedBytes: number): number => compressedBytes * MAX_DEFLATE_RATIO;

/**
 * The first `limit` bytes of a gzip stream (all of it when it holds fewer), inflated in small chunks and
 * stopped as soon as `limit` bytes are out. Rejects with zlib's error when the stream is corrupt or ends
 * before `limit` bytes (and before its end marker).
 */
export function gunzipPrefix(gz: Uint8Array, limit: number): Promise<Uint8Array> {
  return new Promise((resolve, reject) => {
    const gunzip = createGunzip();
    const chunks: Buffer[] = [];
    let total = 0;
    let settled = false;
    const finish = () => {
      if (settled) return;
      settled = true;
      gunzip.destroy();
      const out = Buffer.concat(chunks, Math.min(total, limit));
      resolve(new Uint8Array(out.buffer, out.byteOffset, out.byteLength));
    };
    gunzip.on('data', (chunk: Buffer) => {
      if (settled) return;
      chunks.push(chunk);
      total += chunk.length;
      if (total >= limit) finish();
    });
    gunzip.on('end', finish);
    gunzip.on('error', (err) => {
      if (settled) return;
      settled = true;
      reject(err);
    });
    gunzip.end(gz);
  });
}
