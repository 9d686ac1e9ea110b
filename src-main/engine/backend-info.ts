// What a run records about its compute backend. No imports, so that the api contract (type-checked
// for the renderer, without Node) can use it too.

export type BackendName = 'node-gpu' | 'node' | 'wasm' | 'cpu';

export interface BackendInfo {
  name: BackendName;
  /** The tfjs backend name: 'tensorflow' for both native packages, else 'wasm' or 'cpu'. */
  tfBackend: string;
  gpu: boolean;
  /** tfjs package versions, the backend package's version and Node's, for run.json. */
  versions: Record<string, string>;
  /** Better backends that were not used, best first, with the first line of their load error. */
  skipped: { backend: string; reason: string }[];
}
