// Conv2DBackpropFilter for the wasm backend, which does not register one in tfjs 4.22 (so no conv2d
// trains there). Both the Conv2D gradient and the fused-conv2d gradient call this kernel.
//
// The filter gradient is itself a convolution, computed with wasm's own (XNNPACK) Conv2D:
//   dW[i,j,ci,co] = sum_{b,oh,ow} x[b, oh*sh + i - top, ow*sw + j - left, ci] * dy[b,oh,ow,co]
// Seen with ci as the batch, b as the input channel and dy as a filter of size [Ho,Wo,B,Co], this
// is a stride-1 convolution of x^T = [Ci,H,W,B] with dy^T = [Ho,Wo,B,Co], dilated by the forward
// stride, padded like the forward pass. Its output is [Ci,kh(+e),kw(+e),Co]; e > 0 only where the
// forward pass left rows unused, and is trimmed by shrinking the bottom/right padding (or sliced off).
// Where the project's SIMD kernels cover the channel counts, they do it directly (direct-filter-grad.ts).

import { backend_util, Conv2DBackpropFilter } from '@tensorflow/tfjs';
import type { Conv2DBackpropFilterAttrs, KernelConfig, KernelFunc, TensorInfo } from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { assertDtype, free, runKernel, WASM } from './wasm-backend';
import { simdKernels } from './simd-module';
import { directFilterGradient2D, directFilterGradientCovers } from './direct-filter-grad';

export interface Conv2DFilterGradGeometry {
  strideHeight: number;
  strideWidth: number;
  filterHeight: number;
  filterWidth: number;
  /** The forward pass's padding, made explicit. */
  pad: { top: number; bottom: number; left: number; right: number };
}

/** dW [kh,kw,Ci,Co] of a NHWC conv2d, from x [B,H,W,Ci] and dy [B,Ho,Wo,Co], by XNNPACK's convolution. */
export function conv2dFilterGradient(
  backend: BackendWasm,
  x: TensorInfo,
  dy: TensorInfo,
  g: Conv2DFilterGradGeometry,
): TensorInfo {
  assertDtype(x.dtype, 'float32');
  const xT = runKernel(backend, 'Transpose', { x }, { perm: [3, 1, 2, 0] });
  const dw = conv2dFilterGradientOfTransposed(backend, xT, dy, g);
  free(backend, xT);
  return dw;
}

/**
 * The same from x already transposed to [Ci,H,W,B]: callers that build x themselves (the depth-unrolled
 * conv3d) produce it in this layout directly and save a transpose.
 */
export function conv2dFilterGradientOfTransposed(
  backend: BackendWasm,
  xT: TensorInfo,
  dy: TensorInfo,
  g: Conv2DFilterGradGeometry,
): TensorInfo {
  assertDtype(xT.dtype, 'float32');
  assertDtype(dy.dtype, 'float32');
  const [inChannels, inHeight, inWidth, batch] = xT.shape;
  const [dyBatch, outHeight, outWidth, outChannels] = dy.shape;

  // Rows of the padded input beyond the last window, which the forward pass never read.
  const extraH = inHeight + g.pad.top + g.pad.bottom - ((outHeight - 1) * g.strideHeight + g.filterHeight);
  const extraW = inWidth + g.pad.left + g.pad.right - ((outWidth - 1) * g.strideWidth + g.filterWidth);
  if (batch !== dyBatch || extraH < 0 || extraW < 0) {
    throw new Error(`Conv2DBackpropFilter: dy [${dy.shape}] does not match x and the filter`);
  }
  const cutBottom = Math.min(extraH, g.pad.bottom);
  const cutRight = Math.min(extraW, g.pad.right);

  const dyT = runKernel(backend, 'Transpose', { x: dy }, { perm: [1, 2, 0, 3] });
  const conv = runKernel(backend, 'Conv2D', { x: xT, filter: dyT }, {
    strides: [1, 1],
    pad: [[0, 0], [g.pad.top, g.pad.bottom - cutBottom], [g.pad.left, g.pad.right - cutRight], [0, 0]],
    dataFormat: 'NHWC',
    dilations: [g.strideHeight, g.strideWidth],
  });
  free(backend, dyT);

  let kernel = conv;
  if (conv.shape[1] !== g.filterHeight || conv.shape[2] !== g.filterWidth) {
    kernel = runKernel(backend, 'Slice', { x: conv }, {
      begin: [0, 0, 0, 0],
      size: [inChannels, g.filterHeight, g.filterWidth, outChannels],
    });
    free(backend, conv);
  }
  const dw = runKernel(backend, 'Transpose', { x: kernel }, { perm: [1, 2, 0, 3] });
  free(backend, kernel);
  return dw;
}

function conv2dBackpropFilter(args: { inputs: { x: TensorInfo; dy: TensorInfo }; backend: BackendWasm; attrs: Conv2DBackpropFilterAttrs }): TensorInfo {
  const { inputs: { x, dy }, backend, attrs } = args;
  if (attrs.dataFormat !== 'NHWC') {
    throw new Error(`wasm Conv2DBackpropFilter supports dataFormat NHWC only, got ${attrs.dataFormat}`);
  }
  const info = backend_util.computeConv2DInfo(
    x.shape as [number, number, number, number], attrs.filterShape, attrs.strides, 1, attrs.pad,
    attrs.dimRoundingMode, false, 'channelsLast');
  if (info.outHeight !== dy.shape[1] || info.outWidth !== dy.shape[2]) {
    throw new Error(`Conv2DBackpropFilter: dy [${dy.shape}] does not match the forward output [${info.outShape}]`);
  }
  const simd = simdKernels();
  if (simd && directFilterGradientCovers(x.shape[3], dy.shape[3]) && x.dtype === 'float32' && dy.dtype === 'float32') {
    const p = info.padInfo;
    return directFilterGradient2D(backend, simd, x, dy, {
      pads: [[p.top, p.bottom], [p.left, p.right]], filter: [info.filterHeight, info.filterWidth], strides: [info.strideHeight, info.strideWidth],
    });
  }
  return conv2dFilterGradient(backend, x, dy, {
    strideHeight: info.strideHeight,
    strideWidth: info.strideWidth,
    filterHeight: info.filterHeight,
    filterWidth: info.filterWidth,
    pad: info.padInfo,
  });
}

export const conv2dBackpropFilterConfig: KernelConfig = {
  kernelName: Conv2DBackpropFilter,
  backendName: WASM,
  kernelFunc: conv2dBackpropFilter as unknown as KernelFunc,
};
