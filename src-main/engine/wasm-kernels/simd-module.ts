// Compiles the SIMD kernels (simd-source.ts) against the wasm backend's memory, once per process,
// and hands them to the kernel fixes. Until prepared (or where the engine lacks 128-bit SIMD) the
// fixes use their JavaScript or XNNPACK paths, which compute the same values.
//
// Every trainer process needs them, and assembling the text with wabt (loading wabt included) is a good
// part of a trainer's start: the binary is kept under node_modules/.cache, named by the hash of the text,
// so that later processes of the same install load it instead. Where that folder cannot be written (a
// packaged app) every process assembles the text itself, as before.
import crypto from 'node:crypto';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import wabtInit from 'wabt';
import { writeFileAtomic } from '../model-io';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { SIMD_KERNELS_WAT } from './simd-source';

export interface SimdKernels {
  maxPoolGrad(x: number, dy: number, dx: number, origins: number, windows: number, offs: number, n: number, channels: number, last: number): void;
  sumRows(x: number, out: number, m: number, r: number): void;
  addRows(x: number, b: number, out: number, m: number, r: number): void;
  spreadRuns(src: number, dst: number, n: number, channels: number, step: number, zeros: number): void;
  reluGrad(dy: number, x: number, out: number, n: number): void;
  adam(w: number, g: number, m: number, v: number, w2: number, m2: number, v2: number, n: number, beta1: number, beta2: number, c1: number, c2: number, a1: number, a2: number, lr: number, eps: number): void;
  convC1Taps3x3(x: number, w: number, bias: number, out: number, batch: number, paddedHeight: number, paddedWidth: number, outHeight: number, outWidth: number, outChannels: number, sh: number, sw: number, floor: number): void;
  filterGradC1(x: number, dy: number, dw: number, batch: number, paddedHeight: number, paddedWidth: number, outHeight: number, outWidth: number, outChannels: number, kh: number, kw: number, sh: number, sw: number): void;
  filterGrad(x: number, dy: number, dw: number, batch: number, paddedHeight: number, paddedWidth: number, inChannels: number, outHeight: number, outWidth: number, outChannels: number, kh: number, kw: number, sh: number, sw: number): void;
}

// The project's TypeScript libraries leave out the WebAssembly API's types (they come with the DOM
// library); these are the three constructors used here.
interface WebAssemblyApi {
  Memory: abstract new (...args: never[]) => object;
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: object) => { exports: unknown };
}
const wasmApi = (globalThis as unknown as { WebAssembly: WebAssemblyApi }).WebAssembly;

let kernels: SimdKernels | undefined;
let preparing: Promise<SimdKernels | undefined> | undefined;

/** The backend's heap: the emscripten module keeps its exports, memory included, under `asm`. */
function backendMemory(backend: BackendWasm): object | undefined {
  const memory = (backend.wasm as unknown as { asm?: { memory?: unknown } }).asm?.memory;
  return memory instanceof wasmApi.Memory ? memory : undefined;
}

/** WebAssembly binary of the kernels' text, by wabt. */
async function assemble(): Promise<Uint8Array> {
  const wabt = await wabtInit();
  const parsed = wabt.parseWat('simd-kernels.wat', SIMD_KERNELS_WAT, { simd: true });
  try {
    parsed.validate();
    return parsed.toBinary({}).buffer;
  } finally {
    parsed.destroy();
  }
}

/** Where the binary of this text is cached: beside the project's other build caches (see process-entry.ts). */
function cacheFile(): string {
  const nodeModules = path.dirname(path.dirname(createRequire(import.meta.url).resolve('wabt/package.json')));
  const hash = crypto.createHash('sha256').update(SIMD_KERNELS_WAT).digest('hex').slice(0, 16);
  return path.join(nodeModules, '.cache', 'ddcnn-simd', `kernels-${hash}.wasm`);
}

/**
 * The compiled module: from the cached binary `file` when there is one that compiles, else assembled (and
 * written to `file` where it can be).
 */
export async function loadKernelModule(file = cacheFile()): Promise<object> {
  try {
    return new wasmApi.Module(fs.readFileSync(file));
  } catch {
    // None yet, or unreadable or damaged: assemble the text.
  }
  const binary = await assemble();
  const module = new wasmApi.Module(binary);
  try {
    // Atomically: processes starting at the same time never read a partial binary.
    fs.mkdirSync(path.dirname(file), { recursive: true });
    writeFileAtomic(file, binary);
  } catch {
    // A read-only install: nothing is cached, every process assembles the text.
  }
  return module;
}

/**
 * Compiles and instantiates the kernels on `backend`'s memory. Resolves to undefined (and the
 * fallbacks stay in use) where the memory is not reachable; a compile error is a bug and throws.
 */
export function prepareSimdKernels(backend: BackendWasm): Promise<SimdKernels | undefined> {
  preparing ??= (async () => {
    const memory = backendMemory(backend);
    if (memory === undefined) return undefined;
    const instance = new wasmApi.Instance(await loadKernelModule(), { env: { memory } });
    kernels = instance.exports as unknown as SimdKernels;
    return kernels;
  })();
  return preparing;
}

/** The kernels, once prepared. */
export function simdKernels(): SimdKernels | undefined {
  return kernels;
}

/**
 * Runs f with the kernels withheld, as on an engine without 128-bit SIMD, so that the fallbacks (which
 * no machine with SIMD ever takes) can be checked against the same expectations.
 */
export async function withoutSimdKernels<T>(f: () => Promise<T>): Promise<T> {
  const held = kernels;
  kernels = undefined;
  try {
    return await f();
  } finally {
    kernels = held;
  }
}
