// Chooses and initialises the compute backend of this process (DESIGN.md section 3), and says which
// one runs and why the better ones were skipped.
//
// Preference: tfjs-node-gpu (CUDA) > webgpu on a hardware adapter (any GPU, through Dawn; see
// webgpu-backend.ts) > tfjs-node (native CPU) > wasm > cpu (pure JS, last resort).
// All project code imports '@tensorflow/tfjs'. The native packages are optionalDependencies that
// depend on the same exact @tensorflow/tfjs version, so npm dedupes them onto our tfjs-core, and
// tfjs-core keeps its engine in a global singleton anyway: importing them registers the
// 'tensorflow' backend into the very engine our '@tensorflow/tfjs' imports use. They are imported
// with a computed specifier so that neither TypeScript nor the bundler needs them installed.

import { createRequire } from 'node:module';
import fs from 'node:fs';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import type { AdapterFacts, BackendInfo, BackendName } from './backend-info';
import { adapterLabel, listAdapters, prepareWebgpu } from './webgpu-backend';

export type { AdapterFacts, BackendInfo, BackendName };

/** Valid names, best first. */
export const BACKEND_NAMES: readonly BackendName[] = ['node-gpu', 'webgpu', 'node', 'wasm', 'cpu'];

const PACKAGES: Record<BackendName, string> = {
  'node-gpu': '@tensorflow/tfjs-node-gpu',
  webgpu: '@tensorflow/tfjs-backend-webgpu',
  node: '@tensorflow/tfjs-node',
  wasm: '@tensorflow/tfjs-backend-wasm',
  cpu: '@tensorflow/tfjs-backend-cpu',
};

const NOT_TRIED = 'not tried:';

interface Loaded {
  tfBackend: string;
  gpu: boolean;
  adapter?: AdapterFacts;
  gpus?: string[];
}

// Not named `require`: the Electron build injects its own `require` into chunks that call one, and the two would clash.
const requireHere = createRequire(import.meta.url);

/**
 * Initialises the best backend that loads, or the one forced by `opts.force` or the environment
 * variable DDCNN_BACKEND ('auto' or empty: not forced). A forced backend that fails to load is an
 * error, not a fallback: the user asked for it.
 */
export async function initBackend(opts: { force?: string } = {}): Promise<BackendInfo> {
  const forced = parseForced(opts.force ?? process.env.DDCNN_BACKEND);
  const skipped: BackendInfo['skipped'] = [];

  if (forced !== undefined) {
    for (const better of BACKEND_NAMES.slice(0, BACKEND_NAMES.indexOf(forced))) {
      skipped.push({ backend: better, reason: `${NOT_TRIED} backend forced to ${forced}` });
    }
    try {
      return info(forced, await load(forced, true), skipped);
    } catch (err) {
      throw new Error(`Backend ${forced} failed to load: ${firstLine(err)}`, { cause: err });
    }
  }

  for (const name of BACKEND_NAMES) {
    try {
      return info(name, await load(name, false), skipped);
    } catch (err) {
      skipped.push({ backend: name, reason: firstLine(err) });
    }
  }
  throw new Error(`No backend could be loaded: ${skipped.map((s) => `${s.backend}: ${s.reason}`).join('; ')}`);
}

/** One line for the CLI and logs, e.g. "backend: wasm (tfjs-node-gpu skipped: Cannot find package ...)". */
export function describeBackend(info: BackendInfo): string {
  const notTried = info.skipped.filter((s) => s.reason.startsWith(NOT_TRIED));
  const failed = info.skipped.filter((s) => !s.reason.startsWith(NOT_TRIED));
  const notes = [
    ...(info.name === 'node-gpu' && !info.gpu ? ['no GPU device visible: running on CPU'] : []),
    ...(info.adapter ? [adapterNote(info.adapter)] : []),
    ...(notTried.length > 0 ? [`forced; not tried: ${notTried.map((s) => packageLabel(s.backend)).join(', ')}`] : []),
    ...failed.map((s) => `${packageLabel(s.backend)} skipped: ${s.reason}`),
  ];
  return notes.length === 0 ? `backend: ${info.name}` : `backend: ${info.name} (${notes.join('; ')})`;
}

function parseForced(value: string | undefined): BackendName | undefined {
  if (value === undefined || value === '' || value === 'auto') return undefined;
  if ((BACKEND_NAMES as readonly string[]).includes(value)) return value as BackendName;
  throw new Error(`Unknown backend "${value}": valid names are ${BACKEND_NAMES.join(', ')} (or auto)`);
}

/** `forced`: the user asked for this backend, so a webgpu software adapter is accepted too. */
async function load(name: BackendName, forced: boolean): Promise<Loaded> {
  switch (name) {
    case 'node-gpu':
    case 'node':
      return loadNative(name);
    case 'webgpu':
      return loadWebgpu(forced);
    case 'wasm':
      return loadWasm();
    case 'cpu':
      await setBackendOrThrow('cpu');
      return { tfBackend: 'cpu', gpu: false };
  }
}

async function loadNative(name: 'node-gpu' | 'node'): Promise<Loaded> {
  const specifier = PACKAGES[name];
  await import(/* @vite-ignore */ specifier);
  if (tf.findBackendFactory('tensorflow') === null && tf.findBackend('tensorflow') === null) {
    throw new Error(`${specifier} loaded but registered no 'tensorflow' backend into this @tensorflow/tfjs`);
  }
  await setBackendOrThrow('tensorflow');
  // tfjs-node-gpu runs on the CPU when CUDA finds no device; its backend says which.
  const usingGpu = (tf.backend() as { isUsingGpuDevice?: boolean }).isUsingGpuDevice;
  return { tfBackend: 'tensorflow', gpu: name === 'node-gpu' && usingGpu !== false };
}

