// Gradient checks of every kernel the project registers for the wasm backend, against tfjs's pure-JS
// cpu backend, plus proof that the package's own kernels are missing, wrong or slow where we say so.
// The error measure and its tolerance are explained in ../helpers/gradcheck.ts.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { relativeError, seeded, TOLERANCE } from '../helpers/gradcheck';
import { describeBackend, initBackend } from '../../src-main/engine/backend';
import { registerWasmKernelFixes, unregisterWasmKernelFixes } from '../../src-main/engine/wasm-kernels';
import { leadingAxes } from '../../src-main/engine/wasm-kernels/sum-leading-axes';
import { simdKernels, withoutSimdKernels } from '../../src-main/engine/wasm-kernels/simd-module';
import { conv2dFilterGradient } from '../../src-main/engine/wasm-kernels/conv2d-backprop-filter';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';

/** Seeded values of a shape, identical on both backends. */
function rand(shape: number[], seed: number, shift = 0): tf.Tensor {
  return tf.tensor(seeded(shape.reduce((a, b) => a * b, 1), seed, shift), shape);
}

/** Runs f on one backend and returns its result's values. */
async function on(backend: string, f: () => tf.Tensor): Promise<Float32Array> {
  await tf.setBackend(backend);
  const t = tf.tidy(f);
  const values = (await t.data()) as Float32Array;
  t.dispose();
  return values;
}

async function wasmVsCpu(f: () => tf.Tensor): Promise<number> {
  return relativeError(await on('wasm', f), await on('cpu', f));
}

/** Same computation with the package's own wasm kernels in place of ours. */
async function withOriginalKernels<T>(f: () => Promise<T>): Promise<T> {
  unregisterWasmKernelFixes();
  try {
    return await f();
  } finally {
    registerWasmKernelFixes();
  }
}

/** tf.grad typed for rank-specific tensors (tf.grad's own signature takes the generic Tensor only). */
function grad<T extends tf.Tensor>(f: (x: T) => tf.Tensor): (x: T) => tf.Tensor {
  return (x) => tf.grad((v: tf.Tensor) => f(v as T))(x);
}

/** A scalar loss that weights every output differently, so a misrouted gradient cannot hide. */
function weightedSum(y: tf.Tensor, seed: number): tf.Scalar {
  return tf.sum(tf.mul(y, rand(y.shape, seed)));
}

/**
 * Milliseconds of the fastest of `calls` single calls of f on the current backend, after one warm-up call;
 * with readBack, each call's result is read back (wasm kernels are done when they return, so without it
 * the copy out is left out). The fastest call is the one nothing else shared the core with: CI runs two
 * test files at once on two cores, and a mean over the calls measured the neighbour as much as the kernel.
 */
function fastestMs(f: () => tf.Tensor, calls: number, readBack = true): number {
  const once = () => {
    const t0 = performance.now();
    const r = tf.tidy(f);
    if (readBack) r.dataSync();
    r.dispose();
    return performance.now() - t0;
  };
  once();
  let best = Infinity;
  for (let i = 0; i < calls; i++) best = Math.min(best, once());
  return best;
}

/** Fastest call of ours and of theirs over alternating rounds, so that a slow spell of the machine hits both. */
async function fastestOfRounds(ours: () => number, theirs: () => number | Promise<number>, rounds = 3): Promise<[number, number]> {
  let best: [number, number] = [Infinity, Infinity];
  for (let round = 0; round < rounds; round++) best = [Math.min(best[0], ours()), Math.min(best[1], await theirs())];
  return best;
}

/** How many pooling windows (non-overlapping, size k) hold only negative values. */
function allNegativeWindows(x: Float32Array, shape: number[], k: number): number {
  const [b, ...rest] = shape;
  const c = rest[rest.length - 1];
  const spatial = rest.slice(0, -1);
  const windows = spatial.map((s) => Math.floor(s / k));
  const strides = spatial.map((_, i) => spatial.slice(i + 1).reduce((p, q) => p * q, 1) * c);
  let count = 0;
  const total = b * windows.reduce((p, q) => p * q, 1) * c;
  for (let w = 0; w < total; w++) {
    let rem = w;
    const ch = rem % c;
    rem = Math.floor(rem / c);
    const corner: number[] = [];
    for (let i = windows.length - 1; i >= 0; i--) {
      corner[i] = (rem % windows[i]) * k;
      rem = Math.floor(rem / windows[i]);
    }
    const base = rem * spatial.reduce((p, q) => p * q, 1) * c + ch;
    let allNegative = true;
    const offsets = Array.from({ length: k ** spatial.length }, (_, j) =>
      spatial.map((_, i) => Math.floor(j / k ** (spatial.length - 1 - i)) % k));
    for (const o of offsets) {
      const at = base + o.reduce((sum, d, i) => sum + (corner[i] + d) * strides[i], 0);
      if (x[at] >= 0) allNegative = false;
    }
    if (allNegative) count++;
  }
  return count;
}

type Pad = 'same' | 'valid';

beforeAll(async () => {
  const info = await initBackend({ force: 'wasm' });
  expect(info.name).toBe('wasm');
});

afterAll(async () => {
  await tf.setBackend('wasm');
});

describe('registration', () => {
  it('registers every fix, idempotently, for backend wasm', () => {
    const names = registerWasmKernelFixes();
    expect(names.sort()).toEqual([
      'Add', 'BatchMatMul', 'Conv2DBackpropFilter', 'Conv2DBackpropInput', 'Conv3D', 'Conv3DBackpropFilterV2',
      'Conv3DBackpropInputV2', 'DdcnnAdamUpdate', 'DdcnnReluGrad', 'FusedConv2D', 'Identity', 'MaxPool3D', 'MaxPool3DGrad', 'MaxPoolGrad', 'PadV2', 'Sum',
    ]);
    expect(registerWasmKernelFixes().sort()).toEqual(names);
    for (const name of names) expect(tf.getKernel(name, 'wasm')).toBeDefined();
  });

  it('leaves out only kernels the model zoo does not need', () => {
    // Training every zoo layer type on wasm (layer-gradients.test.ts) proves these are never reached.
    for (const name of ['DepthwiseConv2dNativeBackpropFilter', 'DepthwiseConv2dNativeBackpropInput', 'UnsortedSegmentSum']) {
      expect(tf.getKernel(name, 'wasm')).toBeUndefined();
    }
  });
});

