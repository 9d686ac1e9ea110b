// The webgpu backend's set-up and its guards, on the real adapter of this machine (a GPU, or Mesa's
// lavapipe where there is none): a hardware adapter only unless forced, the fallback when Dawn finds no
// adapter at all, a batch too large for the device refused with the largest that fits, and device
// errors caught instead of silently wrong results.
import { execFileSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { findAdapter } from '../helpers/webgpu';
import { initBackend, describeBackend } from '../../src-main/engine/backend';
import { architecture, modelCost } from '../../src-main/engine/architecture';
import { guardDevice } from '../../src-main/engine/device-limits';
import { ADAPTER_ENV, listAdapters, watchDeviceErrors, webgpuDevice } from '../../src-main/engine/webgpu-backend';
import { countGpus, trainerDeviceEnv } from '../../src-main/engine/gpu-devices';
import type { BackendInfo } from '../../src-main/engine/backend-info';

const found = await findAdapter();

/** Runs `code` (an ES module body that may import the project's .ts files) in a fresh Node process with `env`. */
function inChild(code: string, env: Record<string, string>): string {
  const tsx = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;
  return execFileSync(process.execPath, ['--import', tsx, '--input-type=module', '-e', code], {
    env: { ...process.env, ...env },
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
    timeout: 60_000,
  });
}

describe('one GPU per trainer', () => {
  const base = { tfBackend: 'webgpu', versions: {}, skipped: [] };
  it('gives trainer slots the hardware adapters Dawn listed, round-robin, and a CPU backend no device', () => {
    const twoGpus: BackendInfo = { ...base, name: 'webgpu', gpu: true, gpus: ['Radeon RX 7900 XTX', 'GeForce RTX 4090'] };
    expect(countGpus(twoGpus)).toBe(2);
    expect([0, 1, 2].map((slot) => trainerDeviceEnv(twoGpus, slot))).toEqual([
      { [ADAPTER_ENV]: 'Radeon RX 7900 XTX' }, { [ADAPTER_ENV]: 'GeForce RTX 4090' }, { [ADAPTER_ENV]: 'Radeon RX 7900 XTX' },
    ]);
    const software: BackendInfo = { ...base, name: 'webgpu', gpu: false };
    expect(countGpus(software)).toBe(0);
    expect(trainerDeviceEnv(software, 1)).toEqual({});
    const cuda: BackendInfo = { ...base, name: 'node-gpu', tfBackend: 'tensorflow', gpu: true };
    expect(trainerDeviceEnv(cuda, 3)).toEqual({ CUDA_VISIBLE_DEVICES: '3' });
  });
});

describe.skipIf(process.platform !== 'linux')('without any WebGPU adapter (the Vulkan loader finds no driver)', () => {
  // VK_ICD_FILENAMES / VK_DRIVER_FILES replace the loader's driver list: pointing them at a file that
  // does not exist leaves Dawn with no Vulkan device, as on a machine without a GPU driver.
  const noDriver = { VK_ICD_FILENAMES: '/nonexistent/icd.json', VK_DRIVER_FILES: '/nonexistent/icd.json', DDCNN_BACKEND: '' };
  const backend = pathToFileURL(`${process.cwd()}/src-main/engine/backend.ts`).href;

  it('falls back to wasm, saying that webgpu found no adapter, and a forced webgpu fails with that reason', () => {
    const out = inChild(
      `import { initBackend } from '${backend}';
       const info = await initBackend();
       let forced;
       try { await initBackend({ force: 'webgpu' }); forced = 'loaded'; } catch (e) { forced = e.message; }
       console.log(JSON.stringify({ name: info.name, skipped: info.skipped, forced }));`,
      noDriver,
    );
    const result = JSON.parse(out.trim().split('\n').at(-1)!);
    expect(result.name).toBe('wasm');
    expect(result.skipped.find((s: { backend: string }) => s.backend === 'webgpu').reason).toBe('no WebGPU adapter found (Dawn found no usable Vulkan device)');
    expect(result.forced).toBe('Backend webgpu failed to load: no WebGPU adapter found (Dawn found no usable Vulkan device)');
  });
});

describe.skipIf(found.skip !== undefined)(`on this machine's WebGPU adapter ${found.skip ?? ''}`, () => {
  it.skipIf(!found.adapter?.isFallback)('skips a software adapter unless webgpu is forced, and then records it with its limits', async () => {
    const auto = await initBackend();
    expect(auto.name).not.toBe('webgpu');
    expect(auto.skipped.find((s) => s.backend === 'webgpu')?.reason).toMatch(/^only a software adapter: .*slower than wasm/);
    const forced = await initBackend({ force: 'webgpu' });
    expect(forced).toMatchObject({ name: 'webgpu', tfBackend: 'webgpu', gpu: false, adapter: { isFallback: true } });
    expect(forced.adapter!.limits.maxStorageBufferBindingSize).toBeGreaterThan(0);
    expect(describeBackend(forced)).toMatch(/^backend: webgpu \(adapter: .*, software; max storage buffer binding \d+ MiB, max buffer \d+ MiB; forced/);
  });

  it('binds the adapter named by DDCNN_WEBGPU_ADAPTER in a trainer process, and names the adapters there are for one Dawn lacks', async () => {
    const listed = await listAdapters();
    expect(listed.length).toBeGreaterThan(0);
    const backend = pathToFileURL(`${process.cwd()}/src-main/engine/backend.ts`).href;
    const code = `import { initBackend } from '${backend}';
      try { console.log(JSON.stringify((await initBackend({ force: 'webgpu' })).adapter)); } catch (e) { console.log(JSON.stringify({ error: e.message })); }`;
    const run = (name: string) => JSON.parse(inChild(code, { [ADAPTER_ENV]: name }).trim().split('\n').at(-1)!);
    expect(run(listed[0].device).description).toBe(listed[0].description);
    expect(run('no such GPU').error).toBe(`Backend webgpu failed to load: no WebGPU adapter named 'no such GPU' (${ADAPTER_ENV}); Dawn lists ${listed.map((a) => `'${a.device}'`).join(', ')}`);
  });

  it('refuses a batch whose largest activation is over the storage-buffer binding limit, naming the largest batch that fits', async () => {
    const info = await initBackend({ force: 'webgpu' });
    // A 3D VGG on 64^3 voxels with 8 filters: its largest tensor is the first convolution's output
    // ('same' padding, full resolution), 64^3 x 8 float32 values = 8 MiB per sample.
    const arch = architecture({ family: 'vgg', spatialShape: [64, 64, 64], channels: 1, classes: 2, width: 8 });
    const limit = Math.min(info.adapter!.limits.maxStorageBufferBindingSize, info.adapter!.limits.maxBufferSize);
    const fits = Math.floor(limit / (64 ** 3 * 8 * 4));
    expect(fits).toBeGreaterThan(0);
    expect(() => guardDevice(info, modelCost(arch), fits + 1)).toThrow(
      new RegExp(`^batch ${fits + 1} is too large for .*the largest batch that fits is ${fits} \\(--batch ${fits}\\)$`),
    );
    expect(guardDevice(info, modelCost(arch), fits).predictBatch).toBe(Math.min(256, fits));
  });

  it('turns a tensor over the binding limit, which reads back silently wrong, into a clear device error', async () => {
    const info = await initBackend({ force: 'webgpu' });
    const guard = watchDeviceErrors(webgpuDevice()!);
    const n = info.adapter!.limits.maxStorageBufferBindingSize / 4 + 1024;
    const x = tf.fill([n], 1);
    const y = tf.add(x, x);
    const values = await y.data();
    tf.dispose([x, y]);
    expect(values[0]).not.toBe(2); // what the guard exists for: nothing else says the result is wrong
    await expect(guard.check()).rejects.toThrow(/^WebGPU validation error: Binding size \(\d+\) .* is larger than the maximum storage buffer binding size/);
    await expect(guard.failed).rejects.toThrow(/results computed after it would be wrong/);
  });
});
