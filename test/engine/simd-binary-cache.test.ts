// The SIMD kernels' binary is assembled from its text once per install and cached; a missing, damaged or
// unwritable cache still gives working kernels. Checked on a real kernel (sumRows) run in its own memory.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadKernelModule } from '../../src-main/engine/wasm-kernels/simd-module';

interface Wasm {
  Memory: new (d: { initial: number }) => { buffer: ArrayBuffer };
  Instance: new (m: object, imports: object) => { exports: { sumRows(x: number, out: number, m: number, r: number): void } };
}
const wasm = (globalThis as unknown as { WebAssembly: Wasm }).WebAssembly;

/** Column sums of a 3 x 5 matrix by the module's sumRows, against the sums computed here. */
function sumRowsWorks(module: object): boolean {
  const memory = new wasm.Memory({ initial: 1 });
  const { sumRows } = new wasm.Instance(module, { env: { memory } }).exports;
  const x = new Float32Array(memory.buffer, 0, 15);
  x.set(Array.from({ length: 15 }, (_, i) => i * 0.5 - 3));
  const out = new Float32Array(memory.buffer, 64, 5).fill(0);
  sumRows(0, 64, 3, 5);
  return [0, 1, 2, 3, 4].every((j) => out[j] === x[j] + x[5 + j] + x[10 + j]);
}

const tempFile = () => path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'ddcnn-simd-')), 'cache', 'kernels.wasm');

describe('the SIMD kernels binary cache', () => {
  it('assembles the text when nothing is cached, writes the binary, and loads it from there the next time', async () => {
    const file = tempFile();
    expect(sumRowsWorks(await loadKernelModule(file))).toBe(true);
    const written = fs.readFileSync(file);
    expect(written.subarray(0, 4).toString('latin1')).toBe('\0asm');
    // A binary that is only in the cache (the text is not assembled again: the file is not rewritten).
    const before = fs.statSync(file).mtimeMs;
    expect(sumRowsWorks(await loadKernelModule(file))).toBe(true);
    expect(fs.statSync(file).mtimeMs).toBe(before);
  });

  it('replaces a damaged cached binary with a good one', async () => {
    const file = tempFile();
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, Buffer.from('\0asm\x01\0\0\0garbage'));
    expect(sumRowsWorks(await loadKernelModule(file))).toBe(true);
    expect(sumRowsWorks(await loadKernelModule(file))).toBe(true);
    expect(fs.readFileSync(file).length).toBeGreaterThan(1000);
  });

  it('still gives working kernels where the cache cannot be written', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ddcnn-simd-'));
    // A plain file where the cache folder would be: nothing can be written below it.
    fs.writeFileSync(path.join(dir, 'cache'), 'not a folder');
    const file = path.join(dir, 'cache', 'kernels.wasm');
    expect(sumRowsWorks(await loadKernelModule(file))).toBe(true);
    expect(fs.statSync(path.join(dir, 'cache')).isFile()).toBe(true);
  });
});
