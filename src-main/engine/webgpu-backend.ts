// The webgpu backend's set-up in Node: Dawn's Node bindings (npm package `webgpu`, whose tarball ships
// dawn.node for each platform; Dawn drives Vulkan on Linux, D3D12 on Windows, Metal on macOS) provide
// `navigator.gpu`, and @tensorflow/tfjs-backend-webgpu runs on it. Also what the rest of the engine
// needs to know about the device: the adapter's facts and limits, and its asynchronous errors.
//
// Order matters: tfjs-backend-webgpu registers itself at import time only if `navigator.gpu` exists,
// so Dawn's globals and navigator.gpu are set before it is imported. Both packages are
// optionalDependencies, imported with computed specifiers so that neither TypeScript nor the
// bundler needs them installed.
import * as tf from '@tensorflow/tfjs';
import type { AdapterFacts } from './backend-info';

/**
 * Environment variable naming the adapter a trainer uses: a substring of the adapter's device name,
 * passed to Dawn as its `adapter=` option (Dawn takes the first adapter whose name contains it).
 */
export const ADAPTER_ENV = 'DDCNN_WEBGPU_ADAPTER';

// Minimal shapes of the WebGPU objects used here (the full types come with the optional package).
interface GpuAdapterLike {
  info: { vendor: string; architecture: string; device: string; description: string; isFallbackAdapter?: boolean };
  isFallbackAdapter?: boolean;
  limits: { maxStorageBufferBindingSize: number; maxBufferSize: number };
}
interface GpuLike {
  requestAdapter(options?: { powerPreference?: 'high-performance' | 'low-power' }): Promise<GpuAdapterLike | null>;
}
interface DawnModule {
  create(flags: string[]): GpuLike;
  globals: object;
}
export interface GpuErrorLike {
  message: string;
  constructor: { name: string };
}
export interface GpuDeviceLike {
  onuncapturederror: ((event: { error: GpuErrorLike }) => void) | null;
  lost: Promise<{ reason: string; message: string }>;
  queue: { onSubmittedWorkDone(): Promise<void> };
  limits: { maxStorageBufferBindingSize: number; maxBufferSize: number };
}

let gpu: GpuLike | undefined;

/** Dawn's flags for this process: the adapter named by DDCNN_WEBGPU_ADAPTER, if any. */
function dawnFlags(): string[] {
  const name = process.env[ADAPTER_ENV];
  return name ? [`adapter=${name}`] : [];
}

async function dawnModule(): Promise<DawnModule> {
  const specifier = 'webgpu';
  return (await import(/* @vite-ignore */ specifier)) as DawnModule;
}

/** Loads Dawn once per process and installs its globals and navigator.gpu. */
async function dawn(): Promise<GpuLike> {
  if (gpu) return gpu;
  const mod = await dawnModule();
  Object.assign(globalThis, mod.globals);
  const created = mod.create(dawnFlags());
  // Node 21+ defines a read-only navigator getter of its own; replace it, keeping what it had.
  const previous = (globalThis as { navigator?: object }).navigator;
  Object.defineProperty(globalThis, 'navigator', { value: { ...previous, gpu: created }, configurable: true, writable: true });
  gpu = created;
  return created;
}

/** The adapter Dawn gives (the one tfjs will request too: same options), or a clear error. */
export async function probeAdapter(): Promise<AdapterFacts> {
  const g = await dawn();
  let adapter: GpuAdapterLike | null;
  try {
    adapter = await g.requestAdapter({ powerPreference: 'high-performance' });
  } catch (err) {
    // Dawn rejects when the adapter named by DDCNN_WEBGPU_ADAPTER is not there, listing the ones that are.
    const names = listedAdapterNames(err);
    throw new Error(`no WebGPU adapter named '${process.env[ADAPTER_ENV]}' (${ADAPTER_ENV}); Dawn lists ${names.length === 0 ? 'none' : names.map((n) => `'${n}'`).join(', ')}`);
  }
  if (adapter === null) {
    throw new Error(`no WebGPU adapter found (Dawn found no usable ${platformApi()} device)`);
  }
  const facts = adapterFacts(adapter);
  // GPUAdapterInfo.device is a sanitised form of Dawn's device name ("llvmpipe (LLVM 15.0.6, 256 bits)"
  // reads "llvmpipe-llvm-15-0-6-256-bits-"); show the name Dawn lists, which is also what adapter= matches.
  const named = (await listAdapters()).find((a) => sanitisedName(a.device) === facts.device);
  return named ? { ...facts, device: named.device } : facts;
}

function sanitisedName(name: string): string {
  return name.toLowerCase().replace(/[^a-z0-9]+/g, '-');
}

function adapterFacts(adapter: GpuAdapterLike): AdapterFacts {
  const info = adapter.info;
  return {
    vendor: info.vendor,
    architecture: info.architecture,
    device: info.device,
    description: info.description,
    isFallback: Boolean(info.isFallbackAdapter ?? adapter.isFallbackAdapter),
    limits: { maxStorageBufferBindingSize: adapter.limits.maxStorageBufferBindingSize, maxBufferSize: adapter.limits.maxBufferSize },
  };
}

