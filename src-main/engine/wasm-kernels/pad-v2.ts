// PadV2 (constant padding) for the wasm backend. tfjs 4.22's wasm kernel computes an index per element:
// measured 25-35 ns per value with one channel, 5 ns with 16, so the 'same'-padded input of a filter
// gradient (direct-filter-grad.ts) cost 1.5-2 ms per 2D layer of a training step and 13 ms for the demo's
// first 3D layer, more than the gradient itself. Here the output is filled with the constant and x is
// copied into it run by run: a run is a stretch of x that stays contiguous in the output (the innermost
// padded axis with all unpadded axes after it), so a channel-last 'same' pad is one copy per image row, and
// the rows of one image are copied by one call of the SIMD kernel spreadRuns (else copyWithin, row by row).
// Anything that is not 4 bytes per value (bool, string, complex) goes to the package's own kernel.

import { PadV2, util } from '@tensorflow/tfjs';
import type { KernelConfig, KernelFunc, NamedAttrMap, PadV2Attrs, TensorInfo } from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { heapOffset, WASM } from './wasm-backend';
import { simdKernels } from './simd-module';

/** Copies n runs of `run` values, consecutive at src, into dst at `step` values apart (element offsets in the heap). */
type Spread = (src: number, dst: number, n: number, run: number, step: number) => void;

/** Copies x into out (already filled), x's [before] corner at out's; shapes and paddings per axis. */
function copyRuns(spread: Spread, from: number, to: number, shape: number[], paddings: [number, number][]): void {
  const rank = shape.length;
  if (rank === 0) {
    spread(from, to, 1, 1, 1);
    return;
  }
  const outShape = shape.map((s, a) => s + paddings[a][0] + paddings[a][1]);
  // The innermost padded axis; every axis after it is copied whole with it.
  let inner = rank - 1;
  while (inner > 0 && paddings[inner][0] === 0 && paddings[inner][1] === 0) inner--;
  const run = util.sizeFromShape(shape.slice(inner));
  const outStrides = new Array<number>(rank);
  let stride = 1;
  for (let a = rank - 1; a >= 0; a--) {
    outStrides[a] = stride;
    stride *= outShape[a];
  }
  let dst = to;
  for (let a = 0; a < rank; a++) dst += paddings[a][0] * outStrides[a];
  // The runs along the axis just outside `inner` are equally spaced: one call copies them all.
  const along = inner - 1;
  const n = along >= 0 ? shape[along] : 1;
  const step = along >= 0 ? outStrides[along] : run;
  const calls = util.sizeFromShape(shape.slice(0, Math.max(0, along)));
  const index = new Array<number>(Math.max(0, along)).fill(0);
  for (let r = 0; r < calls; r++) {
    spread(from + r * n * run, dst, n, run, step);
    // Next position of the axes further out, as an odometer; the output offset follows it.
    for (let a = along - 1; a >= 0; a--) {
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
      const simd = simdKernels();
      // The whole heap, taken after the output's allocation: growing the heap replaces its buffer.
      const heap = new Uint32Array(backend.typedArrayFromHeap(out).buffer);
      const spread: Spread = simd
        ? (src, dst, n, run, step) => simd.spreadRuns(4 * src, 4 * dst, n, run, step, 0)
        : (src, dst, n, run, step) => {
          for (let i = 0; i < n; i++) heap.copyWithin(dst + i * step, src + i * run, src + (i + 1) * run);
        };
      copyRuns(spread, heapOffset(backend, x) / 4, heapOffset(backend, out) / 4, x.shape, paddings);
    }
    return out;
  };
  return { kernelName: PadV2, backendName: WASM, kernelFunc: pad as unknown as KernelFunc };
}
