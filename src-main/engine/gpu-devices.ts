// One GPU per trainer: how many GPUs the chosen backend can use, and what a trainer process is given
// to bind the GPU of its slot. tfjs-node-gpu binds through CUDA_VISIBLE_DEVICES at process start; the
// webgpu backend through Dawn's `adapter=<name>` option (DDCNN_WEBGPU_ADAPTER), with the names Dawn
// listed when the backend was probed (BackendInfo.gpus).
import { execFileSync } from 'node:child_process';
import type { BackendInfo } from './backend-info';
import { ADAPTER_ENV, adapterLabel } from './webgpu-backend';

/** CUDA devices nvidia-smi lists (at least 1: the backend found one). */
function countCudaDevices(): number {
  try {
    return Math.max(1, execFileSync('nvidia-smi', ['-L'], { encoding: 'utf8', timeout: 5000 }).trim().split('\n').length);
  } catch {
    return 1;
  }
}

/** GPUs the backend's trainers can spread over (0 when it runs on the CPU). */
export function countGpus(backend: BackendInfo): number {
  if (!backend.gpu) return 0;
  if (backend.name === 'webgpu') return Math.max(1, backend.gpus?.length ?? 1);
  return countCudaDevices();
}

/** Environment of the trainer in `slot` (0, 1, ...): the GPU it binds, round-robin over the GPUs. */
export function trainerDeviceEnv(backend: BackendInfo, slot: number): Record<string, string> {
  if (!backend.gpu) return {};
  if (backend.name === 'webgpu') {
    const names = backend.gpus ?? [];
    return names.length === 0 ? {} : { [ADAPTER_ENV]: names[slot % names.length] };
  }
  return { CUDA_VISIBLE_DEVICES: String(slot) };
}

/** The device a trainer computes on, for run.json: the adapter, the CUDA device, or the CPU. */
export function deviceLabel(backend: BackendInfo): string {
  if (backend.adapter) return `${adapterLabel(backend.adapter)}${backend.adapter.isFallback ? ', software' : ''}`;
  if (backend.name === 'node-gpu' && backend.gpu) return `CUDA device ${process.env.CUDA_VISIBLE_DEVICES ?? '0'}`;
  return 'CPU';
}
