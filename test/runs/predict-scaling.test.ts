// Predicting on a new .npz maps its stored values with the run's own intensity transform (recorded in
// run.json), not with one fitted on the new file: the same stored sample gives the same model input.
import fs from 'node:fs';
import path from 'node:path';
import { zipSync } from 'fflate';
import { dump } from 'npyjs';
import { describe, expect, it } from 'vitest';
import { createRun } from '../../src-main/runs/create-run';
import { prepareInput } from '../../src-main/runs/predict';
import { readRunRecord } from '../../src-main/runs/run-record';
import { tempWorkspace } from '../helpers/runs';

const npy = (values: Float32Array | Uint8Array, shape: number[]) => new Uint8Array(dump(values as Parameters<typeof dump>[0], shape));

function writeFlatNpz(file: string, images: Float32Array, n: number, labels: Uint8Array): void {
  fs.writeFileSync(file, zipSync({ 'images.npy': npy(images, [n, 12, 12]), 'labels.npy': npy(labels, [n]) }));
}

describe('predict on a new .npz', () => {
  it('applies the intensity transform recorded in run.json, whatever range the new file has', async () => {
    const ws = tempWorkspace();
    // 60 samples of whole numbers in 100..700 (stored as float32, so the run fits a min-max map on them).
    const n = 60;
    const images = Float32Array.from({ length: n * 144 }, (_, k) => 100 + ((k * 37 + Math.floor(k / 144) * 11) % 601));
    const labels = Uint8Array.from({ length: n }, (_, i) => i % 2);
    const trainFile = path.join(ws, 'train.npz');
    writeFlatNpz(trainFile, images, n, labels);
    const min = Math.min(...images);
    const max = Math.max(...images);
    const runDir = await createRun(ws, { data: trainFile, grid: [2, 2], overlap: 0, family: 'vgg', width: 2, epochs: 1, batch: 8, learningRate: 1e-3, seed: 3, global: false });
    const rec = readRunRecord(runDir);
    expect(rec.preprocessing.scaling).toEqual({ kind: 'min-max', min, max });

    // Test case 0 of the run, its stored values recovered from its 0..1 input through the recorded map.
    const test0 = await prepareInput(rec, runDir, 'test:0');
    const stored = test0.x.map((v) => Math.round(min + v * (max - min)));
    // A new file holding that sample beside one with a far wider range: its own min..max would be -5000..9000.
    const wide = Float32Array.from({ length: 144 }, (_, k) => (k === 0 ? -5000 : 9000));
    const newFile = path.join(ws, 'new.npz');
    writeFlatNpz(newFile, Float32Array.from([...stored, ...wide]), 2, Uint8Array.from([test0.label!, 0]));
    const predicted = await prepareInput(rec, runDir, newFile, 0);
    expect(predicted.x.length).toBe(test0.x.length);
    let worst = 0;
    for (let i = 0; i < test0.x.length; i++) worst = Math.max(worst, Math.abs(predicted.x[i] - test0.x[i]));
    expect(worst).toBeLessThan(1e-6);
    // The wide sample is mapped by the same formula: (v - min) / (max - min), beyond 0..1.
    const other = await prepareInput(rec, runDir, newFile, 1);
    expect(other.x[0]).toBeCloseTo((-5000 - min) / (max - min), 5);
    expect(other.x[1]).toBeCloseTo((9000 - min) / (max - min), 5);
  });
});
