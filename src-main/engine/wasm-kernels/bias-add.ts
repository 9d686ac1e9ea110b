// Add for the wasm backend where one operand is a bias: a vector along the other's last axis (every conv
// and dense layer's forward pass adds its bias so). tfjs 4.22's wasm Add broadcasts with an index
// computation per element, about twice the time of a same-shape add; the SIMD kernel addRows
// (simd-source.ts) adds the bias row by row. Anything else goes to the package's own kernel.

import { Add, util } from '@tensorflow/tfjs';
import type { KernelConfig, KernelFunc, NamedAttrMap, TensorInfo } from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { heapOffset, makeFloat32, WASM } from './wasm-backend';
import { simdKernels } from './simd-module';

/** Whether `bias` is a vector along the last axis of `x` (shape [C] or [1, ..., 1, C]), x of rank >= 2. */
export function isBiasOf(x: TensorInfo, bias: TensorInfo): boolean {
  const c = x.shape[x.shape.length - 1];
  return x.shape.length >= 2 && bias.shape.length <= x.shape.length && bias.shape[bias.shape.length - 1] === c &&
    util.sizeFromShape(bias.shape) === c && x.dtype === 'float32' && bias.dtype === 'float32';
}

export function makeAddConfig(original: KernelConfig | undefined): KernelConfig {
  const add = (args: { inputs: { a: TensorInfo; b: TensorInfo }; backend: BackendWasm; attrs: NamedAttrMap }): TensorInfo | TensorInfo[] => {
    const { inputs: { a, b }, backend } = args;
    const simd = simdKernels();
    // Float addition commutes exactly, so the bias may be either operand.
    const [x, bias] = isBiasOf(a, b) ? [a, b] : isBiasOf(b, a) ? [b, a] : [undefined, undefined];
    if (!simd || x === undefined || bias === undefined) {
      if (original === undefined) throw new Error('wasm Add: the package kernel is not registered');
      return original.kernelFunc(args);
    }
    const c = bias.shape[bias.shape.length - 1];
    const out = makeFloat32(backend, x.shape);
    simd.addRows(heapOffset(backend, x), heapOffset(backend, bias), heapOffset(backend, out), util.sizeFromShape(x.shape) / c, c);
    return out;
  };
  return { kernelName: Add, backendName: WASM, kernelFunc: add as unknown as KernelFunc };
}
