// Conv3D and Conv3DBackpropFilterV2 for the wasm backend, as one XNNPACK conv2d over the
// depth-unrolled input (depth-unroll.ts). tfjs 4.22's kernels give correct values but are scalar
// loops; these replace them only for what they are faster at (dilation 1, NDHWC), and hand anything
// else to the original kernel.

import { backend_util, Conv3D, Conv3DBackpropFilterV2 } from '@tensorflow/tfjs';
import type {
  Conv3DAttrs, Conv3DBackpropFilterV2Attrs, KernelConfig, KernelFunc, NamedAttrMap, TensorInfo,
} from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { conv2dFilterGradientOfTransposed } from './conv2d-backprop-filter';
import { conv2dExplicit } from './conv-helpers';
import { unrollDepth } from './depth-unroll';
import { assertDtype, free, runKernel, view, WASM } from './wasm-backend';
import { simdKernels } from './simd-module';
import { directFilterGradient, directFilterGradientCovers } from './direct-filter-grad';

type Shape5 = [number, number, number, number, number];

function isOne(v: number | number[]): boolean {
  return typeof v === 'number' ? v === 1 : v.every((d) => d === 1);
}

/** A Conv3D kernel; `original` runs what the unrolled form does not cover (dilated filters). */
export function makeConv3DConfig(original: KernelConfig | undefined): KernelConfig {
  const conv3d = (args: { inputs: { x: TensorInfo; filter: TensorInfo }; backend: BackendWasm; attrs: Conv3DAttrs }): TensorInfo | TensorInfo[] => {
    const { inputs: { x, filter }, backend, attrs } = args;
    if (!isOne(attrs.dilations)) {
      if (original === undefined) throw new Error('wasm Conv3D: dilations > 1 are not supported');
      return original.kernelFunc({ ...args, attrs: attrs as unknown as NamedAttrMap });
    }
    if (attrs.dataFormat !== 'NDHWC') {
      throw new Error(`wasm Conv3D supports dataFormat NDHWC only, got ${attrs.dataFormat}`);
    }
    assertDtype(x.dtype, 'float32');
    assertDtype(filter.dtype, 'float32');
    const info = backend_util.computeConv3DInfo(x.shape as Shape5, filter.shape as Shape5, attrs.strides, 1, attrs.pad);
    const [kd, kh, kw, ci, co] = filter.shape;
    const p = info.padInfo;

    const unrolled = unrollDepth(backend, x, {
      kernelDepth: kd, strideDepth: info.strideDepth, inputDilation: 1, padFront: p.front, outDepth: info.outDepth,
    }, 'nhwc');
    const filter2d = runKernel(backend, 'Transpose', { x: filter }, { perm: [1, 2, 0, 3, 4] });
    const out = conv2dExplicit(backend, unrolled, view(filter2d, [kh, kw, kd * ci, co]),
      [info.strideHeight, info.strideWidth], [1, 1], p);
    free(backend, unrolled, filter2d);
    return view(out, info.outShape);
  };
  return { kernelName: Conv3D, backendName: WASM, kernelFunc: conv3d as unknown as KernelFunc };
}

function conv3DBackpropFilterV2(args: {
  inputs: { x: TensorInfo; dy: TensorInfo };
  backend: BackendWasm;
  attrs: Conv3DBackpropFilterV2Attrs;
}): TensorInfo {
  const { inputs: { x, dy }, backend, attrs } = args;
  assertDtype(x.dtype, 'float32');
  assertDtype(dy.dtype, 'float32');
  const info = backend_util.computeConv3DInfo(x.shape as Shape5, attrs.filterShape, attrs.strides, 1, attrs.pad);
  if (info.outShape.join() !== dy.shape.join()) {
    throw new Error(`Conv3DBackpropFilterV2: dy [${dy.shape}] does not match the forward output [${info.outShape}]`);
  }
  const [kd, kh, kw, ci, co] = attrs.filterShape;
  const [B, od, oh, ow] = dy.shape;
  const p = info.padInfo;
  const simd = simdKernels();
  if (simd && directFilterGradientCovers(ci, co)) {
    return directFilterGradient(backend, simd, x, dy, {
      pads: [[p.front, p.back], [p.top, p.bottom], [p.left, p.right]], filter: [kd, kh, kw],
      strides: [info.strideDepth, info.strideHeight, info.strideWidth], out: dy.shape as Shape5,
    });
  }

  // dW[kd,kh,kw,ci,co] is the conv2d filter gradient of the unrolled input, viewed as [kh,kw,kd*ci,co].
  const unrolledT = unrollDepth(backend, x, {
    kernelDepth: kd, strideDepth: info.strideDepth, inputDilation: 1, padFront: p.front, outDepth: od,
  }, 'cnhw');
  const dw2d = conv2dFilterGradientOfTransposed(backend, unrolledT, view(dy, [B * od, oh, ow, co]), {
    strideHeight: info.strideHeight,
    strideWidth: info.strideWidth,
    filterHeight: kh,
    filterWidth: kw,
    pad: p,
  });
  free(backend, unrolledT);
  const dw = runKernel(backend, 'Transpose', { x: view(dw2d, [kh, kw, kd, ci, co]) }, { perm: [2, 0, 1, 3, 4] });
  free(backend, dw2d);
  return dw;
}

export const conv3DBackpropFilterV2Config: KernelConfig = {
  kernelName: Conv3DBackpropFilterV2,
  backendName: WASM,
  kernelFunc: conv3DBackpropFilterV2 as unknown as KernelFunc,
};
