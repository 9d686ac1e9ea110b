// MaxPoolGrad and MaxPool3DGrad for the wasm backend, replacing tfjs 4.22's kernels, which lose the
// gradient of every window whose inputs are all <= 0 (see pool-argmax.ts).

import { backend_util, MaxPool3DGrad, MaxPoolGrad } from '@tensorflow/tfjs';
import type { KernelConfig, KernelFunc, MaxPool3DGradAttrs, MaxPoolGradAttrs, TensorInfo } from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { scatterToWindowMax, windowsInside, windowTables } from './pool-argmax';
import { simdKernels } from './simd-module';
import type { PoolGeometry, TieBreak } from './pool-argmax';
import { free, heapFloat32, heapOffset, makeFloat32, WASM } from './wasm-backend';

type PoolGradArgs<A> = {
  inputs: { dy: TensorInfo; input: TensorInfo; output: TensorInfo };
  backend: BackendWasm;
  attrs: A;
};

function runScatter(backend: BackendWasm, dy: TensorInfo, input: TensorInfo, g: PoolGeometry, tie: TieBreak): TensorInfo {
  const expected = [g.batch, ...(input.shape.length === 5 ? [g.outDepth] : []), g.outHeight, g.outWidth, g.channels];
  if (dy.shape.join() !== expected.join()) {
    throw new Error(`max-pool gradient: dy [${dy.shape}] does not match the pooled shape [${expected}]`);
  }
  const dx = makeFloat32(backend, input.shape);
  const simd = simdKernels();
  if (simd && windowsInside(g)) {
    const { origins, offsets } = windowTables(g);
    const tables = backend.makeOutput([origins.length + offsets.length], 'int32');
    // Views last: allocations may grow the heap, which detaches views taken before them.
    const t = backend.typedArrayFromHeap(tables) as Int32Array;
    t.set(origins);
    t.set(offsets, origins.length);
    heapFloat32(backend, dx).fill(0);
    const at = heapOffset(backend, tables);
    simd.maxPoolGrad(heapOffset(backend, input), heapOffset(backend, dy), heapOffset(backend, dx), at, origins.length,
      at + 4 * origins.length, offsets.length, g.channels, tie === 'last' ? 1 : 0);
    free(backend, tables);
    return dx;
  }
  scatterToWindowMax(heapFloat32(backend, input), heapFloat32(backend, dy), heapFloat32(backend, dx), g, tie);
  return dx;
}

function maxPoolGrad(args: PoolGradArgs<MaxPoolGradAttrs>): TensorInfo {
  const { inputs: { dy, input }, backend, attrs } = args;
  const info = backend_util.computePool2DInfo(
    input.shape as [number, number, number, number], attrs.filterSize, attrs.strides, 1, attrs.pad,
    attrs.dimRoundingMode);
  return runScatter(backend, dy, input, {
    batch: info.batchSize,
    channels: info.inChannels,
    inDepth: 1,
    inHeight: info.inHeight,
    inWidth: info.inWidth,
    outDepth: 1,
    outHeight: info.outHeight,
    outWidth: info.outWidth,
    strideDepth: 1,
    strideHeight: info.strideHeight,
    strideWidth: info.strideWidth,
    filterDepth: 1,
    filterHeight: info.filterHeight,
    filterWidth: info.filterWidth,
    padFront: 0,
    padTop: info.padInfo.top,
    padLeft: info.padInfo.left,
  }, 'first');
}

function maxPool3DGrad(args: PoolGradArgs<MaxPool3DGradAttrs>): TensorInfo {
  const { inputs: { dy, input }, backend, attrs } = args;
  const info = backend_util.computePool3DInfo(
    input.shape as [number, number, number, number, number], attrs.filterSize, attrs.strides, 1, attrs.pad,
    attrs.dimRoundingMode);
  return runScatter(backend, dy, input, {
    batch: info.batchSize,
    channels: info.inChannels,
    inDepth: info.inDepth,
    inHeight: info.inHeight,
    inWidth: info.inWidth,
    outDepth: info.outDepth,
    outHeight: info.outHeight,
    outWidth: info.outWidth,
    strideDepth: info.strideDepth,
    strideHeight: info.strideHeight,
    strideWidth: info.strideWidth,
    filterDepth: info.filterDepth,
    filterHeight: info.filterHeight,
    filterWidth: info.filterWidth,
    padFront: info.padInfo.front,
    padTop: info.padInfo.top,
    padLeft: info.padInfo.left,
  }, 'last');
}

export const maxPoolGradConfig: KernelConfig = {
  kernelName: MaxPoolGrad,
  backendName: WASM,
  kernelFunc: maxPoolGrad as unknown as KernelFunc,
};

export const maxPool3DGradConfig: KernelConfig = {
  kernelName: MaxPool3DGrad,
  backendName: WASM,
  kernelFunc: maxPool3DGrad as unknown as KernelFunc,
};