/**
 * Every adapter Dawn can see (on this platform's API, once per process), hardware and software, one entry per device
 * (two identical GPUs give two entries with the same name). Dawn's Node bindings have no enumeration:
 * requestAdapter gives one adapter, chosen by power preference or by the `adapter=<name>` option,
 * whose rejection for a name that matches nothing lists every adapter's name. So: that list, then
 * each named adapter's facts from an instance that asks for it by name.
 */
export function listAdapters(): Promise<AdapterFacts[]> {
  listed ??= enumerateAdapters();
  return listed;
}

let listed: Promise<AdapterFacts[]> | undefined;

async function enumerateAdapters(): Promise<AdapterFacts[]> {
  const mod = await dawnModule();
  let names: string[];
  try {
    const none = await mod.create(['adapter=\u0001 no adapter has this name']).requestAdapter();
    if (none === null) return [];
    names = []; // a device named like that: nothing to list
  } catch (err) {
    names = listedAdapterNames(err);
  }
  const facts: AdapterFacts[] = [];
  for (const name of names) {
    const adapter = await mod.create([`adapter=${name}`]).requestAdapter({ powerPreference: 'high-performance' }).catch(() => null);
    if (adapter !== null) facts.push({ ...adapterFacts(adapter), device: name });
  }
  return facts;
}

/** The adapter names in Dawn's rejection of an adapter name that matched none ("Available adapters: * backend: 'vulkan', name: '...'"). */
function listedAdapterNames(err: unknown): string[] {
  return [...String((err as Error)?.message ?? err).matchAll(/^ \* backend: '[^']*', name: '(.*)'$/gm)].map((m) => m[1]);
}

/** The graphics API Dawn drives on this platform. */
export function platformApi(): string {
  return process.platform === 'win32' ? 'D3D12' : process.platform === 'darwin' ? 'Metal' : 'Vulkan';
}

/** One phrase naming an adapter, e.g. "llvmpipe (LLVM 19.1.7, 256 bits) (mesa, software)". */
export function adapterLabel(a: AdapterFacts): string {
  const name = a.device || a.description || 'unnamed adapter';
  const kind = [a.vendor, a.architecture].filter((s) => s !== '').join(', ');
  return kind === '' ? name : `${name} (${kind})`;
}

/**
 * Sets up navigator.gpu, checks the adapter, then imports tfjs-backend-webgpu (which registers the
 * 'webgpu' backend). A software adapter (lavapipe, SwiftShader, WARP) is slower than wasm and is
 * refused unless `acceptSoftware` (the backend was forced).
 */
export async function prepareWebgpu(acceptSoftware: boolean): Promise<AdapterFacts> {
  const adapter = await probeAdapter();
  if (adapter.isFallback && !acceptSoftware) {
    throw new Error(`only a software adapter: ${adapterLabel(adapter)}, slower than wasm (DDCNN_BACKEND=webgpu uses it anyway)`);
  }
  const specifier = '@tensorflow/tfjs-backend-webgpu';
  await import(/* @vite-ignore */ specifier);
  if (tf.findBackendFactory('webgpu') === null && tf.findBackend('webgpu') === null) {
    throw new Error(`${specifier} loaded but registered no 'webgpu' backend (navigator.gpu was not seen)`);
  }
  return adapter;
}

/** The GPUDevice of the active tfjs webgpu backend, or undefined on any other backend. */
export function webgpuDevice(): GpuDeviceLike | undefined {
  if (tf.getBackend() !== 'webgpu') return undefined;
  return (tf.backend() as unknown as { device?: GpuDeviceLike }).device;
}

/** Turns a WebGPU error into a message that says what happened and what to do. */
export function describeGpuError(error: GpuErrorLike): string {
  const kind = error.constructor?.name ?? 'GPUError';
  if (kind === 'GPUOutOfMemoryError') {
    return `out of GPU memory: ${error.message.trim()} (use a smaller --batch, or fewer trainers at a time with --workers)`;
  }
  // Dawn's message goes on with the call chain that led there; its first line says what was wrong.
  const what = error.message.trim().split('\n')[0];
  return `WebGPU ${kind.replace(/^GPU/, '').replace(/Error$/, '').toLowerCase() || 'device'} error: ${what} (results computed after it would be wrong)`;
}

/**
 * Watches the device for errors WebGPU reports only asynchronously: a validation error (e.g. a
 * buffer over the device's limits), an internal error, running out of memory, or the device being
 * lost. Their results would be silently wrong, so each is fatal: `failed` rejects with the first one
 * and `check()` (after the queued work is done) throws it.
 */
export function watchDeviceErrors(device: GpuDeviceLike): { failed: Promise<never>; check: () => Promise<void> } {
  let first: Error | undefined;
  let reject: (e: Error) => void = () => {};
  const failed = new Promise<never>((_, r) => (reject = r));
  failed.catch(() => {}); // observed through check() or a race; never an unhandled rejection
  const fail = (message: string) => {
    if (first) return;
    first = new Error(message);
    reject(first);
  };
  device.onuncapturederror = (event) => fail(describeGpuError(event.error));
  void device.lost.then((info) => {
    if (info.reason !== 'destroyed') fail(`WebGPU device lost (${info.reason}): ${info.message}`);
  });
  return {
    failed,
    check: async () => {
      await device.queue.onSubmittedWorkDone();
      if (first) throw first;
    },
  };
}
