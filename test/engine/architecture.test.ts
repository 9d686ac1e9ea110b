import { describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-cpu';
import { architecture, countParams, localWidth, modelCost, type ModelFamily } from '../../src-main/engine/architecture';
import { buildModel } from '../../src-main/engine/model-builder';

describe('model zoo', () => {
  it('counts parameters exactly like tfjs for every family in 2D and 3D', async () => {
    await tf.setBackend('cpu');
    for (const family of ['vgg', 'resnet'] as ModelFamily[]) {
      for (const spatialShape of [[28, 28], [16, 15], [15, 16, 14], [24, 32, 32]]) {
        const arch = architecture({ family, spatialShape, channels: 1, classes: 3, width: 4 });
        const model = buildModel(arch, 7);
        expect(model.countParams()).toBe(countParams(arch));
        expect(model.outputs[0].shape).toEqual([null, 3]);
        model.dispose();
      }
    }
  });

  it('gives local models about 1/N of the global parameters, at a width rounded down to a multiple of 4', () => {
    const global = { family: 'vgg' as const, spatialShape: [28, 28], channels: 1, classes: 10, width: 16 };
    const budget = countParams(architecture(global)) / 4;
    const params = (width: number) => countParams(architecture({ ...global, spatialShape: [16, 16], width }));
    // The largest width within the budget, found here by counting: 13 (25412 parameters of 26466.5).
    let fits = 1;
    while (params(fits + 1) <= budget) fits++;
    expect(fits).toBe(13);
    const w = localWidth(global, [16, 16], 4);
    expect(w).toBe(12);
    expect(params(w) / budget).toBeGreaterThan(0.75);
    // Below 8 the width is not rounded: a 2x2x2 volume decomposition of a width-8 global model.
    const volume = { family: 'vgg' as const, spatialShape: [28, 28, 28], channels: 1, classes: 2, width: 8 };
    expect(localWidth(volume, [16, 16, 16], 8)).toBe(6);
  });

  it('finds the largest layer output and the largest weight tensor of every family exactly like the built tfjs model', async () => {
    await tf.setBackend('cpu');
    for (const family of ['vgg', 'resnet'] as ModelFamily[]) {
      for (const spatialShape of [[28, 28], [16, 15], [15, 16, 14], [24, 32, 32]]) {
        const arch = architecture({ family, spatialShape, channels: 2, classes: 3, width: 4 });
        const model = buildModel(arch, 7);
        const size = (shape: (number | null)[]) => shape.slice(1).reduce<number>((a, b) => a * (b ?? 1), 1);
        const outputs = model.layers.flatMap((l) => (Array.isArray(l.outputShape[0]) ? (l.outputShape as number[][]) : [l.outputShape as number[]]));
        const cost = modelCost(arch);
        expect(cost.largestActivation, `${family} ${spatialShape}`).toBe(Math.max(...outputs.map(size)));
        expect(cost.largestWeight, `${family} ${spatialShape}`).toBe(Math.max(...model.getWeights().map((w) => w.size)));
        model.dispose();
      }
    }
  });

  it('builds identical initial weights from the same seed and different ones from another', async () => {
    await tf.setBackend('cpu');
    const arch = architecture({ family: 'resnet', spatialShape: [12, 12], channels: 1, classes: 2, width: 4 });
    const w = (seed: number) => buildModel(arch, seed).getWeights().map((t) => Array.from(t.dataSync()));
    expect(w(3)).toEqual(w(3));
    expect(w(3)).not.toEqual(w(4));
  });
});
