// PadV2 (constant padding) for the wasm backend. tfjs 4.22's wasm kernel computes an index per element:
// measured 25-35 ns per value with one channel, 5 ns with 16, so the 'same'-padded input of a filter
// gradient (direct-filter-grad.ts) cost 1.5-2 ms per 2D layer of a training step and 13 ms for the demo's
// first 3D layer, more than the gradient itself. Here the output is filled with the constant and x is
// copied into it run by run: a run is a stretch of x that stays contiguous in the output (the innermost
// padded axis with all unpadded axes after it), so a channel-last 'same' pad is one copy per image row.
// Anything that is not 4 bytes per value (bool, string, complex) goes to the package's own kernel.

import { PadV2, util } from '@tensorflow/tfjs';
import type { KernelConfig, KernelFunc, NamedAttrMap, PadV2Attrs, TensorInfo } from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { heapOffset, WASM } from './wasm-backend';

/** Copies x into out (already filled), x's [before] corner at out's; shapes and paddings per axis. */
function copyRuns(heap: Uint32Array, from: number, to: number, shape: number[], paddings: [number, number][]): void {
  const rank = shape.length;
  if (rank === 0) {
    heap[to] = heap[from];
    return;
  }
  const outShape = shape.map((s, a) => s + paddings[a][0] + paddings[a][1]);
  // The innermost padded axis; every axis after it is copied whole with it.
  let inner = rank - 1;
  while (inner > 0 && paddings[inner][0] === 0 && paddings[inner][1] === 0) inner--;
  const trailing = util.sizeFromShape(shape.slice(inner + 1));
  const run = shape[inner] * trailing;
  const outStrides = new Array<number>(rank);
  let stride = 1;
  for (let a = rank - 1; a >= 0; a--) {
    outStrides[a] = stride;
    stride *= outShape[a];
  }
  let start = to;
  for (let a = 0; a < rank; a++) start += paddings[a][0] * outStrides[a];
  const runs = util.sizeFromShape(shape.slice(0, inner));
  const index = new Array<number>(inner).fill(0);
  let dst = start;
  for (let r = 0; r < runs; r++) {
    heap.copyWithin(dst, from + r * run, from + (r + 1) * run);
    // Next position of the outer axes, as an odometer; the output offset follows it.
    for (let a = inner - 1; a >= 0; a--) {
      dst += outStrides[a];
      if (++index[a] < shape[a]) break;
      dst -= index[a] * outStrides[a];
      index[a] = 0;
    }
  }
}

export function makePadV2Config(original: KernelConfig | undefined): KernelConfig {
  const pad = (args: { inputs: { x: TensorInfo }; backend: BackendWasm; attrs: NamedAttrMap }): TensorInfo | TensorInfo[] => {
    const { inputs: { x }, backend } = args;
    const { paddings, constantValue } = args.attrs as unknown as PadV2Attrs;
    if (x.dtype !== 'float32' && x.dtype !== 'int32') {
      if (original === undefined) throw new Error('wasm PadV2: the package kernel is not registered');
      return original.kernelFunc(args);
    }
    const outShape = x.shape.map((s, a) => s + paddings[a][0] + paddings[a][1]);
    const out = backend.makeOutput(outShape, x.dtype);
    backend.typedArrayFromHeap(out).fill(constantValue);
    if (util.sizeFromShape(x.shape) > 0) {
      // Taken after the output's allocation: growing the heap replaces its buffer.
      const heap = new Uint32Array(backend.wasm.HEAPU8.buffer);
      copyRuns(heap, heapOffset(backend, x) / 4, heapOffset(backend, out) / 4, x.shape, paddings);
    }
    return out;
  };
  return { kernelName: PadV2, backendName: WASM, kernelFunc: pad as unknown as KernelFunc };
}
