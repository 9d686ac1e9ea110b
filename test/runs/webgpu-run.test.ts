// A whole CNN-DNN run with the trainers on webgpu (here Mesa's lavapipe where no GPU is present),
// against the same run on wasm: same seed, same split, same initial weights, so the two may differ
// only by float32 rounding in their kernels. And a run whose batch the device cannot hold is refused.
//
// Tolerances: the split, the initial weights (seeded JS random numbers) and the shuffles are identical,
// and one kernel's rounding differs by about 1e-7 relative (the gradient checks measure <= 3e-6);
// after the run's 14 Adam steps per model the test probabilities were measured to differ by < 1e-6.
// 1e-3 leaves a thousandfold margin for that rounding to grow, while a wrong kernel (a misrouted
// gradient, as in wasm's Conv3DBackpropInput) moves probabilities by tenths. Accuracies may differ by 0.02
// (a test digit or so): a digit whose two best classes are within 2e-3 can flip.
import fs from 'node:fs';
import path from 'node:path';
import { zipSync } from 'fflate';
import { dump } from 'npyjs';
import { describe, expect, it } from 'vitest';
import { loadDataset } from '../../src-main/data/load';
import { executeRun } from '../../src-main/runs/execute-run';
import { forkLauncher } from '../../src-main/runs/launcher';
import { readRunRecord } from '../../src-main/runs/run-record';
import { readF32, runLayout } from '../../src-main/runs/layout';
import { readEval } from '../../src-main/runs/summary';
import { createSmallRun, tempWorkspace } from '../helpers/runs';
import type { RunEvent } from '../../src-main/runs/execute-run';
import { findAdapter } from '../helpers/webgpu';

const found = await findAdapter();

/** Kept small: lavapipe trains 6-8x slower than wasm. */
const tiny = { global: false, limit: 200, limitTest: 100, epochs: 2, width: 4, learningRate: 1e-2 };

/**
 * 400 real MNIST digits as a flat .npz: its seeded split gives a validation split of tens of digits, where
 * MNIST's own carves 6,000 from the training set whatever the limit (each epoch predicts all of them, the
 * bulk of a small run's time on lavapipe).
 */
async function mnistSubset(ws: string): Promise<string> {
  const train = (await loadDataset('mnist')).splits.train!;
  const n = 400;
  const images = Uint8Array.from(train.x.subarray(0, n * 784), (v) => Math.round(v * 255));
  const file = path.join(ws, 'mnist-400.npz');
  const npy = (values: Uint8Array, shape: number[]) => new Uint8Array(dump(values as Parameters<typeof dump>[0], shape, { dtype: 'u1' }));
  fs.writeFileSync(file, zipSync({ 'images.npy': npy(images, [n, 28, 28]), 'labels.npy': npy(Uint8Array.from(train.y.subarray(0, n)), [n]) }));
  return file;
}

async function trainOn(backend: string, ws: string, data: string) {
  const runDir = await createSmallRun(ws, { ...tiny, data, backend });
  const rec = await executeRun(runDir, { launcher: forkLauncher, workers: 2 }).done;
  expect(rec.status, rec.error).toBe('completed');
  const L = runLayout(runDir);
  const probs = (model: string) => readF32(L.probs(model, 'test'));
  return { rec: readRunRecord(runDir), ev: readEval(runDir), probs };
}

describe.skipIf(found.skip !== undefined)(`a CNN-DNN run on webgpu ${found.skip ?? ''}`, () => {
  it('trains a 2x2 MNIST CNN-DNN to the same test accuracies and probabilities as wasm with the same seed', async () => {
    const ws = tempWorkspace();
    const data = await mnistSubset(ws);
    const wasm = await trainOn('wasm', ws, data);
    const webgpu = await trainOn('webgpu', ws, data);
    expect(webgpu.rec.backend).toMatchObject({ name: 'webgpu', adapter: { device: found.adapter!.device } });
    const models = ['local-0', 'local-1', 'local-2', 'local-3', 'coarse'];
    const rows = models.map((m) => {
      const a = wasm.probs(m);
      const b = webgpu.probs(m);
      let maxDiff = 0;
      for (let i = 0; i < a.length; i++) maxDiff = Math.max(maxDiff, Math.abs(a[i] - b[i]));
      return { model: m, wasm: wasm.ev.models[m === 'coarse' ? 'cnnDnn' : m].accuracy, webgpu: webgpu.ev.models[m === 'coarse' ? 'cnnDnn' : m].accuracy, maxDiff };
    });
    console.log(['| model | test accuracy wasm | test accuracy webgpu | max abs difference of test probabilities |', '|---|---|---|---|',
      ...rows.map((r) => `| ${r.model === 'coarse' ? 'CNN-DNN (coarse)' : r.model} | ${r.wasm.toFixed(3)} | ${r.webgpu.toFixed(3)} | ${r.maxDiff.toExponential(2)} |`)].join('\n'));
    for (const r of rows) {
      expect(r.maxDiff, r.model).toBeLessThanOrEqual(1e-3);
      expect(Math.abs(r.webgpu - r.wasm), r.model).toBeLessThanOrEqual(0.02);
    }
  }, 300_000);

  it('refuses a run whose batch the device cannot hold before any trainer starts, naming the model and the largest batch that fits', async () => {
    const adapter = found.adapter!;
    const limit = Math.min(adapter.limits.maxStorageBufferBindingSize, adapter.limits.maxBufferSize);
    // The global model (VGG, 'same' padding) has its largest tensor at its first convolution: 28 x 28 x
    // width float32 values per digit. The width is chosen so that about 2000 digits fill the limit
    // (22 on a 128 MiB binding), so that the training set can be larger than the batch that fits.
    const width = Math.ceil(limit / (28 * 28 * 4 * 2000));
    const fits = Math.floor(limit / (28 * 28 * width * 4));
    const ws = tempWorkspace();
    const runDir = await createSmallRun(ws, { backend: 'webgpu', global: true, width, limit: fits + 100, batch: fits + 1 });
    const events: RunEvent[] = [];
    const rec = await executeRun(runDir, { launcher: forkLauncher, workers: 2, onEvent: (e) => events.push(e) }).done;
    expect(rec.status).toBe('failed');
    expect(rec.error).toMatch(new RegExp(`^global: batch ${fits + 1} is too large for .*the largest batch that fits is ${fits} \\(--batch ${fits}\\)$`));
    expect(events.filter((e) => e.type === 'launch')).toEqual([]);
  });
});
