// The filter gradient of a convolution, 2D or 3D, by the SIMD kernels filterGradC1 (one input channel:
// every model's first layer) and filterGrad (several input channels, at least 4 output channels)
// of simd-source.ts, on x padded as the forward pass padded it. Faster than the XNNPACK convolutions of
// conv2d-backprop-filter.ts and conv3d.ts, which transpose x and repack all of dy as a filter at every
// call (measured: 8x with one input channel, 1.6-2x with 16). A 2D convolution is the 3D one with depth 1.

import type { TensorInfo } from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import type { SimdKernels } from './simd-module';
import { free, heapFloat32, heapOffset, makeFloat32, runKernel, view } from './wasm-backend';

export interface DirectFilterGradGeometry {
  /** [front, back], [top, bottom], [left, right]: the forward pass's padding. */
  pads: [[number, number], [number, number], [number, number]];
  filter: [number, number, number];
  strides: [number, number, number];
  /** dy's shape, [B, Do, Ho, Wo, Co]. */
  out: [number, number, number, number, number];
}

/** Whether the SIMD kernels cover a filter of these channel counts (else the XNNPACK path does). */
export function directFilterGradientCovers(inChannels: number, outChannels: number): boolean {
  return inChannels === 1 || outChannels >= 4;
}

/** dW [kd, kh, kw, Ci, Co] from x [B, D, H, W, Ci] and dy [B, Do, Ho, Wo, Co]. */
export function directFilterGradient(backend: BackendWasm, simd: SimdKernels, x: TensorInfo, dy: TensorInfo, g: DirectFilterGradGeometry): TensorInfo {
  const padded = g.pads.some(([before, after]) => before + after > 0)
    ? runKernel(backend, 'PadV2', { x }, { paddings: [[0, 0], ...g.pads, [0, 0]], constantValue: 0 })
    : x;
  const [B, Dp, Hp, Wp, Ci] = padded.shape;
  const [kd, kh, kw] = g.filter;
  const [sd, sh, sw] = g.strides;
  const [, Do, Ho, Wo, Co] = g.out;
  const dw = makeFloat32(backend, [kd, kh, kw, Ci, Co]);
  heapFloat32(backend, dw).fill(0);
  const xAt = heapOffset(backend, padded);
  const dyAt = heapOffset(backend, dy);
  const dwAt = heapOffset(backend, dw);
  const xPlane = Hp * Wp * Ci * 4;
  const dyPlane = Ho * Wo * Co * 4;
  const dwPlane = kh * kw * Ci * Co * 4;
  // With depth stride 1 the slices a sample's outputs read at offset a are consecutive: one call covers them.
  const run = sd === 1 ? Do : 1;
  for (let b = 0; b < B; b++) {
    for (let o = 0; o < Do; o += run) {
      for (let a = 0; a < kd; a++) {
        const xp = xAt + (b * Dp + o * sd + a) * xPlane;
        const dp = dyAt + (b * Do + o) * dyPlane;
        if (Ci === 1) simd.filterGradC1(xp, dp, dwAt + a * dwPlane, run, Hp, Wp, Ho, Wo, Co, kh, kw, sh, sw);
        else simd.filterGrad(xp, dp, dwAt + a * dwPlane, run, Hp, Wp, Ci, Ho, Wo, Co, kh, kw, sh, sw);
      }
    }
  }
  if (padded !== x) free(backend, padded);
  return dw;
}

/** The same for a 2D convolution: x [B, H, W, Ci], dy [B, Ho, Wo, Co], dW [kh, kw, Ci, Co]. */
export function directFilterGradient2D(backend: BackendWasm, simd: SimdKernels, x: TensorInfo, dy: TensorInfo,
  g: { pads: [[number, number], [number, number]]; filter: [number, number]; strides: [number, number] }): TensorInfo {
  const [B, H, W, Ci] = x.shape;
  const [, Ho, Wo, Co] = dy.shape;
  const dw = directFilterGradient(backend, simd, view(x, [B, 1, H, W, Ci]), view(dy, [B, 1, Ho, Wo, Co]), {
    pads: [[0, 0], ...g.pads], filter: [1, ...g.filter], strides: [1, ...g.strides], out: [B, 1, Ho, Wo, Co],
  });
  return view(dw, [g.filter[0], g.filter[1], Ci, Co]);
}
