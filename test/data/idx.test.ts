// The IDX reader behind MNIST: byte layout, and errors that name the file.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { readIdxUint8 } from '../../src-main/data/idx';

const dir = mkdtempSync(join(tmpdir(), 'ddcnn-idx-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function idxFile(name: string, bytes: number[]): string {
  const file = join(dir, name);
  writeFileSync(file, Uint8Array.from(bytes));
  return file;
}

describe('readIdxUint8', () => {
  it('reads the big-endian shape and the bytes after the header', async () => {
    // magic 0x00000803: unsigned bytes, 3 dimensions (2, 1, 3).
    const file = idxFile('ok', [0, 0, 8, 3, 0, 0, 0, 2, 0, 0, 0, 1, 0, 0, 0, 3, 1, 2, 3, 4, 5, 6]);
    const idx = await readIdxUint8(file);
    expect(idx.shape).toEqual([2, 1, 3]);
    expect(Array.from(idx.data)).toEqual([1, 2, 3, 4, 5, 6]);
  });

  it('rejects files that are not IDX, have another element type, or are truncated', async () => {
    const notIdx = idxFile('text', [...new TextEncoder().encode('hello')]);
    await expect(readIdxUint8(notIdx)).rejects.toThrow(`${notIdx}: not an IDX file`);
    const floats = idxFile('floats', [0, 0, 0x0d, 1, 0, 0, 0, 1, 0, 0, 0, 0]);
    await expect(readIdxUint8(floats)).rejects.toThrow(`${floats}: unsupported IDX element type 0xd`);
    const short = idxFile('short', [0, 0, 8, 1, 0, 0, 0, 5, 1, 2]);
    await expect(readIdxUint8(short)).rejects.toThrow(`${short}: IDX data has 2 bytes; shape (5) needs 5`);
    const missing = join(dir, 'missing');
    await expect(readIdxUint8(missing)).rejects.toThrow(`${missing}: not found`);
  });
});
