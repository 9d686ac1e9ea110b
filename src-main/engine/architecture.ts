// The model zoo as plain data: a VGG-style and a ResNet-style family, in 2D and 3D.
//
// Architectures are described as a list of layer specs so that parameter counts (shown before a run
// starts) need no TensorFlow, and the same spec builds the tfjs model inside a trainer process.
//
// Width rule for local models: the global model uses the full base width w. A local model of a
// decomposition into N subdomains uses the largest width w_l <= w whose parameter count and whose
// multiply-adds per sample, on its own (smaller) subdomain input, are both at most 1/N of the global
// model's. Every local model thus has about 1/N of the global model's parameters ("proportionally
// fewer", Klawonn, Lanser & Weber 2024) and does about 1/N of its work, whatever the crop size.
// A width of 8 or more is then rounded down to a multiple of 4: the convolution kernels on a CPU
// (XNNPACK's and the project's) work on channels in fours and eights, and a remainder costs more than it
// adds. Measured on the wasm backend, a 3x3 convolution on 8x8 inputs, batch 128, forward and both
// gradients: 12 -> 24 channels 1.26x faster than 13 -> 26 for 0.85x the multiply-adds; 8 -> 16 1.7x
// faster than 9 -> 18; on the MNIST 2x2 run the CNN-DNN's wall time fell 9% at the same accuracy.

export type ModelFamily = 'vgg' | 'resnet';

export interface ArchitectureOptions {
  family: ModelFamily;
  /** Spatial input shape, [H, W] or [D, H, W]. */
  spatialShape: number[];
  channels: number;
  classes: number;
  /** Base number of filters of the first convolution. */
  width: number;
}

export type LayerSpec =
  | { kind: 'conv'; filters: number; kernel: number; stride: number; relu: boolean; name: string; input?: string }
  | { kind: 'pool'; size: number; name: string }
  | { kind: 'add'; inputs: [string, string]; name: string }
  | { kind: 'relu'; name: string }
  | { kind: 'globalAvgPool'; name: string }
  | { kind: 'flatten'; name: string }
  | { kind: 'dense'; units: number; softmax: boolean; name: string };

export interface Architecture extends ArchitectureOptions {
  dims: 2 | 3;
  layers: LayerSpec[];
}

export const DEFAULT_WIDTH: Record<ModelFamily, number> = { vgg: 16, resnet: 16 };

/** Number of 2x poolings that keep every spatial axis at >= 3 voxels (at most 3). */
function poolCount(spatialShape: number[]): number {
  let n = 0;
  let s = Math.min(...spatialShape);
  while (n < 3 && Math.floor(s / 2) >= 3) {
    s = Math.floor(s / 2);
    n++;
  }
  return Math.max(1, n);
}

function vggLayers(o: ArchitectureOptions): LayerSpec[] {
  const layers: LayerSpec[] = [];
  const blocks = Math.min(2, poolCount(o.spatialShape));
  for (let b = 0; b < blocks; b++) {
    layers.push({ kind: 'conv', filters: o.width * 2 ** b, kernel: 3, stride: 1, relu: true, name: `conv${b + 1}` });
    layers.push({ kind: 'pool', size: 2, name: `pool${b + 1}` });
  }
  layers.push({ kind: 'flatten', name: 'flatten' });
  layers.push({ kind: 'dense', units: o.width * 4, softmax: false, name: 'fc' });
  layers.push({ kind: 'dense', units: o.classes, softmax: true, name: 'probs' });
  return layers;
}

function resnetLayers(o: ArchitectureOptions): LayerSpec[] {
  const layers: LayerSpec[] = [{ kind: 'conv', filters: o.width, kernel: 3, stride: 1, relu: true, name: 'stem' }];
  let prev = 'stem';
  const stages = Math.min(2, poolCount(o.spatialShape)) + 1;
  for (let s = 0; s < stages; s++) {
    const filters = o.width * 2 ** s;
    if (s > 0) {
      // Strided convolution halves the resolution and widens the channels between stages.
      layers.push({ kind: 'conv', filters, kernel: 3, stride: 2, relu: true, name: `down${s}`, input: prev });
      prev = `down${s}`;
    }
    layers.push({ kind: 'conv', filters, kernel: 3, stride: 1, relu: true, name: `res${s}a`, input: prev });
    layers.push({ kind: 'conv', filters, kernel: 3, stride: 1, relu: false, name: `res${s}b` });
    layers.push({ kind: 'add', inputs: [prev, `res${s}b`], name: `res${s}add` });
    layers.push({ kind: 'relu', name: `res${s}out` });
    prev = `res${s}out`;
  }
  layers.push({ kind: 'globalAvgPool', name: 'gap' });
  layers.push({ kind: 'dense', units: o.classes, softmax: true, name: 'probs' });
  return layers;
}