describe('initBackend', () => {
  it('falls back to wasm here, saying why each native backend and webgpu were skipped', async () => {
    const info = await initBackend();
    expect(info.name).toBe('wasm');
    expect(info.tfBackend).toBe('wasm');
    expect(info.gpu).toBe(false);
    expect(info.versions['tfjs-core']).toBe('4.22.0');
    expect(info.versions['tfjs-backend-wasm']).toBe('4.22.0');
    expect(info.skipped.map((s) => s.backend)).toEqual(['node-gpu', 'webgpu', 'node']);
    const [nodeGpu, webgpu, node] = info.skipped;
    for (const s of [nodeGpu, node]) expect(s.reason).toMatch(/Cannot find (package|module)/);
    // No GPU here: either lavapipe's software adapter (refused unless forced) or no adapter at all.
    expect(webgpu.reason).toMatch(/^(only a software adapter: .*slower than wasm|no WebGPU adapter found)/);
    expect(describeBackend(info)).toMatch(/^backend: wasm \(tfjs-node-gpu skipped: .*; webgpu skipped: .*; tfjs-node skipped: .*\)$/);
  });

  it('rejects unknown names and reports a forced backend that fails to load', async () => {
    await expect(initBackend({ force: 'tpu' })).rejects.toThrow(/valid names are node-gpu, webgpu, node, wasm, cpu/);
    await expect(initBackend({ force: 'node' })).rejects.toThrow(/Backend node failed to load: Cannot find/);
    const info = await initBackend({ force: 'wasm' });
    expect(describeBackend(info)).toBe('backend: wasm (forced; not tried: tfjs-node-gpu, webgpu, tfjs-node)');
  });
});

describe('Conv2DBackpropFilter (missing in tfjs 4.22 wasm)', () => {
  it('is not registered by the package, so no conv2d trains without the fix', async () => {
    await withOriginalKernels(async () => {
      expect(tf.getKernel('Conv2DBackpropFilter', 'wasm')).toBeUndefined();
      await expect(on('wasm', () => grad((w: tf.Tensor4D) =>
        tf.sum(tf.conv2d(rand([1, 5, 5, 2], 1) as tf.Tensor4D, w, 1, 'same')))(rand([3, 3, 2, 3], 2) as tf.Tensor4D)))
        .rejects.toThrow(/Conv2DBackpropFilter/);
    });
  });

  const cases: [string, number, number, Pad | [[number, number], [number, number], [number, number], [number, number]], number][] = [
    ['3x3 same stride 1', 3, 1, 'same', 9],
    ['3x3 same stride 2', 3, 2, 'same', 9],
    ['3x3 valid stride 1', 3, 1, 'valid', 9],
    ['3x3 valid stride 2, unused last row', 3, 2, 'valid', 10],
    ['5x5 same stride 2', 5, 2, 'same', 8],
    ['1x1 valid stride 2', 1, 2, 'valid', 7],
    ['3x3 explicit asymmetric padding stride 2', 3, 2, [[0, 0], [1, 2], [0, 1], [0, 0]], 9],
  ];
  for (const [name, k, stride, pad, size] of cases) {
    it(`matches cpu: ${name}`, async () => {
      const err = await wasmVsCpu(() => grad((w: tf.Tensor4D) =>
        weightedSum(tf.conv2d(rand([2, size, size, 3], 1) as tf.Tensor4D, w, stride, pad), 3))(rand([k, k, 3, 4], 2) as tf.Tensor4D));
      expect(err).toBeLessThanOrEqual(TOLERANCE);
    });
  }

  // One input channel (a first layer): the SIMD kernel. 3x3 filters go four output channels at a time with all
  // nine taps per pass, a remainder of 1 to 3 as the last four again, masked; other sizes in blocks of 16, 8, 4.
  for (const [name, k, stride, pad, size, outChannels] of [
    ['3x3 same stride 1, 13 filters', 3, 1, 'same', 9, 13],
    ['3x3 same stride 1, 6 filters (masked remainder of 2)', 3, 1, 'same', 8, 6],
    ['3x3 valid stride 2, 7 filters (masked remainder of 3)', 3, 2, 'valid', 9, 7],
    ['3x3 same stride 1, 4 filters (one block, no remainder)', 3, 1, 'same', 6, 4],
    ['3x3 valid stride 1, 16 filters', 3, 1, 'valid', 10, 16],
    ['3x3 same stride 2, 3 filters', 3, 2, 'same', 9, 3],
    ['5x5 valid stride 2, unused last row, 6 filters', 5, 2, 'valid', 10, 6],
    ['3x3 explicit asymmetric padding stride 2, 5 filters', 3, 2, [[0, 0], [1, 2], [0, 1], [0, 0]], 9, 5],
  ] as [string, number, number, Pad | [[number, number], [number, number], [number, number], [number, number]], number, number][]) {
    it(`matches cpu with one input channel (the SIMD kernel): ${name}`, async () => {
      const err = await wasmVsCpu(() => grad((w: tf.Tensor4D) =>
        weightedSum(tf.conv2d(rand([3, size, size, 1], 8) as tf.Tensor4D, w, stride, pad), 3))(rand([k, k, 1, outChannels], 9) as tf.Tensor4D));
      expect(err).toBeLessThanOrEqual(TOLERANCE);
    });
  }

  // Several input channels (every later layer): the SIMD kernel's tiles of 4 input x 8 output channels, with
  // input channels left over two or one at a time, output channels left over in fours, and a last 1 to 3 output
  // channels as the last four again, masked (a local model's 13 -> 26); fewer than 4 output channels go to
  // the XNNPACK convolution.
  for (const [name, k, stride, pad, size, inChannels, outChannels] of [
    ['3x3 same stride 1, 6 -> 12 channels', 3, 1, 'same', 9, 6, 12],
    ['3x3 valid stride 2, unused last row, 9 -> 8 channels', 3, 2, 'valid', 10, 9, 8],
    ['5x5 same stride 2, 4 -> 20 channels', 5, 2, 'same', 8, 4, 20],
    ['3x3 explicit asymmetric padding stride 2, 2 -> 4 channels', 3, 2, [[0, 0], [1, 2], [0, 1], [0, 0]], 9, 2, 4],
    ['3x3 same stride 1, 13 -> 26 channels (masked remainder of 2)', 3, 1, 'same', 8, 13, 26],
    ['3x3 valid stride 1, 5 -> 7 channels (masked remainder of 3)', 3, 1, 'valid', 7, 5, 7],
    ['3x3 same stride 2, 3 -> 5 channels (masked remainder of 1)', 3, 2, 'same', 7, 3, 5],
    ['3x3 same stride 1, 5 -> 3 channels (the XNNPACK path)', 3, 1, 'same', 7, 5, 3],
  ] as [string, number, number, Pad | [[number, number], [number, number], [number, number], [number, number]], number, number, number][]) {
    it(`matches cpu with several input channels: ${name}`, async () => {
      const err = await wasmVsCpu(() => grad((w: tf.Tensor4D) =>
        weightedSum(tf.conv2d(rand([3, size, size, inChannels], 12) as tf.Tensor4D, w, stride, pad), 3))(rand([k, k, inChannels, outChannels], 13) as tf.Tensor4D));
      expect(err).toBeLessThanOrEqual(TOLERANCE);
    });
  }

  it('with 16 input channels, is faster than the convolution it replaced (the reference net\'s second layer)', async () => {
    await tf.setBackend('wasm');
    const backend = tf.backend() as BackendWasm;
    const x = rand([64, 13, 13, 16], 14);
    const dy = rand([64, 11, 11, 32], 15);
    const attrs = { strides: [1, 1], pad: 'valid', dataFormat: 'NHWC', filterShape: [3, 3, 16, 32] };
    const geometry = { strideHeight: 1, strideWidth: 1, filterHeight: 3, filterWidth: 3, pad: { top: 0, bottom: 0, left: 0, right: 0 } };
    const byConvolution = () => tf.engine().makeTensorFromTensorInfo(conv2dFilterGradient(backend, x, dy, geometry));
    const bySimd = () => tf.engine().runKernel('Conv2DBackpropFilter', { x, dy }, attrs) as tf.Tensor;
    expect(relativeError(tf.tidy(byConvolution).dataSync() as Float32Array, tf.tidy(bySimd).dataSync() as Float32Array)).toBeLessThanOrEqual(TOLERANCE);
    const [ours, theirs] = await fastestOfRounds(() => fastestMs(bySimd, 4), () => fastestMs(byConvolution, 4));
    tf.dispose([x, dy]);
    console.log(`second-layer filter gradient [64,13,13,16] -> 32: ${ours.toFixed(2)} ms vs ${theirs.toFixed(2)} ms by convolution (${(theirs / ours).toFixed(1)}x)`);
    expect(theirs / ours).toBeGreaterThan(1.3);
  });

  it('with one input channel, is faster than the convolution it replaced (the reference net\'s first layer)', async () => {
    await tf.setBackend('wasm');
    const backend = tf.backend() as BackendWasm;
    const x = rand([64, 28, 28, 1], 10);
    const dy = rand([64, 26, 26, 16], 11);
    const attrs = { strides: [1, 1], pad: 'valid', dataFormat: 'NHWC', filterShape: [3, 3, 1, 16] };
    const bySimd = () => tf.engine().runKernel('Conv2DBackpropFilter', { x, dy }, attrs) as tf.Tensor;
    const geometry = { strideHeight: 1, strideWidth: 1, filterHeight: 3, filterWidth: 3, pad: { top: 0, bottom: 0, left: 0, right: 0 } };
    const byConvolution = () => {
      const dw = conv2dFilterGradient(backend, x, dy, geometry);
      return tf.engine().makeTensorFromTensorInfo(dw);
    };
    expect(relativeError(tf.tidy(byConvolution).dataSync() as Float32Array, tf.tidy(bySimd).dataSync() as Float32Array)).toBeLessThanOrEqual(TOLERANCE);
    const [ours, theirs] = await fastestOfRounds(() => fastestMs(bySimd, 4), () => fastestMs(byConvolution, 4));
    tf.dispose([x, dy]);
    console.log(`first-layer filter gradient [64,28,28,1] -> 16: ${ours.toFixed(2)} ms vs ${theirs.toFixed(2)} ms by convolution (${(theirs / ours).toFixed(1)}x)`);
    expect(theirs / ours).toBeGreaterThan(1.5);
  });

  it('matches cpu through the fused conv2d gradient (bias + relu), as keras conv2d layers run it', async () => {
    for (const activation of ['linear', 'relu'] as const) {
      for (const [input, name] of [[0, 'filter'], [1, 'bias']] as const) {
        const err = await wasmVsCpu(() => {
          const x = rand([2, 8, 8, 3], 4);
          const grads = tf.grads((w: tf.Tensor, b: tf.Tensor) =>
            weightedSum(tf.fused.conv2d({ x: x as tf.Tensor4D, filter: w as tf.Tensor4D, strides: 2, pad: 'same', bias: b, activation }), 6));
          return grads([rand([3, 3, 3, 5], 5), rand([5], 7)])[input];
        });
        expect(err, `${activation}: gradient of the ${name}`).toBeLessThanOrEqual(TOLERANCE);
      }
    }
  });
});

