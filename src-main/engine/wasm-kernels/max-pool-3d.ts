// MaxPool3D for the wasm backend. tfjs 4.22's kernel starts each window's max at the smallest
// positive float, so windows whose inputs are all <= 0 return ~1e-38 instead of their maximum.
//
// wasm's 2D MaxPool (XNNPACK) is correct, and a 3D max is a max over depth of 2D maxes, so the fix
// is two 2D poolings: first over (H, W) with every depth slice as its own image ([B*D,H,W,C]), then
// over depth with a [fd,1] window on the [B,D,Ho*Wo,C] view. Padding is made explicit for both
// stages so that 'same' pads exactly as the 3D pooling does.

import { backend_util, MaxPool3D } from '@tensorflow/tfjs';
import type { KernelConfig, KernelFunc, MaxPool3DAttrs, TensorInfo } from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { assertDtype, free, runKernel, view, WASM } from './wasm-backend';

/**
 * One 2D max-pooling stage. XNNPACK rejects 1x1 windows, which are a strided subsampling (or, with
 * stride 1, nothing at all); returns x itself in that last case.
 */
function poolStage(
  backend: BackendWasm,
  x: TensorInfo,
  filterSize: [number, number],
  strides: [number, number],
  pads: [[number, number], [number, number]],
): TensorInfo {
  const padded = pads.some(([before, after]) => before > 0 || after > 0);
  if (filterSize[0] * filterSize[1] > 1) {
    return runKernel(backend, 'MaxPool', { x }, { filterSize, strides, pad: [[0, 0], ...pads, [0, 0]] });
  }
  if (padded) {
    // 'same' and 'valid' never pad a 1-wide window; only numeric padding does, and keras never uses it.
    throw new Error('wasm MaxPool3D: padding around a window of size 1 is not supported');
  }
  if (strides[0] === 1 && strides[1] === 1) return x;
  const [b, h, w, c] = x.shape;
  return runKernel(backend, 'StridedSlice', { x }, {
    begin: [0, 0, 0, 0], end: [b, h, w, c], strides: [1, ...strides, 1],
    beginMask: 0, endMask: 0, ellipsisMask: 0, newAxisMask: 0, shrinkAxisMask: 0,
  });
}

function maxPool3D(args: { inputs: { x: TensorInfo }; backend: BackendWasm; attrs: MaxPool3DAttrs }): TensorInfo {
  const { inputs: { x }, backend, attrs } = args;
  assertDtype(x.dtype, 'float32');
  if (attrs.dataFormat !== 'NDHWC') {
    throw new Error(`wasm MaxPool3D supports dataFormat NDHWC only, got ${attrs.dataFormat}`);
  }
  const info = backend_util.computePool3DInfo(
    x.shape as [number, number, number, number, number], attrs.filterSize, attrs.strides, 1, attrs.pad,
    attrs.dimRoundingMode, attrs.dataFormat);
  const { batchSize: B, inDepth: D, inHeight: H, inWidth: W, inChannels: C, padInfo: p } = info;

  const planes = poolStage(backend, view(x, [B * D, H, W, C]), [info.filterHeight, info.filterWidth],
    [info.strideHeight, info.strideWidth], [[p.top, p.bottom], [p.left, p.right]]);
  const [, outH, outW] = planes.shape;
  const pooled = poolStage(backend, view(planes, [B, D, outH * outW, C]), [info.filterDepth, 1],
    [info.strideDepth, 1], [[p.front, p.back], [0, 0]]);
  // A stage that was a no-op handed back its input; free only what the stages allocated.
  if (planes.dataId !== x.dataId && pooled.dataId !== planes.dataId) free(backend, planes);

  const outShape = [B, pooled.shape[1], outH, outW, C];
  if (outShape.join() !== info.outShape.join()) {
    // Only a non-floor dimRoundingMode with numeric padding can get here; keras layers never do.
    if (pooled.dataId !== x.dataId) free(backend, pooled);
    throw new Error(`wasm MaxPool3D: got [${outShape}] where [${info.outShape}] was expected`);
  }
  // The output must own its data: a 1x1x1 window with stride 1 leaves x itself, so copy it.
  return pooled.dataId === x.dataId
    ? runKernel(backend, 'Identity', { x: view(x, outShape) })
    : view(pooled, outShape);
}

export const maxPool3DConfig: KernelConfig = {
  kernelName: MaxPool3D,
  backendName: WASM,
  kernelFunc: maxPool3D as unknown as KernelFunc,
};
