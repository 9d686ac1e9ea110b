// Sum over leading axes for the wasm backend, as one XNNPACK matrix product.
//
// Every conv layer's bias gradient is the sum of dy over all axes but the channels. tfjs 4.22's wasm
// Sum reduces only innermost axes, so it first transposes dy; for rank-5 (3D) activations that
// transpose is a generic strided loop and took 60-70% of a whole 3D training step. Summing over the
// leading axes of x seen as an [M, R] matrix is a column sum: the SIMD kernel sumRows (simd-source.ts)
// adds the rows in one pass. Before it is prepared, the same as ones[1, M] x x[M, R] with wasm's
// BatchMatMul (which repacks x as its weights at every call, several times slower). Any other
// reduction goes to the package's own kernel.

import { Sum, util } from '@tensorflow/tfjs';
import type { KernelConfig, KernelFunc, NamedAttrMap, SumAttrs, TensorInfo } from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { free, heapFloat32, heapOffset, makeFloat32, runKernel, view, WASM } from './wasm-backend';
import { simdKernels } from './simd-module';

/** Number of leading axes reduced when `axes` is exactly 0..j-1 with j < rank, else 0. */
export function leadingAxes(axis: number | number[], rank: number): number {
  const axes = [...new Set(util.parseAxisParam(axis, Array.from({ length: rank }, () => 1)))].sort((a, b) => a - b);
  const leading = axes.every((a, i) => a === i) ? axes.length : 0;
  return leading > 0 && leading < rank ? leading : 0;
}

export function makeSumConfig(original: KernelConfig | undefined): KernelConfig {
  const sum = (args: { inputs: { x: TensorInfo }; backend: BackendWasm; attrs: SumAttrs }): TensorInfo | TensorInfo[] => {
    const { inputs: { x }, backend, attrs } = args;
    const j = x.dtype === 'float32' ? leadingAxes(attrs.axis, x.shape.length) : 0;
    if (j === 0) {
      if (original === undefined) throw new Error('wasm Sum: the package kernel is not registered');
      return original.kernelFunc({ ...args, attrs: attrs as unknown as NamedAttrMap });
    }
    const m = util.sizeFromShape(x.shape.slice(0, j));
    const rest = x.shape.slice(j);
    const r = util.sizeFromShape(rest);
    const shape = attrs.keepDims ? [...x.shape.slice(0, j).map(() => 1), ...rest] : rest;
    const simd = simdKernels();
    if (simd) {
      const out = makeFloat32(backend, shape);
      heapFloat32(backend, out).fill(0);
      simd.sumRows(heapOffset(backend, x), heapOffset(backend, out), m, r);
      return out;
    }
    const ones = makeFloat32(backend, [1, 1, m]);
    heapFloat32(backend, ones).fill(1);
    const out = runKernel(backend, 'BatchMatMul', { a: ones, b: view(x, [1, m, r]) }, { transposeA: false, transposeB: false });
    free(backend, ones);
    return view(out, shape);
  };
  return { kernelName: Sum, backendName: WASM, kernelFunc: sum as unknown as KernelFunc };
}
