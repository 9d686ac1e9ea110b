// Identity (tf.clone) for the wasm backend without the copy. tfjs's engine clones every tensor it keeps
// for a backward pass (the saved activations of each layer); tfjs 4.22's wasm kernel copies the whole
// tensor each time (about 35 copies per step of the reference net, among them three of its largest
// activation). The cpu and webgl backends share the data and count one more reference instead,
// which is enough because no kernel ever writes into its inputs.

import { Identity } from '@tensorflow/tfjs';
import type { KernelConfig, KernelFunc, TensorInfo } from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { WASM } from './wasm-backend';

export function makeIdentityConfig(original: KernelConfig | undefined): KernelConfig {
  const identity = (args: { inputs: { x: TensorInfo }; backend: BackendWasm }): TensorInfo | TensorInfo[] => {
    const { inputs: { x }, backend } = args;
    if (x.dtype === 'string') {
      if (original === undefined) throw new Error('wasm Identity: the package kernel is not registered');
      return original.kernelFunc(args as never);
    }
    backend.incRef(x.dataId);
    return { dataId: x.dataId, shape: x.shape, dtype: x.dtype };
  };
  return { kernelName: Identity, backendName: WASM, kernelFunc: identity as unknown as KernelFunc };
}