describe('Conv2DBackpropInput (correct but a scalar loop in tfjs 4.22 wasm)', () => {
  for (const [k, stride, pad, size] of [[3, 1, 'same', 9], [3, 2, 'same', 9], [3, 1, 'valid', 9], [3, 2, 'valid', 10], [1, 2, 'valid', 7], [2, 2, 'same', 8]] as [number, number, Pad, number][]) {
    it(`matches cpu: ${k}x${k} ${pad} stride ${stride}`, async () => {
      const err = await wasmVsCpu(() => grad((x: tf.Tensor4D) =>
        weightedSum(tf.conv2d(x, rand([k, k, 3, 4], 2) as tf.Tensor4D, stride, pad), 3))(rand([2, size, size, 3], 1) as tf.Tensor4D));
      expect(err).toBeLessThanOrEqual(TOLERANCE);
    });
  }

  it('is faster than the package kernel on the reference net\'s second layer', async () => {
    await tf.setBackend('wasm');
    const w = rand([3, 3, 16, 32], 2) as tf.Tensor4D;
    const dy = rand([64, 11, 11, 32], 3) as tf.Tensor4D;
    const run = () => tf.conv2dTranspose(dy, w, [64, 13, 13, 16], 1, 'valid');
    const [ours, theirs] = await fastestOfRounds(() => fastestMs(run, 4), () => withOriginalKernels(async () => fastestMs(run, 1)));
    tf.dispose([w, dy]);
    console.log(`Conv2DBackpropInput 64x13x13x16<-32: ${ours.toFixed(1)} ms (XNNPACK conv) vs ${theirs.toFixed(1)} ms (package), ${(theirs / ours).toFixed(1)}x`);
    expect(theirs / ours).toBeGreaterThan(1.5);
  });
});

