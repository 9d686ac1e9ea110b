// The gradient of relu as one kernel on the wasm backend. tfjs computes it as dy * cast(step(x)): three
// kernel calls (Step, Cast, Multiply) and two passes over the activation per relu layer per step. The
// SIMD kernel reluGrad (simd-source.ts) does the same arithmetic in one pass. The gradient registered for
// Relu uses the kernel where the current backend has it, and tfjs's own formula everywhere else.

import { cast, engine, getKernel, mul, registerGradient, Relu, step, util } from '@tensorflow/tfjs';
import type { GradConfig, KernelConfig, KernelFunc, Tensor, TensorInfo } from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { simdKernels } from './simd-module';
import { assertDtype, heapOffset, makeFloat32, WASM } from './wasm-backend';

export const RELU_GRAD = 'DdcnnReluGrad';

function reluGradKernel(args: { inputs: { dy: TensorInfo; x: TensorInfo }; backend: BackendWasm }): TensorInfo {
  const { inputs: { dy, x }, backend } = args;
  const simd = simdKernels();
  if (!simd) throw new Error(`${RELU_GRAD}: the SIMD kernels are not prepared`);
  assertDtype(dy.dtype, 'float32');
  assertDtype(x.dtype, 'float32');
  if (dy.shape.join() !== x.shape.join()) throw new Error(`${RELU_GRAD}: dy [${dy.shape}] does not match x [${x.shape}]`);
  const out = makeFloat32(backend, x.shape);
  simd.reluGrad(heapOffset(backend, dy), heapOffset(backend, x), heapOffset(backend, out), util.sizeFromShape(x.shape));
  return out;
}

export const reluGradConfig: KernelConfig = {
  kernelName: RELU_GRAD,
  backendName: WASM,
  kernelFunc: reluGradKernel as unknown as KernelFunc,
};

/** Whether the current backend runs the one-pass kernel for these operands. */
function fused(dy: Tensor, x: Tensor): boolean {
  return dy.dtype === 'float32' && x.dtype === 'float32' && getKernel(RELU_GRAD, engine().backendName) !== undefined && simdKernels() !== undefined;
}

/** Relu's gradient: the one-pass kernel where the backend has it, else tfjs's own formula. */
export const reluGradient: GradConfig = {
  kernelName: Relu,
  inputsToSave: ['x'],
  gradFunc: (dy, saved) => {
    const [x] = saved;
    const g = dy as Tensor;
    return { x: () => (fused(g, x) ? engine().runKernel(RELU_GRAD, { dy: g, x }) as Tensor : mul(g, cast(step(x), 'float32'))) };
  },
};

export function registerReluGradient(): void {
  registerGradient(reluGradient);
}
