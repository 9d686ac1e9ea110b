// Conv2DBackpropInput for the wasm backend, as an XNNPACK Conv2D. tfjs 4.22's own kernel is correct
// but a scalar C++ loop: on the reference net it took ~40% of a training step, about 10x longer than
// the forward convolution with the same number of multiply-adds.
//
// dx is the 'full' correlation of dy with the filter reversed in both spatial axes and its in/out
// channels swapped. For stride s > 1, dy first gets s-1 zeros inserted between rows and columns.
// Padding: kh-1-top in front (so the first output row is input row 0), and at the back whatever
// makes the output exactly H rows long (negative where the forward pass never read the last rows).

import { backend_util, Conv2DBackpropInput } from '@tensorflow/tfjs';
import type { Conv2DBackpropInputAttrs, KernelConfig, KernelFunc, TensorInfo } from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { conv2dExplicit, flippedFilter, insertZerosHW } from './conv-helpers';
import { assertDtype, free, WASM } from './wasm-backend';

function conv2dBackpropInput(args: {
  inputs: { dy: TensorInfo; filter: TensorInfo };
  backend: BackendWasm;
  attrs: Conv2DBackpropInputAttrs;
}): TensorInfo {
  const { inputs: { dy, filter }, backend, attrs } = args;
  assertDtype(dy.dtype, 'float32');
  assertDtype(filter.dtype, 'float32');
  if (attrs.dataFormat !== 'NHWC') {
    throw new Error(`wasm Conv2DBackpropInput supports dataFormat NHWC only, got ${attrs.dataFormat}`);
  }
  const info = backend_util.computeConv2DInfo(
    attrs.inputShape, filter.shape as [number, number, number, number], attrs.strides, 1, attrs.pad,
    attrs.dimRoundingMode, false, 'channelsLast');
  if (info.outHeight !== dy.shape[1] || info.outWidth !== dy.shape[2] || info.outChannels !== dy.shape[3]) {
    throw new Error(`Conv2DBackpropInput: dy [${dy.shape}] does not match the forward output [${info.outShape}]`);
  }
  const { strideHeight: sh, strideWidth: sw, filterHeight: kh, filterWidth: kw } = info;
  const dilated = sh > 1 || sw > 1 ? insertZerosHW(backend, dy, sh, sw) : dy;
  const flipped = flippedFilter(backend, filter, [0, 1, 2, 3]);
  const top = kh - 1 - info.padInfo.top;
  const left = kw - 1 - info.padInfo.left;
  const dx = conv2dExplicit(backend, dilated, flipped, [1, 1], [1, 1], {
    top,
    bottom: info.inHeight + kh - 1 - top - dilated.shape[1],
    left,
    right: info.inWidth + kw - 1 - left - dilated.shape[2],
  });
  free(backend, flipped);
  if (dilated !== dy) free(backend, dilated);
  return dx;
}

export const conv2dBackpropInputConfig: KernelConfig = {
  kernelName: Conv2DBackpropInput,
  backendName: WASM,
  kernelFunc: conv2dBackpropInput as unknown as KernelFunc,
};
