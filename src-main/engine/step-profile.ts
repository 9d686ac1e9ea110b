// Where one training step's time goes: per phase (batch copy, forward, backward, optimizer, read-back)
// and per kernel, plus the JavaScript time between kernels (step time minus the kernels' own time).
// For synchronous backends (wasm, cpu, tfjs-node), where a kernel's work is done when its call returns;
// on webgpu the phases would only time the dispatch.
import * as tf from '@tensorflow/tfjs';
import { adam } from './adam';
import { trainableVariables, trainStep, weightedCrossEntropy } from './train-step';

export interface KernelTime {
  name: string;
  /** Milliseconds per training step spent in this kernel (all its calls). */
  ms: number;
  callsPerStep: number;
}

export interface StepProfile {
  batch: number;
  steps: number;
  /** Wall time of a whole step (copy to read-back), not profiled: what training pays. */
  msPerStep: number;
  samplesPerSecond: number;
  /** Each phase timed on its own; forward is timed separately, so backward = (forward+backward) - forward. */
  phases: { copy: number; forward: number; backward: number; optimizer: number; readBack: number };
  /** The kernels of one step, slowest first, measured under tf.profile. */
  kernels: KernelTime[];
  kernelMs: number;
  /** msPerStep minus the kernels' time: tfjs's engine, tapes, tidy scopes and our JavaScript. */
  jsOverheadMs: number;
}

export interface ProfileOptions {
  sampleShape: number[];
  classes: number;
  batch: number;
  steps: number;
  warmup: number;
  /** The optimizer to step with (default Adam, rate 1e-3). */
  optimizer?: tf.Optimizer;
  /** Only the step time (no phases, no kernel table): for alternating comparisons. */
  timeOnly?: boolean;
}

/** Random inputs in [0, 1) and random labels: a step's cost does not depend on the values. */
function randomBatch(size: number, o: ProfileOptions, seed: number): { x: Float32Array; y: Float32Array } {
  let s = seed >>> 0;
  const next = () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32);
  const x = new Float32Array(o.batch * size);
  for (let i = 0; i < x.length; i++) x[i] = next();
  const y = new Float32Array(o.batch * o.classes);
  for (let i = 0; i < o.batch; i++) y[i * o.classes + Math.floor(next() * o.classes)] = 1;
  return { x, y };
}

const ms = (t0: number) => performance.now() - t0;

/** Profiles `steps` training steps of `model` after `warmup` steps (first allocations, kernel setup). */
export async function profileTrainStep(model: tf.LayersModel, o: ProfileOptions): Promise<StepProfile> {
  const optimizer = o.optimizer ?? adam(1e-3);
  const size = o.sampleShape.reduce((a, b) => a * b, 1);
  const data = randomBatch(size, o, 1);
  const tensors = () => [tf.tensor(data.x, [o.batch, ...o.sampleShape]), tf.tensor2d(data.y, [o.batch, o.classes])] as const;
  const step = async () => {
    const [xs, ys] = tensors();
    await trainStep(model, optimizer, xs, ys);
    tf.dispose([xs, ys]);
  };
  for (let i = 0; i < o.warmup; i++) await step();

  let t0 = performance.now();
  for (let i = 0; i < o.steps; i++) await step();
  const msPerStep = ms(t0) / o.steps;
  const samplesPerSecond = (o.batch * 1000) / msPerStep;
  if (o.timeOnly) {
    if (!o.optimizer) optimizer.dispose();
    return { batch: o.batch, steps: o.steps, msPerStep, samplesPerSecond, phases: { copy: 0, forward: 0, backward: 0, optimizer: 0, readBack: 0 }, kernels: [], kernelMs: 0, jsOverheadMs: 0 };
  }

  const phases = { copy: 0, forward: 0, backward: 0, optimizer: 0, readBack: 0 };
  const variables = trainableVariables(model);
  for (let i = 0; i < o.steps; i++) {
    t0 = performance.now();
    const copy = new Float32Array(data.x);
    const [xs, ys] = [tf.tensor(copy, [o.batch, ...o.sampleShape]), tf.tensor2d(data.y, [o.batch, o.classes])];
    phases.copy += ms(t0);
    t0 = performance.now();
    tf.tidy(() => weightedCrossEntropy(model.apply(xs, { training: true }) as tf.Tensor, ys));
    phases.forward += ms(t0);
    t0 = performance.now();
    const { value, grads } = tf.variableGrads(() => weightedCrossEntropy(model.apply(xs, { training: true }) as tf.Tensor, ys), variables);
    phases.backward += ms(t0);
    t0 = performance.now();
    optimizer.applyGradients(grads);
    phases.optimizer += ms(t0);
    t0 = performance.now();
    await value.data();
    phases.readBack += ms(t0);
    tf.dispose([xs, ys, value, ...Object.values(grads)]);
  }
  for (const k of Object.keys(phases) as (keyof typeof phases)[]) phases[k] /= o.steps;
  phases.backward = Math.max(0, phases.backward - phases.forward);

  const byName = new Map<string, { ms: number; calls: number }>();
  const info = await tf.profile(async () => {
    for (let i = 0; i < o.steps; i++) await step();
  });
  for (const k of info.kernels) {
    const e = byName.get(k.name) ?? { ms: 0, calls: 0 };
    e.ms += typeof k.kernelTimeMs === 'number' ? k.kernelTimeMs : 0;
    e.calls++;
    byName.set(k.name, e);
  }
  const kernels = [...byName].map(([name, e]) => ({ name, ms: e.ms / o.steps, callsPerStep: e.calls / o.steps })).sort((a, b) => b.ms - a.ms);
  const kernelMs = kernels.reduce((a, k) => a + k.ms, 0);
  if (!o.optimizer) optimizer.dispose();
  return { batch: o.batch, steps: o.steps, msPerStep, samplesPerSecond, phases, kernels, kernelMs, jsOverheadMs: Math.max(0, msPerStep - kernelMs) };
}

/**
 * Multiply-adds per sample of a model's forward pass, from its layers: a convolution's kernel size
 * times its output positions, a dense layer's kernel size. Pooling, activations and biases are left out.
 */
export function forwardMacs(model: tf.LayersModel): number {
  let macs = 0;
  for (const layer of model.layers) {
    const kernel = layer.weights.find((w) => /\/kernel(_\d+)?$/.test(w.name));
    if (!kernel) continue;
    const weights = kernel.shape.reduce((a: number, b) => a * (b ?? 1), 1);
    const out = layer.outputShape as (number | null)[];
    const positions = out.slice(1, -1).reduce((a: number, b) => a * (b ?? 1), 1);
    macs += weights * (kernel.shape.length > 2 ? positions : 1);
  }
  return macs;
}