describe('Conv3DBackpropInputV2 (wrong for more than one channel in tfjs 4.22 wasm)', () => {
  const dxOf = (stride: number, pad: Pad) => () => grad((x: tf.Tensor5D) =>
    weightedSum(tf.conv3d(x, rand([3, 3, 3, 3, 4], 2) as tf.Tensor5D, stride, pad), 3))(rand([2, 6, 7, 5, 3], 1) as tf.Tensor5D);

  it('the package kernel is wrong with 3 input and 4 output channels', async () => {
    const err = await withOriginalKernels(() => wasmVsCpu(dxOf(1, 'same')));
    expect(err).toBeGreaterThan(0.05);
  });

  for (const [stride, pad] of [[1, 'same'], [2, 'same'], [1, 'valid'], [2, 'valid']] as [number, Pad][]) {
    it(`matches cpu: 3x3x3 ${pad} stride ${stride}`, async () => {
      expect(await wasmVsCpu(dxOf(stride, pad))).toBeLessThanOrEqual(TOLERANCE);
    });
  }

  it('matches cpu for 1x1x1 stride 2 on odd sizes and 2x2x2 windows', async () => {
    for (const [k, size] of [[1, 7], [2, 6], [2, 7]]) {
      const err = await wasmVsCpu(() => grad((x: tf.Tensor5D) =>
        weightedSum(tf.conv3d(x, rand([k, k, k, 2, 3], 2) as tf.Tensor5D, 2, 'same'), 3))(rand([1, size, size, size, 2], 1) as tf.Tensor5D));
      expect(err).toBeLessThanOrEqual(TOLERANCE);
    }
  });
});

describe('Conv3D and Conv3DBackpropFilterV2 (correct but slow in tfjs 4.22 wasm: depth-unrolled)', () => {
  for (const [stride, pad] of [[1, 'same'], [2, 'same'], [1, 'valid'], [2, 'valid']] as [number, Pad][]) {
    it(`match cpu: 3x3x3 ${pad} stride ${stride}`, async () => {
      const x = (channels: number) => rand([2, 6, 7, 5, channels], 1) as tf.Tensor5D;
      const w = (channels: number) => rand([3, 3, 3, channels, 4], 2) as tf.Tensor5D;
      // The unrolled input is copied one value per pixel (1 channel), four at a time (8), or one by one (3).
      for (const channels of [1, 3, 8]) {
        expect(await wasmVsCpu(() => tf.conv3d(x(channels), w(channels), stride, pad)), `${channels} channels`).toBeLessThanOrEqual(TOLERANCE);
      }
      expect(await wasmVsCpu(() => grad((wt: tf.Tensor5D) => weightedSum(tf.conv3d(x(3), wt, stride, pad), 3))(w(3))))
        .toBeLessThanOrEqual(TOLERANCE);
    });
  }

  // One input channel (a volume model's first layer): the SIMD kernel over depth slices; 13 filters are
  // blocks of 8 and 4 channels plus one; depth stride 2 takes one call per output slice.
  for (const [stride, pad, filters] of [[1, 'same', 13], [2, 'same', 5], [1, 'valid', 16], [[2, 1, 1], 'valid', 8]] as [number | [number, number, number], Pad, number][]) {
    it(`Conv3DBackpropFilterV2 matches cpu with one input channel (the SIMD kernel): 3x3x3 ${pad} stride ${stride}, ${filters} filters`, async () => {
      const x = () => rand([2, 7, 6, 5, 1], 3) as tf.Tensor5D;
      expect(await wasmVsCpu(() => grad((wt: tf.Tensor5D) => weightedSum(tf.conv3d(x(), wt, stride, pad), 4))(rand([3, 3, 3, 1, filters], 5) as tf.Tensor5D)))
        .toBeLessThanOrEqual(TOLERANCE);
    });
  }

  // Several input channels (a volume model's later layers): the SIMD tiles over depth slices.
  for (const [stride, pad, inChannels, filters] of [[1, 'same', 5, 12], [[2, 1, 1], 'valid', 8, 8], [2, 'same', 3, 4], [1, 'same', 6, 13], [1, 'valid', 7, 12]] as [number | [number, number, number], Pad, number, number][]) {
    it(`Conv3DBackpropFilterV2 matches cpu with several input channels (the SIMD kernel): 3x3x3 ${pad} stride ${stride}, ${inChannels} -> ${filters} channels`, async () => {
      const x = () => rand([2, 7, 6, 5, inChannels], 6) as tf.Tensor5D;
      expect(await wasmVsCpu(() => grad((wt: tf.Tensor5D) => weightedSum(tf.conv3d(x(), wt, stride, pad), 4))(rand([3, 3, 3, inChannels, filters], 7) as tf.Tensor5D)))
        .toBeLessThanOrEqual(TOLERANCE);
    });
  }

  it('hand dilated filters to the package kernel, which is correct there', async () => {
    const err = await wasmVsCpu(() => tf.conv3d(rand([1, 7, 7, 7, 2], 1) as tf.Tensor5D, rand([3, 3, 3, 2, 2], 2) as tf.Tensor5D, 1, 'same', 'NDHWC', 2));
    expect(err).toBeLessThanOrEqual(TOLERANCE);
  });

  it('is several times faster than the package kernels', async () => {
    await tf.setBackend('wasm');
    const x = rand([2, 16, 16, 16, 8], 1) as tf.Tensor5D;
    const w = rand([3, 3, 3, 8, 16], 2) as tf.Tensor5D;
    const dy = rand([2, 16, 16, 16, 16], 3) as tf.Tensor5D;
    const forward = () => tf.conv3d(x, w, 1, 'same');
    const filterGrad = () => tf.engine().runKernel('Conv3DBackpropFilterV2', { x, dy },
      { strides: 1, pad: 'same', filterShape: [3, 3, 3, 8, 16] }) as tf.Tensor;
    const byPackage = (f: () => tf.Tensor) => () => withOriginalKernels(async () => fastestMs(f, 1));
    const [oursForward, theirsForward] = await fastestOfRounds(() => fastestMs(forward, 2), byPackage(forward));
    const [oursFilter, theirsFilter] = await fastestOfRounds(() => fastestMs(filterGrad, 2), byPackage(filterGrad));
    tf.dispose([x, w, dy]);
    const ours = [oursForward, oursFilter];
    const theirs = [theirsForward, theirsFilter];
    const ratios = theirs.map((t, i) => t / ours[i]);
    console.log(`Conv3D [2,16^3,8]->16: ${ours[0].toFixed(1)} ms unrolled vs ${theirs[0].toFixed(1)} ms package (${ratios[0].toFixed(1)}x); ` +
      `Conv3DBackpropFilterV2: ${ours[1].toFixed(1)} vs ${theirs[1].toFixed(1)} ms (${ratios[1].toFixed(1)}x)`);
    expect(ratios[0]).toBeGreaterThan(2);
    expect(ratios[1]).toBeGreaterThan(1.5);
  });
});

