// The max-pooling gradient, written in JavaScript over the wasm heap.
//
// Why not wasm's kernels: tfjs 4.22's MaxPoolGrad / MaxPool3DGrad start each window's running max at
// std::numeric_limits<float>::min() (the smallest *positive* float), so in windows whose inputs are
// all <= 0 no position wins and the gradient is lost (or lands on element 0 of the tensor). No
// composition of other wasm kernels reproduces "route dy to the first (2D) / last (3D) maximum" with
// overlapping windows and ties, and this loop costs a few milliseconds on a 64x28x28x16 batch, less
// than the C++ kernel it replaces. Where no window is clipped (the usual 'valid' pooling) the SIMD
// kernel of simd-source.ts does the same from the tables below, about four times faster.

/** Geometry of a channel-last 3D pooling; 2D pooling is depth 1 with a depth-1 window. */
export interface PoolGeometry {
  batch: number;
  channels: number;
  inDepth: number;
  inHeight: number;
  inWidth: number;
  outDepth: number;
  outHeight: number;
  outWidth: number;
  strideDepth: number;
  strideHeight: number;
  strideWidth: number;
  filterDepth: number;
  filterHeight: number;
  filterWidth: number;
  padFront: number;
  padTop: number;
  padLeft: number;
}

/**
 * Which maximum receives the gradient when a window holds equal maxima, in window order
 * (depth, row, column). tfjs's cpu backend, our reference, takes the first for 2D pooling and the
 * last for 3D pooling; we follow it so both backends train identically.
 */
export type TieBreak = 'first' | 'last';

/**
 * dx (zeroed here) receives, for every output element, its dy at the input position holding the
 * window's maximum. Positions in the padding are never chosen; a window without finite inputs
 * (all -Infinity or NaN) passes no gradient, as on the cpu backend.
 */
export function scatterToWindowMax(
  x: Float32Array,
  dy: Float32Array,
  dx: Float32Array,
  g: PoolGeometry,
  tieBreak: TieBreak,
): void {
  // Geometry in locals, running maxima in typed arrays indexed by channel: this is the hot path
  // (several million window reads per training step), and V8 keeps all of it in registers.
  const C = g.channels;
  const { inDepth, inHeight, inWidth, outDepth, outHeight, outWidth } = g;
  const { strideDepth, strideHeight, strideWidth, filterDepth, filterHeight, filterWidth } = g;
  const rowStride = inWidth * C;
  const best = new Float32Array(C);
  const bestAt = new Int32Array(C);
  const last = tieBreak === 'last';
  dx.fill(0);

  let outOffset = 0;
  for (let b = 0; b < g.batch; b++) {
    for (let od = 0; od < outDepth; od++) {
      const d0 = od * strideDepth - g.padFront;
      const dMin = Math.max(0, d0);
      const dMax = Math.min(inDepth, d0 + filterDepth);
      for (let oh = 0; oh < outHeight; oh++) {
        const h0 = oh * strideHeight - g.padTop;
        const hMin = Math.max(0, h0);
        const hMax = Math.min(inHeight, h0 + filterHeight);
        for (let ow = 0; ow < outWidth; ow++, outOffset += C) {
          const w0 = ow * strideWidth - g.padLeft;
          const wMin = Math.max(0, w0);
          const wMax = Math.min(inWidth, w0 + filterWidth);
          // A plain loop: TypedArray.fill is a builtin call, too costly once per window.
          for (let c = 0; c < C; c++) {
            best[c] = -Infinity;
            bestAt[c] = -1;
          }
          for (let d = dMin; d < dMax; d++) {
            const plane = (b * inDepth + d) * inHeight;
            for (let h = hMin; h < hMax; h++) {
              const rowEnd = (plane + h) * rowStride + wMax * C;
              // One loop per tie rule, so that the comparison is not re-decided per element.
              if (last) {
                for (let at = (plane + h) * rowStride + wMin * C, c = 0; at < rowEnd; at++) {
                  const v = x[at];
                  if (v >= best[c]) {
                    best[c] = v;
                    bestAt[c] = at;
                  }
                  if (++c === C) c = 0;
                }
              } else {
                for (let at = (plane + h) * rowStride + wMin * C, c = 0; at < rowEnd; at++) {
                  const v = x[at];
                  if (v > best[c]) {
                    best[c] = v;
                    bestAt[c] = at;
                  }
                  if (++c === C) c = 0;
                }
              }
            }
          }
          for (let c = 0; c < C; c++) {
            const at = bestAt[c];
            if (at >= 0) dx[at] += dy[outOffset + c];
          }
        }
      }
    }
  }
}

/** Whether every window lies wholly inside the input (no padding reached): the usual 'valid' pooling. */
export function windowsInside(g: PoolGeometry): boolean {
  return g.padFront === 0 && g.padTop === 0 && g.padLeft === 0 &&
    (g.outDepth - 1) * g.strideDepth + g.filterDepth <= g.inDepth &&
    (g.outHeight - 1) * g.strideHeight + g.filterHeight <= g.inHeight &&
    (g.outWidth - 1) * g.strideWidth + g.filterWidth <= g.inWidth;
}

/**
 * For windows inside the input: the element offset of every window's first element (channel 0),
 * windows in output order, and the offsets of a window's elements from its first, in window order
 * (depth, row, column). Together they address every element a window reads.
 */
export function windowTables(g: PoolGeometry): { origins: Int32Array; offsets: Int32Array } {
  const C = g.channels;
  const rowStride = g.inWidth * C;
  const planeStride = g.inHeight * rowStride;
  const offsets = new Int32Array(g.filterDepth * g.filterHeight * g.filterWidth);
  let k = 0;
  for (let d = 0; d < g.filterDepth; d++) {
    for (let h = 0; h < g.filterHeight; h++) {
      for (let w = 0; w < g.filterWidth; w++) offsets[k++] = d * planeStride + h * rowStride + w * C;
    }
  }
  const origins = new Int32Array(g.batch * g.outDepth * g.outHeight * g.outWidth);
  let i = 0;
  for (let b = 0; b < g.batch; b++) {
    for (let od = 0; od < g.outDepth; od++) {
      for (let oh = 0; oh < g.outHeight; oh++) {
        for (let ow = 0; ow < g.outWidth; ow++) {
          origins[i++] = (b * g.inDepth + od * g.strideDepth) * planeStride + oh * g.strideHeight * rowStride + ow * g.strideWidth * C;
        }
      }
    }
  }
  return { origins, offsets };
}
