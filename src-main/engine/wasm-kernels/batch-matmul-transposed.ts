// BatchMatMul with a transposed operand, for the wasm backend: tfjs 4.22's wasm kernel sends every
// product with transposeA or transposeB to a scalar loop instead of XNNPACK, about 6x slower. Both
// occur in every dense layer's backward pass (dx = dy W^T, dW = x^T dy). Transposing the operand
// explicitly (XNNPACK's transpose, a fraction of the product's time) and multiplying without
// transposes takes the fast path.

import { BatchMatMul } from '@tensorflow/tfjs';
import type { BatchMatMulAttrs, KernelConfig, KernelFunc, NamedAttrMap, TensorInfo } from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { free, runKernel, WASM } from './wasm-backend';

/** The permutation that swaps the last two axes of a rank-r tensor. */
function swapLastTwo(rank: number): number[] {
  const perm = Array.from({ length: rank }, (_, i) => i);
  [perm[rank - 2], perm[rank - 1]] = [perm[rank - 1], perm[rank - 2]];
  return perm;
}

export function makeBatchMatMulConfig(original: KernelConfig | undefined): KernelConfig {
  const batchMatMul = (args: { inputs: { a: TensorInfo; b: TensorInfo }; backend: BackendWasm; attrs: BatchMatMulAttrs }): TensorInfo | TensorInfo[] => {
    if (original === undefined) throw new Error('wasm BatchMatMul: the package kernel is not registered');
    const { inputs: { a, b }, backend, attrs } = args;
    if (!attrs.transposeA && !attrs.transposeB) return original.kernelFunc(args as never);
    const aT = attrs.transposeA ? runKernel(backend, 'Transpose', { x: a }, { perm: swapLastTwo(a.shape.length) }) : a;
    const bT = attrs.transposeB ? runKernel(backend, 'Transpose', { x: b }, { perm: swapLastTwo(b.shape.length) }) : b;
    try {
      return original.kernelFunc({ inputs: { a: aT, b: bT }, backend, attrs: { transposeA: false, transposeB: false } as unknown as NamedAttrMap });
    } finally {
      if (aT !== a) free(backend, aT);
      if (bT !== b) free(backend, bT);
    }
  };
  return { kernelName: BatchMatMul, backendName: WASM, kernelFunc: batchMatMul as unknown as KernelFunc };
}