describe('max pooling (wrong for all-negative windows in tfjs 4.22 wasm)', () => {
  // Inputs centred at -0.5: many windows hold only negative values.
  const x4 = () => rand([2, 8, 8, 3], 11, -0.5) as tf.Tensor4D;
  const x5 = () => rand([2, 4, 6, 4, 3], 12, -0.5) as tf.Tensor5D;

  it('the inputs do contain all-negative windows', () => {
    tf.tidy(() => {
      expect(allNegativeWindows(x4().dataSync() as Float32Array, [2, 8, 8, 3], 2)).toBeGreaterThan(10);
      expect(allNegativeWindows(x5().dataSync() as Float32Array, [2, 4, 6, 4, 3], 2)).toBeGreaterThan(10);
    });
  });

  const grad2d = (k: number, s: number, pad: Pad) => () =>
    grad((x: tf.Tensor4D) => weightedSum(tf.maxPool(x, k, s, pad), 3))(x4());
  const forward3d = (k: number, s: number, pad: Pad) => () => tf.maxPool3d(x5(), k, s, pad);
  const grad3d = (k: number, s: number, pad: Pad) => () =>
    grad((x: tf.Tensor5D) => weightedSum(tf.maxPool3d(x, k, s, pad), 3))(x5());

  it('the package kernels are wrong there', async () => {
    await withOriginalKernels(async () => {
      expect(await wasmVsCpu(grad2d(2, 2, 'valid'))).toBeGreaterThan(0.05);
      expect(await wasmVsCpu(forward3d(2, 2, 'valid'))).toBeGreaterThan(0.05);
      expect(await wasmVsCpu(grad3d(2, 2, 'valid'))).toBeGreaterThan(0.05);
    });
  });

  for (const [k, s, pad] of [[2, 2, 'valid'], [3, 2, 'same'], [3, 1, 'same'], [2, 1, 'valid'], [3, 3, 'valid']] as [number, number, Pad][]) {
    it(`match cpu: window ${k}, stride ${s}, ${pad}`, async () => {
      expect(await wasmVsCpu(grad2d(k, s, pad))).toBeLessThanOrEqual(TOLERANCE);
      expect(await wasmVsCpu(forward3d(k, s, pad))).toBeLessThanOrEqual(TOLERANCE);
      expect(await wasmVsCpu(grad3d(k, s, pad))).toBeLessThanOrEqual(TOLERANCE);
    });
  }

  it('route ties (all-zero windows after relu) to the same element as cpu', async () => {
    expect(await wasmVsCpu(() => grad((x: tf.Tensor4D) => weightedSum(tf.maxPool(tf.relu(x), 2, 2, 'valid'), 3))(x4())))
      .toBeLessThanOrEqual(TOLERANCE);
    expect(await wasmVsCpu(() => grad((x: tf.Tensor5D) => weightedSum(tf.maxPool3d(tf.relu(x), 2, 2, 'valid'), 3))(x5())))
      .toBeLessThanOrEqual(TOLERANCE);
  });

  it('the SIMD kernels are compiled on the wasm backend\'s memory when it starts', () => {
    expect(simdKernels()).toBeDefined();
  });

  // 6 and 7 channels: one or two groups of four lanes (the SIMD loop) plus a remainder done one by one.
  const x4wide = () => rand([3, 8, 8, 6], 13, -0.5) as tf.Tensor4D;
  const x5wide = () => rand([2, 4, 6, 4, 7], 14, -0.5) as tf.Tensor5D;
  for (const [k, s] of [[2, 2], [2, 1], [3, 3]]) {
    it(`the SIMD max-pool gradient (windows inside the input, 6 and 7 channels) matches cpu: window ${k}, stride ${s}, with all-negative windows and relu ties`, async () => {
      expect(allNegativeWindows(tf.tidy(() => x4wide().dataSync() as Float32Array), [3, 8, 8, 6], 2)).toBeGreaterThan(10);
      expect(await wasmVsCpu(() => grad((x: tf.Tensor4D) => weightedSum(tf.maxPool(x, k, s, 'valid'), 5))(x4wide()))).toBeLessThanOrEqual(TOLERANCE);
      expect(await wasmVsCpu(() => grad((x: tf.Tensor5D) => weightedSum(tf.maxPool3d(x, k, s, 'valid'), 5))(x5wide()))).toBeLessThanOrEqual(TOLERANCE);
      expect(await wasmVsCpu(() => grad((x: tf.Tensor4D) => weightedSum(tf.maxPool(tf.relu(x), k, s, 'valid'), 6))(x4wide()))).toBeLessThanOrEqual(TOLERANCE);
      expect(await wasmVsCpu(() => grad((x: tf.Tensor5D) => weightedSum(tf.maxPool3d(tf.relu(x), k, s, 'valid'), 6))(x5wide()))).toBeLessThanOrEqual(TOLERANCE);
    });
  }

  it('MaxPool3D handles anisotropic windows and strides, including windows of size 1', async () => {
    expect(await wasmVsCpu(() => tf.maxPool3d(x5(), [1, 3, 2], [1, 2, 2], 'same'))).toBeLessThanOrEqual(TOLERANCE);
    expect(await wasmVsCpu(() => tf.maxPool3d(x5(), [2, 1, 1], [1, 1, 1], 'valid'))).toBeLessThanOrEqual(TOLERANCE);
    expect(await wasmVsCpu(() => tf.maxPool3d(x5(), 1, [2, 1, 2], 'valid'))).toBeLessThanOrEqual(TOLERANCE);
  });
});

