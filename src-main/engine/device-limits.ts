// What a GPU device allows a training step, checked before training instead of found out afterwards:
// WebGPU binds every tensor as one storage buffer, and a tensor over the device's
// maxStorageBufferBindingSize gives silently wrong results (only an asynchronous device error says
// so). A step's largest tensor is the batch times the largest layer output of one sample (or the
// largest weight tensor), estimated from the architecture spec without TensorFlow.
import type { AdapterFacts, BackendInfo } from './backend-info';
import { modelCost, type Architecture, type ModelCost } from './architecture';
import { adapterLabel, watchDeviceErrors, webgpuDevice } from './webgpu-backend';

const BYTES_PER_VALUE = 4; // float32

/** The largest batch whose step tensors each fit into one storage buffer binding (0: not even one sample). */
export function largestFittingBatch(cost: Pick<ModelCost, 'largestActivation' | 'largestWeight'>, adapter: AdapterFacts): number {
  const limit = Math.min(adapter.limits.maxStorageBufferBindingSize, adapter.limits.maxBufferSize);
  if (cost.largestWeight * BYTES_PER_VALUE > limit) return 0;
  return Math.floor(limit / (cost.largestActivation * BYTES_PER_VALUE));
}

const mib = (bytes: number) => `${(bytes / 2 ** 20).toFixed(1)} MiB`;

/**
 * Throws, with the largest batch that fits, when a training step of `batch` samples has a tensor too
 * large for the adapter; returns the largest fitting batch otherwise.
 */
export function checkBatchFits(cost: Pick<ModelCost, 'largestActivation' | 'largestWeight'>, batch: number, adapter: AdapterFacts): number {
  const fits = largestFittingBatch(cost, adapter);
  const limit = Math.min(adapter.limits.maxStorageBufferBindingSize, adapter.limits.maxBufferSize);
  const device = `${adapterLabel(adapter)}, whose largest storage buffer binding is ${mib(limit)}`;
  if (fits === 0) {
    const needs = Math.max(cost.largestWeight, cost.largestActivation) * BYTES_PER_VALUE;
    throw new Error(`the model is too large for ${device}: one of its tensors needs ${mib(needs)} even for a single sample (use a smaller --width or --shape)`);
  }
  if (batch > fits) {
    const needs = batch * cost.largestActivation * BYTES_PER_VALUE;
    throw new Error(`batch ${batch} is too large for ${device}: the largest activation of a step needs ${mib(needs)}; the largest batch that fits is ${fits} (--batch ${fits})`);
  }
  return fits;
}

/**
 * Checks every model of a run against the backend's device before any trainer starts (a no-op on
 * backends without a WebGPU adapter): throws, naming the model, when its batch does not fit.
 */
export function checkRunFits(backend: BackendInfo, models: Record<string, { arch?: Architecture }>, batchOf: (model: string) => number, nTrain: number): void {
  if (backend.adapter === undefined) return;
  for (const [name, m] of Object.entries(models)) {
    if (m.arch === undefined) continue; // the coarse model: a few hundred numbers per sample
    try {
      checkBatchFits(modelCost(m.arch), Math.min(batchOf(name), nTrain), backend.adapter);
    } catch (err) {
      throw new Error(`${name}: ${(err as Error).message}`);
    }
  }
}

/** What a trainer needs from its device: the predictions' batch, and the device's asynchronous errors. */
export interface DeviceGuard {
  /** Batch for predictions (at most 256, and at most what the device holds). */
  predictBatch: number;
  /** Rejects with the first device error (never resolves on other backends). */
  failed: Promise<never>;
  /** Waits for the queued GPU work and throws the first device error, if any (no-op elsewhere). */
  check: () => Promise<void>;
}

const PREDICT_BATCH = 256;

/**
 * Checks a training step of `batch` samples against the device of `backend` (only webgpu has limits
 * to check) and starts watching the device's errors.
 */
export function guardDevice(backend: BackendInfo, cost: Pick<ModelCost, 'largestActivation' | 'largestWeight'>, batch: number): DeviceGuard {
  const device = webgpuDevice();
  if (backend.adapter === undefined || device === undefined) {
    return { predictBatch: PREDICT_BATCH, failed: new Promise<never>(() => {}), check: async () => {} };
  }
  const fits = checkBatchFits(cost, batch, backend.adapter);
  return { predictBatch: Math.min(PREDICT_BATCH, fits), ...watchDeviceErrors(device) };
}
