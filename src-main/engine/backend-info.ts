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