describe('Sum over leading axes (correct but slow in tfjs 4.22 wasm: every bias gradient)', () => {
  it('recognises reductions over leading axes only', () => {
    expect(leadingAxes([0, 1, 2, 3], 5)).toBe(4);
    expect(leadingAxes([2, 0, 1], 4)).toBe(3);
    expect(leadingAxes(0, 2)).toBe(1);
    expect(leadingAxes([1, 2], 4)).toBe(0);
    expect(leadingAxes([0, 1, 2, 3], 4)).toBe(0); // a full reduction stays with the package kernel
    expect(leadingAxes(-1, 3)).toBe(0);
  });

  for (const [shape, axis, keepDims] of [
    [[2, 5, 6, 7, 8], [0, 1, 2, 3], false],
    [[2, 5, 6, 7, 8], [0, 1, 2, 3], true],
    [[3, 9, 9, 4], [0, 1, 2], false],
    [[4, 6, 5], [0], true],
    [[4, 6, 5], [1, 2], false],
    [[4, 6, 5], [0, 1, 2], false],
  ] as [number[], number[], boolean][]) {
    it(`matches cpu: sum of [${shape}] over [${axis}]${keepDims ? ', keepDims' : ''}`, async () => {
      const x = rand(shape, 11, 0.5);
      expect(await wasmVsCpu(() => tf.sum(x, axis, keepDims))).toBeLessThanOrEqual(TOLERANCE);
      await tf.setBackend('wasm');
      const wasmShape = tf.tidy(() => tf.sum(x, axis, keepDims).shape);
      await tf.setBackend('cpu');
      expect(wasmShape).toEqual(tf.tidy(() => tf.sum(x, axis, keepDims).shape));
      x.dispose();
    });
  }

  it('matches cpu through a 3D conv layer\'s bias gradient', async () => {
    const x = rand([2, 6, 7, 5, 3], 21) as tf.Tensor5D;
    const w = rand([3, 3, 3, 3, 4], 22) as tf.Tensor5D;
    const b = rand([4], 23) as tf.Tensor1D;
    const loss = (bias: tf.Tensor1D) => weightedSum(tf.relu(tf.add(tf.conv3d(x, w, 1, 'same'), bias)), 24);
    expect(await wasmVsCpu(() => grad(loss)(b))).toBeLessThanOrEqual(TOLERANCE);
  });

  it('is faster than the package kernel on a 3D bias gradient', async () => {
    await tf.setBackend('wasm');
    const dy = rand([16, 14, 14, 14, 8], 31);
    const f = () => tf.sum(dy, [0, 1, 2, 3]);
    const [ours, theirs] = await fastestOfRounds(() => fastestMs(f, 3), () => withOriginalKernels(async () => fastestMs(f, 2)));
    dy.dispose();
    console.log(`Sum of [16,14^3,8] over the leading axes: ${ours.toFixed(2)} ms vs ${theirs.toFixed(2)} ms package (${(theirs / ours).toFixed(1)}x)`);
    expect(theirs / ours).toBeGreaterThan(2);
  });
});

describe('BatchMatMul with a transposed operand (a scalar loop in tfjs 4.22 wasm: every dense layer\'s backward pass)', () => {
  for (const [transposeA, transposeB] of [[true, false], [false, true], [true, true]]) {
    for (const batch of [1, 3]) {
      it(`matches cpu: transposeA ${transposeA}, transposeB ${transposeB}, batch ${batch}`, async () => {
        const a = rand(transposeA ? [batch, 9, 5] : [batch, 5, 9], 41);
        const b = rand(transposeB ? [batch, 7, 9] : [batch, 9, 7], 42);
        expect(await wasmVsCpu(() => tf.matMul(a, b, transposeA, transposeB))).toBeLessThanOrEqual(TOLERANCE);
        a.dispose();
        b.dispose();
      });
    }
  }

  it('matches cpu through a dense layer\'s kernel and input gradients', async () => {
    const x = rand([6, 11], 43);
    const w = rand([11, 4], 44);
    expect(await wasmVsCpu(() => grad((k: tf.Tensor) => weightedSum(tf.relu(tf.matMul(x, k)), 45))(w))).toBeLessThanOrEqual(TOLERANCE);
    expect(await wasmVsCpu(() => grad((v: tf.Tensor) => weightedSum(tf.relu(tf.matMul(v, w)), 45))(x))).toBeLessThanOrEqual(TOLERANCE);
  });

  it('is faster than the package kernel on the weight gradient of a 1568 -> 64 dense layer', async () => {
    await tf.setBackend('wasm');
    const x = rand([64, 1568], 46);
    const dy = rand([64, 64], 47);
    const f = () => tf.matMul(x, dy, true, false);
    const [ours, theirs] = await fastestOfRounds(() => fastestMs(f, 4), () => withOriginalKernels(async () => fastestMs(f, 3)));
    x.dispose();
    dy.dispose();
    console.log(`x^T dy of [64,1568] and [64,64]: ${ours.toFixed(2)} ms vs ${theirs.toFixed(2)} ms package (${(theirs / ours).toFixed(1)}x)`);
    expect(theirs / ours).toBeGreaterThan(2);
  });
});

describe('Add of a bias along the last axis (a per-element broadcast index in tfjs 4.22 wasm: every layer\'s forward pass)', () => {
  for (const [a, b, note] of [
    [[2, 5, 6, 7], [7], 'a conv layer\'s bias, 7 channels (vector + remainder)'],
    [[8], [3, 4, 8], 'the bias first'],
    [[2, 3, 3, 3, 13], [1, 1, 1, 1, 13], 'a 3D layer\'s bias of rank 5'],
    [[6, 1], [1], 'one channel'],
    [[2, 3, 4], [3, 1], 'another broadcast (the package kernel)'],
    [[2, 3, 4], [2, 3, 4], 'same shapes (the package kernel)'],
  ] as [number[], number[], string][]) {
    it(`matches cpu: [${a}] + [${b}], ${note}`, async () => {
      expect(await wasmVsCpu(() => tf.add(rand(a, 21), rand(b, 22)))).toBeLessThanOrEqual(TOLERANCE);
    });
  }

  it('matches cpu through a dense and a conv layer\'s forward pass and gradients', async () => {
    for (const layer of [tf.layers.dense({ units: 5, kernelInitializer: 'glorotUniform', biasInitializer: 'randomNormal' }),
      tf.layers.conv2d({ filters: 6, kernelSize: 3, padding: 'same', biasInitializer: 'randomNormal' })]) {
      const input = layer.getClassName() === 'Dense' ? [4, 9] : [2, 5, 5, 3];
      const err = await wasmVsCpu(() => {
        const x = rand(input, 23);
        return tf.grad((v: tf.Tensor) => weightedSum(layer.apply(v) as tf.Tensor, 24))(x);
      });
      expect(err, layer.getClassName()).toBeLessThanOrEqual(TOLERANCE);
    }
  });

  it('is faster than the package kernel on the reference net\'s first layer', async () => {
    await tf.setBackend('wasm');
    const x = rand([64, 26, 26, 16], 25);
    const bias = rand([16], 26);
    // Timed without reading the sum back: the copy out would take longer than the addition.
    const f = () => tf.add(x, bias);
    const [ours, theirs] = await fastestOfRounds(() => fastestMs(f, 20, false), () => withOriginalKernels(async () => fastestMs(f, 20, false)));
    tf.dispose([x, bias]);
    console.log(`bias add [64,26,26,16] + [16]: ${ours.toFixed(2)} ms vs ${theirs.toFixed(2)} ms package (${(theirs / ours).toFixed(1)}x)`);
    expect(theirs / ours).toBeGreaterThan(1.5);
  });
});