async function loadWebgpu(acceptSoftware: boolean): Promise<Loaded> {
  const adapter = await prepareWebgpu(acceptSoftware);
  try {
    await setBackendOrThrow('webgpu');
  } catch (err) {
    // A failed initialisation leaves the registration behind, with the highest priority of all:
    // remove it so that nothing falls back onto a backend that has no device.
    tf.removeBackend('webgpu');
    throw err;
  }
  if (adapter.isFallback) return { tfBackend: 'webgpu', gpu: false, adapter };
  // The GPUs the orchestrator spreads its trainers over, one per trainer.
  const gpus = (await listAdapters()).filter((a) => !a.isFallback).map((a) => a.device);
  return { tfBackend: 'webgpu', gpu: true, adapter, gpus };
}

/** The adapter and its limits, for the backend line, e.g. "adapter: llvmpipe (...) (mesa, software), software; ...". */
function adapterNote(a: AdapterFacts): string {
  const mib = (bytes: number) => `${Math.round(bytes / 2 ** 20)} MiB`;
  const kind = a.isFallback ? ', software' : '';
  return `adapter: ${adapterLabel(a)}${kind}; max storage buffer binding ${mib(a.limits.maxStorageBufferBindingSize)}, max buffer ${mib(a.limits.maxBufferSize)}`;
}

async function loadWasm(): Promise<Loaded> {
  const wasm = await import('@tensorflow/tfjs-backend-wasm');
  const dir = wasmDir();
  const binaries = ['tfjs-backend-wasm.wasm', 'tfjs-backend-wasm-simd.wasm'];
  const missing = binaries.filter((file) => !fs.existsSync(path.join(dir, file)));
  if (missing.length > 0) {
    const source = process.env.DDCNN_WASM_DIR ? 'DDCNN_WASM_DIR' : 'the tfjs-backend-wasm package';
    throw new Error(`${missing.join(', ')} not found in ${dir} (from ${source})`);
  }
  // The emscripten loader concatenates prefix and file name, so the separator must be there.
  wasm.setWasmPaths(dir.endsWith(path.sep) || dir.endsWith('/') ? dir : dir + path.sep);
  // Before anything trains: tfjs 4.22's wasm backend lacks or miscomputes several gradients.
  const { registerWasmKernelFixes } = await import('./wasm-kernels');
  registerWasmKernelFixes();
  await setBackendOrThrow('wasm');
  // The fixes' SIMD kernels work on the backend's heap, which exists only now.
  const { prepareSimdKernels } = await import('./wasm-kernels/simd-module');
  await prepareSimdKernels(tf.backend() as never);
  return { tfBackend: 'wasm', gpu: false };
}

/**
 * Where the .wasm binaries are: DDCNN_WASM_DIR (the packaged Electron app unpacks them from the asar
 * archive, where emscripten cannot read them), else the package's own dist folder.
 */
function wasmDir(): string {
  const fromEnv = process.env.DDCNN_WASM_DIR;
  if (fromEnv) return fromEnv;
  return path.dirname(requireHere.resolve('@tensorflow/tfjs-backend-wasm'));
}

/**
 * tf.setBackend reports a failed initialisation only as console warnings and `false`; keep those
 * warnings (instead of printing them) so the real reason can be reported with the fallback.
 */
async function setBackendOrThrow(tfName: string): Promise<void> {
  const warnings: string[] = [];
  const warn = console.warn;
  console.warn = (...args: unknown[]) => {
    warnings.push(args.map((a) => (a instanceof Error ? a.message : String(a))).join(' '));
  };
  let ok: boolean;
  try {
    ok = await tf.setBackend(tfName);
  } finally {
    console.warn = warn;
  }
  if (!ok || tf.getBackend() !== tfName) {
    const reason = warnings.find((w) => !w.startsWith('Initialization of backend')) ?? warnings[0];
    throw new Error(`tf.setBackend('${tfName}') failed${reason ? `: ${reason}` : ''}`);
  }
  for (const w of warnings) warn(w);
}

function info(name: BackendName, loaded: Loaded, skipped: BackendInfo['skipped']): BackendInfo {
  const versions: Record<string, string> = { ...tf.version, node: process.versions.node };
  const pkgVersion = packageVersion(PACKAGES[name]);
  if (pkgVersion !== undefined) versions[PACKAGES[name].replace('@tensorflow/', '')] = pkgVersion;
  if (name === 'webgpu') {
    const dawn = packageVersion('webgpu');
    if (dawn !== undefined) versions.webgpu = dawn;
  }
  return { name, tfBackend: loaded.tfBackend, gpu: loaded.gpu, versions, skipped, ...(loaded.adapter ? { adapter: loaded.adapter } : {}), ...(loaded.gpus ? { gpus: loaded.gpus } : {}) };
}

function packageVersion(pkg: string): string | undefined {
  try {
    return (requireHere(`${pkg}/package.json`) as { version?: string }).version;
  } catch {
    return undefined;
  }
}

function packageLabel(backend: string): string {
  const pkg = PACKAGES[backend as BackendName];
  if (backend === 'webgpu' || pkg === undefined) return backend;
  return pkg.replace('@tensorflow/', '');
}

/** First line of an error's message, kept short: it is shown in one CLI line and in run.json. */
function firstLine(err: unknown): string {
  const message = err instanceof Error ? err.message : String(err);
  // Node names the importing source file, which says nothing to a user: "Cannot find package 'x'" is the point.
  const line = message.split('\n')[0].replace(/ imported from \S+$/, '').trim();
  return line.length > 200 ? `${line.slice(0, 197)}...` : line;
}
