// Fixes to tfjs 4.22's wasm backend (DESIGN.md section 3), registered before anything trains on it.
//
// Missing:  Conv2DBackpropFilter (no conv2d could train).
// Wrong:    Conv3DBackpropInputV2 (>1 channel), MaxPoolGrad, MaxPool3DGrad, MaxPool3D (all-negative windows).
// Slow:     Conv3D, Conv3DBackpropFilterV2, Conv2DBackpropInput (scalar loops; replaced by XNNPACK convs),
//           Sum over leading axes (every bias gradient; replaced by an XNNPACK matrix product),
//           BatchMatMul with a transposed operand (every dense layer's backward pass; a scalar loop),
//           Identity (copies every activation the engine saves for the backward pass; now shared),
//           Add of a bias along the last axis (every layer's forward pass; a per-element broadcast index),
//           PadV2 (the 'same'-padded input of every filter gradient; an index computation per value),
//           FusedConv2D of one input channel, 3x3 (every first layer; XNNPACK at a third of its later layers' speed).
// Added:    DdcnnAdamUpdate, one fused Adam step of a variable (engine/adam.ts); DdcnnReluGrad, relu's
//           gradient in one pass, with the gradient of Relu that uses it (tfjs's formula elsewhere).
// Not needed by the model zoo, so deliberately not provided: the depthwise-conv gradients and
// UnsortedSegmentSum (test/engine/layer-gradients.test.ts trains every layer type the zoo uses).
//
// Importing the wasm package here first matters: its import registers its own kernels, and a later
// import would silently put the broken ones back over ours.
import '@tensorflow/tfjs-backend-wasm';
import { getKernel, registerKernel, unregisterKernel } from '@tensorflow/tfjs';
import type { KernelBackend, KernelConfig } from '@tensorflow/tfjs';
import { conv2dBackpropFilterConfig } from './conv2d-backprop-filter';
import { conv2dBackpropInputConfig } from './conv2d-backprop-input';
import { conv3DBackpropFilterV2Config, makeConv3DConfig } from './conv3d';
import { conv3DBackpropInputV2Config } from './conv3d-backprop-input';
import { maxPool3DConfig } from './max-pool-3d';
import { maxPool3DGradConfig, maxPoolGradConfig } from './max-pool-grad';
import { makeSumConfig } from './sum-leading-axes';
import { makeBatchMatMulConfig } from './batch-matmul-transposed';
import { makeIdentityConfig } from './identity';
import { makeAddConfig } from './bias-add';
import { makePadV2Config } from './pad-v2';
import { makeFusedConv2DConfig } from './fused-conv2d';
import { adamUpdateConfig } from './adam-update';
import { registerReluGradient, reluGradConfig } from './relu-grad';
import { WASM } from './wasm-backend';

/** Kernel name -> the wasm backend's own kernel it replaced (undefined where it had none). */
const replaced = new Map<string, KernelConfig | undefined>();

/**
 * A copy of one of the package's kernels that runs its setup (binding the C++ function) at first
 * use. The engine runs setup only for kernels registered when the backend initialises; ours replace
 * the originals before that, so an original kept for fallback or restore would otherwise never be set
 * up. Setup only looks the C++ function up, so running it once more is harmless.
 */
function setUpOnFirstUse(config: KernelConfig): KernelConfig {
  const { setupFunc, kernelFunc } = config;
  if (setupFunc === undefined) return config;
  const setUp = new WeakSet<object>();
  return {
    kernelName: config.kernelName,
    backendName: config.backendName,
    disposeFunc: config.disposeFunc,
    kernelFunc: (args) => {
      if (!setUp.has(args.backend)) {
        setupFunc(args.backend as KernelBackend);
        setUp.add(args.backend);
      }
      return kernelFunc(args);
    },
  };
}

/**
 * Registers the fixes for backend 'wasm' (replacing the package's kernels of the same names) and
 * returns the names of the kernels registered. Idempotent. Kernels are looked up at every call, so
 * this works before or after the backend is initialised.
 */
export function registerWasmKernelFixes(): string[] {
  if (replaced.size > 0) return [...replaced.keys()];
  const originalConv3D = getKernel('Conv3D', WASM);
  const originalSum = getKernel('Sum', WASM);
  const originalBatchMatMul = getKernel('BatchMatMul', WASM);
  const originalIdentity = getKernel('Identity', WASM);
  const originalAdd = getKernel('Add', WASM);
  const originalPadV2 = getKernel('PadV2', WASM);
  const originalFusedConv2D = getKernel('FusedConv2D', WASM);
  const fixes = [
    conv2dBackpropFilterConfig,
    conv2dBackpropInputConfig,
    makeConv3DConfig(originalConv3D && setUpOnFirstUse(originalConv3D)),
    conv3DBackpropFilterV2Config,
    conv3DBackpropInputV2Config,
    maxPool3DConfig,
    maxPoolGradConfig,
    maxPool3DGradConfig,
    makeSumConfig(originalSum && setUpOnFirstUse(originalSum)),
    makeBatchMatMulConfig(originalBatchMatMul && setUpOnFirstUse(originalBatchMatMul)),
    makeIdentityConfig(originalIdentity && setUpOnFirstUse(originalIdentity)),
    makeAddConfig(originalAdd && setUpOnFirstUse(originalAdd)),
    makePadV2Config(originalPadV2 && setUpOnFirstUse(originalPadV2)),
    makeFusedConv2DConfig(originalFusedConv2D && setUpOnFirstUse(originalFusedConv2D)),
    adamUpdateConfig,
    reluGradConfig,
  ];
  for (const fix of fixes) {
    const original = getKernel(fix.kernelName, WASM);
    if (original !== undefined) unregisterKernel(fix.kernelName, WASM);
    registerKernel(fix);
    replaced.set(fix.kernelName, original && setUpOnFirstUse(original));
  }
  registerReluGradient();
  return [...replaced.keys()];
}

/**
 * Puts the wasm backend's own kernels back (and removes the ones it lacked). Tests use it to show
 * that the originals are wrong; nothing should train after calling it. Returns the names restored.
 */
export function unregisterWasmKernelFixes(): string[] {
  const names = [...replaced.keys()];
  for (const [name, original] of replaced) {
    unregisterKernel(name, WASM);
    if (original !== undefined) registerKernel(original);
  }
  replaced.clear();
  return names;
}
