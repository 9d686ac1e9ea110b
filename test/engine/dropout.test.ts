import { describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-cpu';
import { architecture } from '../../src-main/engine/architecture';
import { buildModel } from '../../src-main/engine/model-builder';

describe('dropout before the head', () => {
  it('sits right before the softmax layer, adds no weights, changes training outputs and leaves predictions alone', async () => {
    await tf.setBackend('cpu');
    const arch = architecture({ family: 'vgg', spatialShape: [12, 12], channels: 1, classes: 3, width: 4 });
    const plain = buildModel(arch, 5);
    const dropped = buildModel(arch, 5, { dropout: 0.5 });
    const names = dropped.layers.map((l) => l.getClassName());
    expect(names[names.length - 2]).toBe('Dropout');
    expect(names.filter((n) => n === 'Dropout')).toHaveLength(1);
    expect(dropped.countParams()).toBe(plain.countParams());
    const x = tf.randomUniform([4, 12, 12, 1], 0, 1, 'float32', 3);
    const predictPlain = await (plain.predict(x) as tf.Tensor).data();
    const predictDropped = await (dropped.predict(x) as tf.Tensor).data();
    Array.from(predictDropped).forEach((v, i) => expect(v).toBeCloseTo(predictPlain[i], 6));
    const train = await (dropped.apply(x, { training: true }) as tf.Tensor).data();
    expect(Math.max(...Array.from(train).map((v, i) => Math.abs(v - predictPlain[i])))).toBeGreaterThan(1e-4);
  });
});
