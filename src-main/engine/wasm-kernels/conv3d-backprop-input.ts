// Conv3DBackpropInputV2 for the wasm backend. tfjs 4.22's kernel is wrong whenever there is more than
// one channel, so every 3D CNN with two or more conv layers would train its early layers on garbage.
//
// dx is a 'valid' conv3d of dy, dilated by the forward stride (s-1 zeros between elements) and
// padded by k-1-pad, with the filter reversed in its three spatial axes and its in/out channels
// swapped. It runs as one XNNPACK conv2d over the depth-unrolled dy: depth dilation and padding are
// folded into the unrolling (slices that fall between or outside dy's slices are written as zeros),
// height/width dilation into one PadV2, and their padding into the conv2d's explicit padding.

import { backend_util, Conv3DBackpropInputV2 } from '@tensorflow/tfjs';
import type { Conv3DBackpropInputV2Attrs, KernelConfig, KernelFunc, TensorInfo } from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { conv2dExplicit, flippedFilter, insertZerosHW } from './conv-helpers';
import { unrollDepth } from './depth-unroll';
import { assertDtype, free, view, WASM } from './wasm-backend';

type Shape5 = [number, number, number, number, number];

function conv3DBackpropInputV2(args: {
  inputs: { dy: TensorInfo; filter: TensorInfo };
  backend: BackendWasm;
  attrs: Conv3DBackpropInputV2Attrs;
}): TensorInfo {
  const { inputs: { dy, filter }, backend, attrs } = args;
  assertDtype(dy.dtype, 'float32');
  assertDtype(filter.dtype, 'float32');
  const info = backend_util.computeConv3DInfo(attrs.inputShape, filter.shape as Shape5, attrs.strides, 1, attrs.pad);
  if (info.outShape.join() !== dy.shape.join()) {
    throw new Error(`Conv3DBackpropInputV2: dy [${dy.shape}] does not match the forward output [${info.outShape}]`);
  }
  const [kd, kh, kw, ci, co] = filter.shape;
  const { strideDepth: sd, strideHeight: sh, strideWidth: sw, padInfo: p } = info;
  const [B, D, H, W] = attrs.inputShape;

  const source = sh > 1 || sw > 1 ? insertZerosHW(backend, dy, sh, sw) : dy;
  const unrolled = unrollDepth(backend, source, {
    kernelDepth: kd, strideDepth: 1, inputDilation: sd, padFront: kd - 1 - p.front, outDepth: D,
  }, 'nhwc');
  const [, , dilatedH, dilatedW] = source.shape;
  if (source !== dy) free(backend, source);

  const flipped = flippedFilter(backend, filter, [1, 2, 0, 3, 4]);
  const top = kh - 1 - p.top;
  const left = kw - 1 - p.left;
  const dx = conv2dExplicit(backend, unrolled, view(flipped, [kh, kw, kd * co, ci]), [1, 1], [1, 1], {
    top,
    bottom: H + kh - 1 - top - dilatedH,
    left,
    right: W + kw - 1 - left - dilatedW,
  });
  free(backend, unrolled, flipped);
  return view(dx, [B, D, H, W, ci]);
}

export const conv3DBackpropInputV2Config: KernelConfig = {
  kernelName: Conv3DBackpropInputV2,
  backendName: WASM,
  kernelFunc: conv3DBackpropInputV2 as unknown as KernelFunc,
};