describe('Relu gradient (three kernel calls, Step, Cast and Multiply, in tfjs 4.22)', () => {
  it('matches cpu value for value, with zeros, negative zeros and NaN among the inputs', async () => {
    const x = () => tf.concat([rand([2, 5, 7, 3], 27, -0.5).reshape([-1]), tf.tensor1d([0, -0, NaN, 1e-30, -1e-30])]);
    const f = () => tf.grad((v: tf.Tensor) => weightedSum(tf.relu(v), 28))(x());
    const wasm = await on('wasm', f);
    const cpu = await on('cpu', f);
    expect(Array.from(wasm.slice(-5)).map(String)).toEqual(Array.from(cpu.slice(-5)).map(String));
    expect(relativeError(wasm.slice(0, -5), cpu.slice(0, -5))).toBeLessThanOrEqual(TOLERANCE);
  });

  it('is one kernel call on wasm, and tfjs\'s own formula on cpu', async () => {
    const kernelsOf = async (backend: string) => {
      await tf.setBackend(backend);
      const x = rand([4, 6], 29, -0.5);
      const info = await tf.profile(() => tf.grad((v: tf.Tensor) => tf.sum(tf.relu(v)))(x));
      x.dispose();
      return info.kernels.map((k) => k.name);
    };
    const wasm = await kernelsOf('wasm');
    expect(wasm).toContain('DdcnnReluGrad');
    expect(wasm).not.toContain('Step');
    expect(await kernelsOf('cpu')).toEqual(expect.arrayContaining(['Step', 'Multiply']));
  });

  it('is faster than the package kernels on the reference net\'s first layer', async () => {
    await tf.setBackend('wasm');
    const x = rand([64, 26, 26, 16], 30, -0.5);
    const dy = rand([64, 26, 26, 16], 31);
    const [ours, theirs] = await fastestOfRounds(
      () => fastestMs(() => tf.engine().runKernel('DdcnnReluGrad', { dy, x }) as tf.Tensor, 20, false),
      () => fastestMs(() => tf.mul(dy, tf.cast(tf.step(x), 'float32')), 20, false));
    tf.dispose([x, dy]);
    console.log(`relu gradient [64,26,26,16]: ${ours.toFixed(2)} ms vs ${theirs.toFixed(2)} ms by Step, Cast and Multiply (${(theirs / ours).toFixed(1)}x)`);
    expect(theirs / ours).toBeGreaterThan(1.5);
  });
});

describe('Identity (tfjs 4.22 wasm copies every tensor the engine saves for a backward pass)', () => {
  it('a clone shares its data, keeps its values after the original is disposed, and frees it with the last reference', async () => {
    await tf.setBackend('wasm');
    const backend = tf.backend();
    const a = rand([4, 5, 6], 51);
    const values = Float32Array.from(a.dataSync());
    const before = backend.numDataIds();
    const b = a.clone();
    expect(backend.numDataIds()).toBe(before);
    a.dispose();
    expect(Array.from(b.dataSync())).toEqual(Array.from(values));
    b.dispose();
    expect(backend.numDataIds()).toBe(before - 1);
  });
});

describe('PadV2 (an index computation per value in tfjs 4.22 wasm: the padded input of every \'same\' filter gradient)', () => {
  for (const [shape, paddings, value, note] of [
    [[2, 5, 6, 3], [[0, 0], [1, 1], [1, 1], [0, 0]], 0, 'a conv layer\'s \'same\' padding (one copy per row)'],
    [[2, 3, 4, 5, 1], [[0, 0], [1, 2], [0, 1], [2, 0], [0, 0]], 0, 'a 3D input, uneven padding, one channel'],
    [[2, 3, 1, 4, 1, 2], [[0, 0], [0, 0], [0, 1], [0, 0], [0, 1], [0, 0]], 0, 'the rank-6 view that inserts zeros between rows'],
    [[3, 4], [[2, 1], [0, 3]], 1.5, 'the leading and the last axis, another constant'],
    [[7], [[2, 3]], -2, 'rank 1'],
    [[2, 3], [[0, 0], [0, 0]], 0, 'no padding at all (a copy)'],
    [[0, 3], [[1, 1], [0, 0]], 4, 'an empty input'],
  ] as [number[], [number, number][], number, string][]) {
    it(`matches cpu value for value: [${shape}], ${note}`, async () => {
      const x = rand(shape, 61);
      const ours = await on('wasm', () => tf.pad(x, paddings, value));
      const cpu = await on('cpu', () => tf.pad(x, paddings, value));
      x.dispose();
      expect(ours.length).toBe(cpu.length);
      expect(Array.from(ours)).toEqual(Array.from(cpu));
    });
  }

  it('matches cpu on int32 and (through the package kernel) bool tensors', async () => {
    for (const dtype of ['int32', 'bool'] as const) {
      const values: number[] | boolean[] = dtype === 'bool'
        ? Array.from({ length: 24 }, (_, i) => i % 3 === 0)
        : Array.from({ length: 24 }, (_, i) => i * 7 - 40);
      const f = () => tf.pad(tf.tensor(values, [2, 3, 4], dtype), [[1, 0], [0, 2], [1, 1]], dtype === 'bool' ? 1 : 9);
      const ours = await on('wasm', f);
      const cpu = await on('cpu', f);
      expect(Array.from(ours), dtype).toEqual(Array.from(cpu));
    }
  });

  it('is faster than the package kernel on the demo\'s first 3D layer ([16,28,28,28,1] padded by 1)', async () => {
    await tf.setBackend('wasm');
    const x = rand([16, 28, 28, 28, 1], 62);
    const f = () => tf.pad(x, [[0, 0], [1, 1], [1, 1], [1, 1], [0, 0]]);
    const [ours, theirs] = await fastestOfRounds(() => fastestMs(f, 5, false), () => withOriginalKernels(async () => fastestMs(f, 5, false)));
    x.dispose();
    console.log(`pad [16,28,28,28,1] by 1: ${ours.toFixed(2)} ms vs ${theirs.toFixed(2)} ms package (${(theirs / ours).toFixed(1)}x)`);
    expect(theirs / ours).toBeGreaterThan(3);
  });
});