export function architecture(o: ArchitectureOptions): Architecture {
  const dims = o.spatialShape.length;
  if (dims !== 2 && dims !== 3) throw new Error(`input must be 2D or 3D, got shape ${o.spatialShape.join('x')}`);
  if (!Number.isInteger(o.width) || o.width < 1) throw new Error(`model width must be a positive integer, got ${o.width}`);
  const layers = o.family === 'vgg' ? vggLayers(o) : resnetLayers(o);
  return { ...o, dims, layers };
}

export interface ModelCost {
  params: number;
  /** Multiply-adds per sample of the forward pass. */
  macs: number;
  /** Values per sample of the largest tensor a layer outputs (the input included): with the batch, a training step's largest activation. */
  largestActivation: number;
  /** Values of the largest single weight tensor (a conv kernel or a dense matrix). */
  largestWeight: number;
}

/** Parameters, multiply-adds and largest tensors of an architecture, computed without TensorFlow. */
export function modelCost(arch: Architecture): ModelCost {
  const kernelVolume = (k: number) => k ** arch.dims;
  const voxels = (shape: number[]) => shape.reduce((a, b) => a * b, 1);
  let shape = [...arch.spatialShape];
  let channels = arch.channels;
  let flat = 0;
  let params = 0;
  let macs = 0;
  let largestActivation = voxels(shape) * channels;
  let largestWeight = 0;
  // Residual branches start from a named earlier output; remember every layer's output shape.
  const outputs = new Map<string, { shape: number[]; channels: number }>();
  for (const l of arch.layers) {
    if (l.kind === 'conv') {
      const inp = l.input ? outputs.get(l.input)! : { shape, channels };
      const weights = kernelVolume(l.kernel) * inp.channels * l.filters;
      params += weights + l.filters;
      largestWeight = Math.max(largestWeight, weights);
      shape = inp.shape.map((s) => Math.ceil(s / l.stride)); // 'same' padding
      channels = l.filters;
      macs += weights * voxels(shape);
    } else if (l.kind === 'pool') {
      shape = shape.map((s) => Math.floor(s / l.size));
    } else if (l.kind === 'flatten') {
      flat = voxels(shape) * channels;
    } else if (l.kind === 'globalAvgPool') {
      flat = channels;
    } else if (l.kind === 'dense') {
      params += flat * l.units + l.units;
      largestWeight = Math.max(largestWeight, flat * l.units);
      macs += flat * l.units;
      flat = l.units;
    }
    outputs.set(l.name, { shape, channels });
    const flatOutput = l.kind === 'flatten' || l.kind === 'globalAvgPool' || l.kind === 'dense';
    largestActivation = Math.max(largestActivation, flatOutput ? flat : voxels(shape) * channels);
  }
  return { params, macs, largestActivation, largestWeight };
}

export function countParams(arch: Architecture): number {
  return modelCost(arch).params;
}

/**
 * Width of a local model by the rule above: the largest width whose parameters and whose
 * multiply-adds per sample are both at most 1/N of the global model's (from 8 on, rounded down to a
 * multiple of 4). The second bound matters for volumes, where the dense head dominates the parameters
 * and a small crop would otherwise keep the full width and cost more than its share of compute.
 */
export function localWidth(global: ArchitectureOptions, localSpatialShape: number[], subdomains: number): number {
  const g = modelCost(architecture(global));
  for (let w = global.width; w > 1; w--) {
    const l = modelCost(architecture({ ...global, spatialShape: localSpatialShape, width: w }));
    if (l.params <= g.params / subdomains && l.macs <= g.macs / subdomains) return w >= 8 ? w - (w % 4) : w;
  }
  return 1;
}

/** The coarse model: a small dense network on the N*K concatenated local probabilities. */
export function coarseHiddenUnits(subdomains: number, classes: number): number {
  return Math.max(16, Math.min(128, 2 * subdomains * classes));
}
