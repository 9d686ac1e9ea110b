// Building blocks shared by the convolution kernel fixes: an XNNPACK Conv2D with arbitrary explicit
// padding (negative padding crops), zero insertion between rows/columns (the input of a transposed
// convolution with stride > 1), and the flipped, in/out-swapped filter of an input gradient.

import type { TensorInfo } from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { free, runKernel, view } from './wasm-backend';

export interface Pads2D {
  top: number;
  bottom: number;
  left: number;
  right: number;
}

/**
 * Conv2D (NHWC) through wasm's XNNPACK kernel with explicit per-side padding. A negative pad means
 * rows or columns of x that the convolution must not see; they are sliced away first, because
 * XNNPACK takes non-negative padding only.
 */
export function conv2dExplicit(
  backend: BackendWasm,
  x: TensorInfo,
  filter: TensorInfo,
  strides: [number, number],
  dilations: [number, number],
  pads: Pads2D,
): TensorInfo {
  const cropTop = Math.max(0, -pads.top);
  const cropBottom = Math.max(0, -pads.bottom);
  const cropLeft = Math.max(0, -pads.left);
  const cropRight = Math.max(0, -pads.right);
  let input = x;
  if (cropTop + cropBottom + cropLeft + cropRight > 0) {
    const [b, h, w, c] = x.shape;
    input = runKernel(backend, 'Slice', { x }, {
      begin: [0, cropTop, cropLeft, 0],
      size: [b, h - cropTop - cropBottom, w - cropLeft - cropRight, c],
    });
  }
  const out = runKernel(backend, 'Conv2D', { x: input, filter }, {
    strides,
    pad: [
      [0, 0],
      [Math.max(0, pads.top), Math.max(0, pads.bottom)],
      [Math.max(0, pads.left), Math.max(0, pads.right)],
      [0, 0],
    ],
    dataFormat: 'NHWC',
    dilations,
  });
  if (input !== x) free(backend, input);
  return out;
}

/**
 * Inserts stride-1 zeros after every row and column of a channel-last tensor ([B,H,W,C] or
 * [B,D,H,W,C]; depth is left alone). The result has size H*sh (not (H-1)*sh+1): the trailing zeros
 * come free with one PadV2 over a rank-6 view [N,H,1,W,1,C] (XNNPACK pads at most 6 dimensions, so
 * depth is folded into N), and callers subtract them from their padding.
 */
export function insertZerosHW(backend: BackendWasm, x: TensorInfo, strideHeight: number, strideWidth: number): TensorInfo {
  const lead = x.shape.slice(0, -3);
  const [h, w, c] = x.shape.slice(-3);
  const n = lead.reduce((a, b) => a * b, 1);
  const padded = runKernel(backend, 'PadV2', { x: view(x, [n, h, 1, w, 1, c]) }, {
    paddings: [[0, 0], [0, 0], [0, strideHeight - 1], [0, 0], [0, strideWidth - 1], [0, 0]],
    constantValue: 0,
  });
  return view(padded, [...lead, h * strideHeight, w * strideWidth, c]);
}

/**
 * The filter of an input gradient: reversed along its spatial axes and with in/out channels
 * swapped, then permuted by `perm` (applied after the swap) in the same Transpose.
 */
export function flippedFilter(backend: BackendWasm, filter: TensorInfo, perm: number[]): TensorInfo {
  const spatial = filter.shape.length - 2;
  const dims = Array.from({ length: spatial }, (_, i) => i);
  const reversed = runKernel(backend, 'Reverse', { x: filter }, { dims });
  const swapped = perm.map((p) => (p === spatial ? spatial + 1 : p === spatial + 1 ? spatial : p));
  const out = runKernel(backend, 'Transpose', { x: reversed }, { perm: swapped });
  free(backend, reversed);
  return out;
}
