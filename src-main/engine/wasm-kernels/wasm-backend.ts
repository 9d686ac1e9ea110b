// Small toolkit the kernel fixes share: call the wasm backend's own kernels directly, make zero-copy
// reshaped views, free intermediates, and read or write tensors in the wasm heap.
//
// Why call kernel functions directly instead of tf ops: a kernelFunc runs inside the engine, and
// nested tf ops would each go through the engine again (tape, profiling, Tensor objects, refcounts).
// The wasm backend's own kernels call one another the same way (e.g. Transpose calls Identity), and
// the functions we get from the kernel registry have already been set up by the backend.

import { getKernel, util } from '@tensorflow/tfjs';
import type { DataType, NamedAttrMap, NamedTensorInfoMap, TensorInfo } from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';

export const WASM = 'wasm';

/** Runs a registered wasm kernel on TensorInfos; the caller owns (and must free) the result. */
export function runKernel(
  backend: BackendWasm,
  kernelName: string,
  inputs: NamedTensorInfoMap,
  attrs: object = {},
): TensorInfo {
  const config = getKernel(kernelName, WASM);
  if (config === undefined) {
    throw new Error(`wasm kernel ${kernelName} is not registered; is the wasm backend loaded?`);
  }
  const out = config.kernelFunc({ inputs, backend, attrs: attrs as NamedAttrMap });
  if (Array.isArray(out)) {
    throw new Error(`wasm kernel ${kernelName} returned ${out.length} outputs where one was expected`);
  }
  return out;
}

/**
 * The same data seen with another shape. No copy and no refcount: a view must never be freed
 * itself, only the tensor it was made from.
 */
export function view(info: TensorInfo, shape: number[]): TensorInfo {
  if (util.sizeFromShape(shape) !== util.sizeFromShape(info.shape)) {
    throw new Error(`cannot view shape [${info.shape}] as [${shape}]`);
  }
  return { dataId: info.dataId, shape, dtype: info.dtype };
}

/** Frees intermediates created by runKernel inside a kernel. */
export function free(backend: BackendWasm, ...infos: TensorInfo[]): void {
  for (const info of infos) backend.disposeData(info.dataId);
}

/** A fresh float32 tensor in the wasm heap, for kernels written in JavaScript. */
export function makeFloat32(backend: BackendWasm, shape: number[]): TensorInfo {
  return backend.makeOutput(shape, 'float32');
}

/**
 * A Float32Array over a tensor's bytes in the wasm heap. Take it only after all allocations of the
 * kernel are done: heap growth replaces the memory buffer and detaches earlier views.
 */
export function heapFloat32(backend: BackendWasm, info: TensorInfo): Float32Array {
  assertDtype(info.dtype, 'float32');
  return backend.typedArrayFromHeap(info) as Float32Array;
}

/** The byte offset of a tensor's data in the wasm heap: what the SIMD kernels take as a pointer. */
export function heapOffset(backend: BackendWasm, info: TensorInfo): number {
  return backend.dataIdMap.get(info.dataId)!.memoryOffset;
}

export function assertDtype(dtype: DataType, expected: DataType): void {
  if (dtype !== expected) throw new Error(`expected a ${expected} tensor, got ${dtype}`);
}