describe('FusedConv2D of one input channel, 3x3 (every first layer; XNNPACK runs it at a third of its later layers\' speed)', () => {
  type Case = [string, number[], number, number | [number, number], Pad | [[number, number], [number, number], [number, number], [number, number]], boolean, 'relu' | 'linear'];
  for (const [name, shape, filters, stride, pad, withBias, activation] of [
    ['same, stride 1, bias and relu, 13 filters (a remainder of 1)', [3, 9, 8, 1], 13, 1, 'same', true, 'relu'],
    ['valid, stride 2, bias, no activation, 4 filters', [2, 9, 10, 1], 4, 2, 'valid', true, 'linear'],
    ['same, stride 2 by 1, relu without bias, 6 filters (a remainder of 2)', [2, 7, 8, 1], 6, [2, 1], 'same', false, 'relu'],
    ['explicit asymmetric padding, 7 filters (a remainder of 3)', [2, 6, 7, 1], 7, 1, [[0, 0], [1, 2], [0, 1], [0, 0]], true, 'relu'],
    ['2 input channels (the package kernel)', [2, 6, 6, 2], 5, 1, 'same', true, 'relu'],
    ['5x5 (the package kernel)', [2, 8, 8, 1], 5, 1, 'same', true, 'relu'],
    ['3 filters (the package kernel)', [2, 6, 6, 1], 3, 1, 'same', true, 'relu'],
  ] as Case[]) {
    it(`matches cpu: ${name}`, async () => {
      const k = name.startsWith('5x5') ? 5 : 3;
      const f = () => tf.fused.conv2d({
        x: rand(shape, 71) as tf.Tensor4D, filter: rand([k, k, shape[3], filters], 72) as tf.Tensor4D,
        bias: withBias ? rand([filters], 73) as tf.Tensor1D : undefined, activation, strides: stride, pad,
      });
      expect(await wasmVsCpu(f)).toBeLessThanOrEqual(TOLERANCE);
    });
  }

  it('matches cpu through a conv layer\'s forward pass and gradients (relu on, negative inputs)', async () => {
    const layer = tf.layers.conv2d({ filters: 13, kernelSize: 3, padding: 'same', activation: 'relu', biasInitializer: 'randomNormal' });
    const err = await wasmVsCpu(() => {
      const x = rand([2, 8, 8, 1], 74, -0.5);
      return tf.grad((v: tf.Tensor) => weightedSum(layer.apply(v) as tf.Tensor, 75))(x);
    });
    expect(err).toBeLessThanOrEqual(TOLERANCE);
    const out = await wasmVsCpu(() => layer.apply(rand([2, 8, 8, 1], 74, -0.5)) as tf.Tensor);
    expect(out).toBeLessThanOrEqual(TOLERANCE);
  });
});

describe('without 128-bit SIMD (the kernels withheld), every fix takes its JavaScript or package path and still matches cpu', () => {
  /** A small model's loss through the layers the zoo uses: 'same' convolution with bias and relu, max pooling, dense. */
  function modelLoss2D(x: tf.Tensor4D, [w1, b1, w2, b2, w3]: tf.Tensor[]): tf.Scalar {
    const h1 = tf.maxPool(tf.relu(tf.add<tf.Tensor4D>(tf.conv2d(x, w1 as tf.Tensor4D, 1, 'same'), b1)), 2, 2, 'valid');
    const h2 = tf.relu(tf.add(tf.conv2d(h1, w2 as tf.Tensor4D, 1, 'same'), b2));
    return weightedSum(tf.matMul(tf.reshape(h2, [x.shape[0], -1]), w3 as tf.Tensor2D), 21);
  }
  function modelLoss3D(x: tf.Tensor5D, [w1, b1, w2, b2, w3]: tf.Tensor[]): tf.Scalar {
    const h1 = tf.maxPool3d(tf.relu(tf.add<tf.Tensor5D>(tf.conv3d(x, w1 as tf.Tensor5D, 1, 'same'), b1)), 2, 2, 'valid');
    const h2 = tf.relu(tf.add(tf.conv3d(h1, w2 as tf.Tensor5D, [2, 1, 1], 'same'), b2));
    return weightedSum(tf.matMul(tf.reshape(h2, [x.shape[0], -1]), w3 as tf.Tensor2D), 22);
  }
  /** All of a model's gradients (input included) as one vector. */
  const allGradients = <X extends tf.Tensor>(loss: (x: X, weights: tf.Tensor[]) => tf.Scalar, x: () => X, shapes: number[][]) => () => {
    const weights = shapes.map((shape, i) => rand(shape, 30 + i));
    const grads = tf.grads((...args: tf.Tensor[]) => loss(args[0] as X, args.slice(1)))([x(), ...weights]);
    return tf.concat(grads.map((g) => tf.reshape(g, [-1])));
  };
  /** wasm (kernels withheld) against cpu; most values must be nonzero, or a dead relu would make any path pass. */
  const without = (f: () => tf.Tensor) => withoutSimdKernels(async () => {
    expect(simdKernels()).toBeUndefined();
    const [ours, cpu] = [await on('wasm', f), await on('cpu', f)];
    expect(cpu.filter((v) => v !== 0).length).toBeGreaterThan(cpu.length / 2);
    return relativeError(ours, cpu);
  });

  it('a 2D model (one input channel, 8 then 16 filters): forward pass and every gradient', async () => {
    const x = () => rand([3, 10, 12, 1], 23, -0.3) as tf.Tensor4D;
    const shapes = [[3, 3, 1, 8], [8], [3, 3, 8, 16], [16], [5 * 6 * 16, 3]];
    expect(await without(() => modelLoss2D(x(), shapes.map((s, i) => rand(s, 30 + i))))).toBeLessThanOrEqual(TOLERANCE);
    expect(await without(allGradients(modelLoss2D, x, shapes))).toBeLessThanOrEqual(TOLERANCE);
  });

  for (const channels of [1, 3, 8]) {
    it(`a 3D model (${channels} input channels, depth-unrolled convolutions, depth stride 2): forward pass and every gradient`, async () => {
      const x = () => rand([2, 6, 8, 6, channels], 24, -0.3) as tf.Tensor5D;
      const shapes = [[3, 3, 3, channels, 4], [4], [3, 3, 3, 4, 6], [6], [2 * 4 * 3 * 6, 2]];
      expect(await without(() => modelLoss3D(x(), shapes.map((s, i) => rand(s, 30 + i))))).toBeLessThanOrEqual(TOLERANCE);
      expect(await without(allGradients(modelLoss3D, x, shapes))).toBeLessThanOrEqual(TOLERANCE);
    });
  }

  it('PadV2 value for value, on a 3D input with uneven padding and on the rank-6 view that inserts zeros between rows', async () => {
    for (const [shape, paddings] of [
      [[2, 3, 4, 5, 1], [[0, 0], [1, 2], [0, 1], [2, 0], [0, 0]]],
      [[2, 3, 1, 4, 1, 2], [[0, 0], [0, 0], [0, 1], [0, 0], [0, 1], [0, 0]]],
    ] as [number[], [number, number][]][]) {
      const x = rand(shape, 63);
      const [ours, cpu] = await withoutSimdKernels(async () => [await on('wasm', () => tf.pad(x, paddings, 0.5)), await on('cpu', () => tf.pad(x, paddings, 0.5))]);
      x.dispose();
      expect(Array.from(ours), `[${shape}]`).toEqual(Array.from(cpu));
    }
  });

  it('gives the kernels back afterwards', () => {
    expect(simdKernels()).toBeDefined();
  });
});
