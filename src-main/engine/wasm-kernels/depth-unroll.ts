// Depth unrolling: turns a 3D convolution into one 2D convolution, which wasm runs through XNNPACK.
//
// A conv3d with a [kd,kh,kw,Ci,Co] filter equals a conv2d over the depth-unrolled input
//   U[b*Od + od, h, w, kd*Ci + ci] = x[b, od*sd + kd - padFront, h, w, ci]   (0 outside x)
// with the filter viewed as [kh,kw,kd*Ci,Co]. tfjs 4.22's own Conv3D and Conv3DBackpropFilterV2 are
// scalar C++ loops, several times slower than this (measured in test/engine/wasm-kernels.test.ts).
//
// U is written straight into the wasm heap, by the SIMD kernel spreadRuns (else a JavaScript loop). Composing wasm kernels was tried
// and is far slower: its GatherV2 copies element by element (~120 ms for a 3M-float U), and its
// Transpose of the rank-6 interleave is a generic strided loop (~300 ms in the 'cnhw' order).

import type { TensorInfo } from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { heapFloat32, heapOffset, makeFloat32 } from './wasm-backend';
import { simdKernels } from './simd-module';

export interface DepthUnrollGeometry {
  kernelDepth: number;
  strideDepth: number;
  /**
   * x is read as if s-1 zero slices sat between its slices: the input of a transposed convolution
   * (an input gradient) with forward depth stride s. 1 for a plain convolution.
   */
  inputDilation: number;
  padFront: number;
  outDepth: number;
}

/**
 * 'nhwc': U as above, [B*Od, H, W, kd*C], the input of a Conv2D.
 * 'cnhw': U transposed to [kd*C, H, W, B*Od], the layout conv2dFilterGradientOfTransposed wants.
 */
export type UnrollLayout = 'nhwc' | 'cnhw';

/** Depth slice of x read by each (od, kd), or -1 where it falls in padding or between dilated slices. */
function sourceSlices(depth: number, g: DepthUnrollGeometry): Int32Array {
  const map = new Int32Array(g.outDepth * g.kernelDepth);
  for (let o = 0; o < g.outDepth; o++) {
    for (let k = 0; k < g.kernelDepth; k++) {
      const z = o * g.strideDepth + k - g.padFront;
      const inside = z >= 0 && z % g.inputDilation === 0 && z / g.inputDilation < depth;
      map[o * g.kernelDepth + k] = inside ? z / g.inputDilation : -1;
    }
  }
  return map;
}

export function unrollDepth(backend: BackendWasm, x: TensorInfo, g: DepthUnrollGeometry, layout: UnrollLayout): TensorInfo {
  const [B, D, H, W, C] = x.shape;
  const { kernelDepth: KD, outDepth: OD } = g;
  const slices = sourceSlices(D, g);
  const out = makeFloat32(backend, layout === 'nhwc' ? [B * OD, H, W, KD * C] : [KD * C, H, W, B * OD]);
  // Views after the allocation, which may grow (and so detach) the heap.
  const src = heapFloat32(backend, x);
  const dst = heapFloat32(backend, out);
  const plane = H * W * C;
  const pixels = H * W;
  if (layout === 'nhwc') {
    // Output order (b, od, h, w, kd, c), filled one (b, od, kd) at a time: a run of C values per pixel read
    // from one source slice (or zeros), written KD*C apart; by the SIMD kernel where there is one.
    const simd = simdKernels();
    const step = KD * C;
    const srcAt = heapOffset(backend, x);
    const dstAt = heapOffset(backend, out);
    for (let b = 0; b < B; b++) {
      for (let o = 0; o < OD; o++) {
        const row = (b * OD + o) * pixels * step;
        for (let k = 0; k < KD; k++) {
          const z = slices[o * KD + k];
          const from = (b * D + Math.max(z, 0)) * plane;
          if (simd) {
            simd.spreadRuns(srcAt + 4 * from, dstAt + 4 * (row + k * C), pixels, C, step, z < 0 ? 1 : 0);
            continue;
          }
          let d = row + k * C;
          for (let p = 0; p < pixels; p++, d += step) for (let c = 0; c < C; c++) dst[d + c] = z < 0 ? 0 : src[from + p * C + c];
        }
      }
    }
  } else {
    // Output order (kd, c, h, w, b, od): sequential writes, strided reads.
    let at = 0;
    for (let k = 0; k < KD; k++) {
      for (let c = 0; c < C; c++) {
        for (let p = 0; p < pixels; p++) {
          for (let b = 0; b < B; b++) {
            for (let o = 0; o < OD; o++) {
              const z = slices[o * KD + k];
              dst[at++] = z < 0 ? 0 : src[(b * D + z) * plane + p * C + c];
            }
          }
        }
      }
    }
  }
  return out;
}
