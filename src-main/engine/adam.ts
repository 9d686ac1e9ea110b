// The Adam optimizer every trainer uses: tfjs's AdamOptimizer, whose step runs about ten kernels per
// variable (each with the engine's bookkeeping around it), done on the wasm backend by one SIMD kernel
// per variable instead. Same arithmetic in the same order, same state (the moments, the iteration
// count, accBeta1/2), same getWeights/setWeights, so checkpoints and the learning-rate field
// (lr-schedule.ts) are shared with the unfused optimizer; other backends take tfjs's own path.
import * as tf from '@tensorflow/tfjs';
import { ADAM_UPDATE, type AdamUpdateAttrs } from './wasm-kernels/adam-update';
import { simdKernels } from './wasm-kernels/simd-module';

/** The AdamOptimizer fields this step reads and writes (TypeScript-private in tfjs, plain fields at run time). */
interface AdamState {
  learningRate: number;
  beta1: number;
  beta2: number;
  epsilon: number;
  accBeta1: tf.Variable;
  accBeta2: tf.Variable;
  accumulatedFirstMoment: { originalName: string; variable: tf.Variable }[];
  accumulatedSecondMoment: { originalName: string; variable: tf.Variable }[];
}

function fusedStepAvailable(): boolean {
  return tf.getBackend() === 'wasm' && tf.getKernel(ADAM_UPDATE, 'wasm') !== undefined && simdKernels() !== undefined;
}

class FusedAdam extends tf.AdamOptimizer {
  override applyGradients(variableGradients: Parameters<tf.AdamOptimizer['applyGradients']>[0]): void {
    if (!fusedStepAvailable()) return super.applyGradients(variableGradients);
    const s = this as unknown as AdamState;
    const named: { name: string; tensor: tf.Tensor }[] = Array.isArray(variableGradients) ? variableGradients : Object.entries(variableGradients).map(([name, tensor]) => ({ name, tensor }));
    tf.tidy(() => {
      // 1 - accBeta in float32, exactly as tfjs's sub(1, accBeta) gives it.
      const attrs: AdamUpdateAttrs = {
        beta1: s.beta1,
        beta2: s.beta2,
        correction1: Math.fround(1 - s.accBeta1.dataSync()[0]),
        correction2: Math.fround(1 - s.accBeta2.dataSync()[0]),
        learningRate: s.learningRate,
        epsilon: s.epsilon,
      };
      named.forEach(({ name, tensor: gradient }, i) => {
        const value = tf.engine().registeredVariables[name];
        s.accumulatedFirstMoment[i] ??= { originalName: `${name}/m`, variable: tf.tidy(() => tf.zerosLike(value).variable(false)) };
        s.accumulatedSecondMoment[i] ??= { originalName: `${name}/v`, variable: tf.tidy(() => tf.zerosLike(value).variable(false)) };
        if (gradient == null) return;
        const m = s.accumulatedFirstMoment[i].variable;
        const v = s.accumulatedSecondMoment[i].variable;
        const [w2, m2, v2] = tf.engine().runKernel(ADAM_UPDATE, { value, gradient, m, v }, attrs as unknown as tf.NamedAttrMap) as tf.Tensor[];
        m.assign(m2);
        v.assign(v2);
        value.assign(w2);
      });
      s.accBeta1.assign(tf.mul(s.accBeta1, s.beta1));
      s.accBeta2.assign(tf.mul(s.accBeta2, s.beta2));
    });
    this.incrementIterations();
  }
}

/** Adam with tfjs's defaults (beta1 0.9, beta2 0.999, the backend's epsilon), as tf.train.adam(rate). */
export function adam(learningRate: number): tf.AdamOptimizer {
  return new FusedAdam(learningRate, 0.9, 0.999);
}
