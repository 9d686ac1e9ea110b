// FusedConv2D (a conv layer's forward pass: convolution, bias, relu) for the wasm backend, where the input
// has one channel and the filter is 3x3 (every model's first layer): the SIMD kernel convC1Taps3x3 on the
// input padded as the convolution pads it. XNNPACK, which tfjs 4.22 calls for every convolution, ran this
// layer at 2.5-3.5 GMAC/s, against 6-9 for the later layers. Anything else goes to the package's kernel.

import { backend_util, FusedConv2D } from '@tensorflow/tfjs';
import type { FusedConv2DAttrs, KernelConfig, KernelFunc, NamedAttrMap, TensorInfo } from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { free, heapOffset, makeFloat32, runKernel, WASM } from './wasm-backend';
import { simdKernels } from './simd-module';

interface FusedInputs {
  x: TensorInfo;
  filter: TensorInfo;
  bias?: TensorInfo;
  preluActivationWeights?: TensorInfo;
}

/** Whether the SIMD kernel computes this convolution: one input channel, 3x3, no dilation, bias and relu at most. */
function covered(inputs: FusedInputs, attrs: FusedConv2DAttrs): boolean {
  const { x, filter, bias, preluActivationWeights } = inputs;
  const [kh, kw, ci, co] = filter.shape;
  const dilations = typeof attrs.dilations === 'number' ? [attrs.dilations, attrs.dilations] : attrs.dilations ?? [1, 1];
  return x.shape.length === 4 && ci === 1 && kh === 3 && kw === 3 && co >= 4 && x.dtype === 'float32' && filter.dtype === 'float32' &&
    attrs.dataFormat === 'NHWC' && dilations.every((d) => d === 1) && preluActivationWeights === undefined &&
    (attrs.activation === 'linear' || attrs.activation === 'relu') &&
    (bias === undefined || (bias.shape.length === 1 && bias.shape[0] === co && bias.dtype === 'float32'));
}

export function makeFusedConv2DConfig(original: KernelConfig | undefined): KernelConfig {
  const fusedConv2d = (args: { inputs: FusedInputs; backend: BackendWasm; attrs: NamedAttrMap }): TensorInfo | TensorInfo[] => {
    const { inputs, backend } = args;
    const attrs = args.attrs as unknown as FusedConv2DAttrs;
    const simd = simdKernels();
    if (!simd || !covered(inputs, attrs)) {
      if (original === undefined) throw new Error('wasm FusedConv2D: the package kernel is not registered');
      return original.kernelFunc(args as never);
    }
    const { x, filter, bias } = inputs;
    const info = backend_util.computeConv2DInfo(x.shape as [number, number, number, number], filter.shape as [number, number, number, number],
      attrs.strides, 1, attrs.pad, attrs.dimRoundingMode, false, 'channelsLast');
    const p = info.padInfo;
    const padded = p.top + p.bottom + p.left + p.right > 0
      ? runKernel(backend, 'PadV2', { x }, { paddings: [[0, 0], [p.top, p.bottom], [p.left, p.right], [0, 0]], constantValue: 0 })
      : x;
    const [B, Hp, Wp] = padded.shape;
    const out = makeFloat32(backend, info.outShape);
    simd.convC1Taps3x3(heapOffset(backend, padded), heapOffset(backend, filter), bias ? heapOffset(backend, bias) : 0, heapOffset(backend, out),
      B, Hp, Wp, info.outHeight, info.outWidth, info.outChannels, info.strideHeight, info.strideWidth,
      attrs.activation === 'relu' ? 0 : -Infinity);
    if (padded !== x) free(backend, padded);
    return out;
  };
  return { kernelName: FusedConv2D, backendName: WASM, kernelFunc: fusedConv2d as unknown as KernelFunc };
}
