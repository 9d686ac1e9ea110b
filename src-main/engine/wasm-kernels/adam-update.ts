// The kernel behind engine/adam.ts's fused step on the wasm backend: one Adam update of one variable
// by the SIMD kernel `adam` (simd-source.ts). Inputs: the variable's value, its gradient and its two
// moments; outputs: the new value and moments, in new buffers (a clone may share the old ones).

import type { KernelConfig, KernelFunc, NamedAttrMap, TensorInfo } from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { simdKernels } from './simd-module';
import { assertDtype, heapOffset, makeFloat32, WASM } from './wasm-backend';

export const ADAM_UPDATE = 'DdcnnAdamUpdate';

export interface AdamUpdateAttrs {
  beta1: number;
  beta2: number;
  /** 1 - beta1^t and 1 - beta2^t: the bias corrections of step t. */
  correction1: number;
  correction2: number;
  learningRate: number;
  epsilon: number;
}

function adamUpdate(args: { inputs: { value: TensorInfo; gradient: TensorInfo; m: TensorInfo; v: TensorInfo }; backend: BackendWasm; attrs: NamedAttrMap }): TensorInfo[] {
  const { inputs: { value, gradient, m, v }, backend } = args;
  const a = args.attrs as unknown as AdamUpdateAttrs;
  const simd = simdKernels();
  if (!simd) throw new Error(`${ADAM_UPDATE}: the SIMD kernels are not prepared`);
  for (const t of [value, gradient, m, v]) {
    assertDtype(t.dtype, 'float32');
    if (t.shape.join() !== value.shape.join()) throw new Error(`${ADAM_UPDATE}: [${t.shape}] does not match the variable's [${value.shape}]`);
  }
  const outs = [makeFloat32(backend, value.shape), makeFloat32(backend, value.shape), makeFloat32(backend, value.shape)];
  const n = outs[0].shape.reduce((p, q) => p * q, 1);
  const [w2, m2, v2] = outs.map((o) => heapOffset(backend, o));
  simd.adam(heapOffset(backend, value), heapOffset(backend, gradient), heapOffset(backend, m), heapOffset(backend, v), w2, m2, v2, n,
    a.beta1, a.beta2, 1 - a.beta1, 1 - a.beta2, a.correction1, a.correction2, a.learningRate, a.epsilon);
  return outs;
}

export const adamUpdateConfig: KernelConfig = {
  kernelName: ADAM_UPDATE,
  backendName: WASM,
  kernelFunc: adamUpdate as unknown as KernelFunc,
};
