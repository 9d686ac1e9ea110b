// What a run records about its compute backend. No imports, so that the api contract (type-checked
// for the renderer, without Node) can use it too.

export type BackendName = 'node-gpu' | 'webgpu' | 'node' | 'wasm' | 'cpu';

/** The WebGPU adapter a webgpu backend runs on, as Dawn describes it, and the limits that bound a batch. */
export interface AdapterFacts {
  vendor: string;
  architecture: string;
  /** Dawn's device name, e.g. "NVIDIA GeForce RTX 4090" or "llvmpipe (LLVM 19.1.7, 256 bits)". */
  device: string;
  description: string;
  /** A software adapter (lavapipe, SwiftShader, WARP): correct but slower than wasm. */
  isFallback: boolean;
  limits: { maxStorageBufferBindingSize: number; maxBufferSize: number };
}

export interface BackendInfo {
  name: BackendName;
  /** The tfjs backend name: 'tensorflow' for both native packages, else 'webgpu', 'wasm' or 'cpu'. */
  tfBackend: string;
  gpu: boolean;
  /** tfjs package versions, the backend package's version and Node's, for run.json. */
  versions: Record<string, string>;
  /** Better backends that were not used, best first, with the first line of their load error. */
  skipped: { backend: string; reason: string }[];
  /** webgpu only: the adapter in use. */
  adapter?: AdapterFacts;
  /**
   * webgpu on a hardware adapter only: Dawn's name of every hardware adapter, one per GPU (identical
   * GPUs share a name). Trainer i is given gpus[i % n] (see gpu-devices.ts).
   */
  gpus?: string[];
}

/** What each backend is, in words a first-time user knows. */
const BACKEND_WORDS: Record<BackendName, string> = {
  'node-gpu': 'the NVIDIA GPU (CUDA, through TensorFlow’s native library)',
  webgpu: 'the GPU (WebGPU)',
  node: 'the CPU (TensorFlow’s native library)',
  wasm: 'the CPU (WebAssembly)',
  cpu: 'the CPU (plain JavaScript, the slowest way)',
};

/** Why a better backend was not used, in words: a missing optional package is "not installed". */
function reasonInWords(reason: string): string {
  if (/Cannot find (package|module)/i.test(reason)) return 'not installed (an optional package)';
  if (/^not tried/i.test(reason)) return 'not tried: another backend was chosen explicitly';
  if (/only a software adapter/i.test(reason)) return 'no GPU found: only a software emulation of one, which is slower than the CPU';
  return reason;
}

/**
 * The backend in plain words: one headline ("Training runs on the CPU (WebAssembly)") and, for a details
 * toggle, why each better one is not used with the loader's own message beside it. The app's header and the
 * run report show it.
 */
export function backendInPlainWords(info: Pick<BackendInfo, 'name' | 'gpu' | 'skipped' | 'adapter'>): { headline: string; reasons: { backend: string; words: string; raw: string }[] } {
  const where = info.name === 'node-gpu' && !info.gpu ? 'the CPU (no GPU device visible to CUDA)' : info.name === 'webgpu' && info.adapter ? `the GPU ${info.adapter.device} (WebGPU${info.adapter.isFallback ? ', a software adapter' : ''})` : BACKEND_WORDS[info.name];
  return {
    headline: `Training runs on ${where}`,
    reasons: info.skipped.map((s) => ({ backend: BACKEND_WORDS[s.backend as BackendName] ?? s.backend, words: reasonInWords(s.reason), raw: `${s.backend}: ${s.reason}` })),
  };
}
