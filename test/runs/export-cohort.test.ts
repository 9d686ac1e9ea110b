// Using a trained run outside its folder: `ddcnn export` and `predict --model`, and external validation on a
// cohort (`predict --run <run> <folder|csv>`). One small real run on LIDC nodule PNG stacks (the import route)
// trained on some patients' stacks; the cohort holds stacks of other patients.
import fs from 'node:fs';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readCachedSplit } from '../../src-main/data/cache';
import { predictWithExport, predict } from '../../src-main/cli/predict';
import { predictCohort, listCohorts } from '../../src-main/runs/cohort';
import { createRun } from '../../src-main/runs/create-run';
import { executeRun } from '../../src-main/runs/execute-run';
import { exportRun, exportedModelSet } from '../../src-main/runs/export-model';
import { forkLauncher } from '../../src-main/runs/launcher';
import { readF32, runLayout } from '../../src-main/runs/layout';
import { predictWithSet } from '../../src-main/runs/model-set';
import { ddcnn } from '../helpers/cli';
import { removeTempDirs, tempDir, type LidcStack } from '../helpers/import-fixtures';
import { lidcCsv, lidcTrainAndCohort } from '../helpers/lidc-cohort';

afterAll(removeTempDirs);

let data: string;
let ws: string;
let runDir: string;
let cohort: LidcStack[];

const csvOf = lidcCsv;

beforeAll(async () => {
  data = tempDir();
  ({ cohort } = lidcTrainAndCohort(data, 40, 12));
  ws = tempDir();
  runDir = await createRun(ws, { data: path.join(data, 'train.csv'), grid: [2, 2, 1], overlap: 1, family: 'vgg', width: 4, epochs: 2, batch: 16, learningRate: 2e-3, seed: 5, global: true, shape: [4, 16, 16], window: [0, 255] });
  const rec = await executeRun(runDir, { launcher: forkLauncher, workers: 2 }).done;
  expect(rec.status, rec.error).toBe('completed');
}, 240_000);

describe('ddcnn export', () => {
  it('an exported model, with the run folder moved away, predicts exactly what the run predicts, and its test probabilities equal those the trainers wrote', async () => {
    const out = path.join(tempDir(), 'model');
    const manifest = exportRun(runDir, out);
    expect(manifest.models.locals).toHaveLength(4);
    expect(fs.existsSync(path.join(out, 'ddcnn-model.json'))).toBe(true);
    const cases = cohort.slice(0, 3).map((s) => path.join(data, s.dir));
    const fromRun = await Promise.all(cases.map((c) => predict(runDir, c)));
    // The run folder is gone while the export predicts: nothing of it is needed.
    const moved = `${runDir}-away`;
    fs.renameSync(runDir, moved);
    try {
      const fromExport = await Promise.all(cases.map((c) => predictWithExport(out, c)));
      for (let i = 0; i < cases.length; i++) {
        expect(fromExport[i].cnnDnn).toEqual(fromRun[i].cnnDnn);
        expect(fromExport[i].global).toEqual(fromRun[i].global);
        expect(fromExport[i].subdomains.map((s) => s.probs)).toEqual(fromRun[i].subdomains.map((s) => s.probs));
      }
      // The run's test cases through the exported models: what the run's trainers predicted for them.
      const test = readCachedSplit(runLayout(moved).cache, 'test');
      const n = test.y.length;
      const p = await predictWithSet(exportedModelSet(out), test.x, n);
      const near = (a: ArrayLike<number>, b: ArrayLike<number>) => Math.max(...Array.from(a, (v, j) => Math.abs(v - b[j])));
      expect(near(p.cnnDnn, readF32(runLayout(moved).probs('coarse', 'test')))).toBeLessThan(1e-5);
      expect(near(p.global!, readF32(runLayout(moved).probs('global', 'test')))).toBeLessThan(1e-5);
      expect(near(p.locals[2], readF32(runLayout(moved).probs('local-2', 'test')))).toBeLessThan(1e-5);
    } finally {
      fs.renameSync(moved, runDir);
    }
    // The command line gives the same answer from the export as from the run.
    const a = await ddcnn(['predict', '--model', out, cases[0], '--json']);
    const b = await ddcnn(['predict', '--run', runDir, cases[0], '--json']);
    expect(a.code, a.stderr).toBe(0);
    expect(b.code, b.stderr).toBe(0);
    const pa = JSON.parse(a.stdout);
    const pb = JSON.parse(b.stdout);
    expect(pa.cnnDnn).toEqual(pb.cnnDnn);
    expect(pa.subdomains).toEqual(pb.subdomains);
  });

  it('the README\'s plain TensorFlow.js recipe, fed from ddcnn-model.json alone, gives the CNN-DNN probabilities the run gives', async () => {
    const out = path.join(tempDir(), 'model');
    exportRun(runDir, out);
    const caseDir = path.join(data, cohort[1].dir);
    const expected = await predict(runDir, caseDir);
    // The prepared input (the recipe applied), as the README says the user prepares it.
    const { prepareExternalInput } = await import('../../src-main/runs/predict');
    const set = exportedModelSet(out);
    const { x: input } = await prepareExternalInput(set, caseDir);
    // The README's steps, verbatim in spirit: plain tfjs, the files of the export and nothing else.
    const load = (p: string) => {
      const json = JSON.parse(fs.readFileSync(path.join(out, p), 'utf8'));
      const w = fs.readFileSync(path.join(out, path.dirname(p), 'weights.bin'));
      return tf.loadLayersModel(tf.io.fromMemory({ modelTopology: json.modelTopology, weightSpecs: json.weightsManifest[0].weights, weightData: w.buffer.slice(w.byteOffset, w.byteOffset + w.byteLength) }));
    };
    const spec = JSON.parse(fs.readFileSync(path.join(out, 'ddcnn-model.json'), 'utf8'));
    const x = tf.tensor(input, [1, ...spec.input.spatialShape, spec.input.channels]);
    const probs: number[] = [];
    for (const l of spec.models.locals) {
      const m = await load(l.path);
      const crop = x.slice([0, ...l.box.start, 0], [1, ...l.box.end.map((e: number, a: number) => e - l.box.start[a]), -1]);
      probs.push(...(await (m.predict(crop) as tf.Tensor).data()));
    }
    const { mean, std } = spec.models.coarse.featureScaling;
    const floor = spec.models.coarse.probabilityFloor;
    const features = probs.map((p, j) => (Math.log(Math.max(p, floor)) - mean[j]) / std[j]);
    const coarse = await load(spec.models.coarse.path);
    const cnnDnn = Array.from(await (coarse.predict(tf.tensor2d([features])) as tf.Tensor).data());
    for (let c = 0; c < cnnDnn.length; c++) expect(cnnDnn[c]).toBeCloseTo(expected.cnnDnn.probs[c], 5);
  });

  it('refuses an output folder that is not empty', () => {
    const out = tempDir();
    fs.writeFileSync(path.join(out, 'keep.txt'), 'x');
    expect(() => exportRun(runDir, out)).toThrow(/not an empty folder/);
  });
});

describe('predict on a cohort', () => {
  it('writes one CSV row per readable case with every model\'s probabilities, lists unreadable cases with their reasons, and scores the rest', async () => {
    // Two bad rows: a stack whose PNG is garbage, and a path that does not exist.
    const broken = path.join(data, 'broken', 'stack');
    fs.mkdirSync(broken, { recursive: true });
    fs.writeFileSync(path.join(broken, '0.png'), 'not a png');
    const csv = path.join(data, 'cohort.csv');
    fs.writeFileSync(csv, csvOf(cohort) + '"broken/stack",maligno,x1\n"missing/stack",benigno,x2\n');
    const out = path.join(tempDir(), 'predictions.csv');
    // Five cases per prediction pass: the chunks must join up in case order.
    const r = await predictCohort(runDir, csv, { out, workers: 2, chunk: 5 });
    expect(r.nCases).toBe(cohort.length);
    expect(r.skipped.map((s) => s.file).sort()).toEqual(['broken/stack/0.png', 'missing/stack']);
    for (const s of r.skipped) expect(s.reason.length).toBeGreaterThan(5);

    const [header, ...rows] = fs.readFileSync(out, 'utf8').trim().split('\n').map((l) => l.split(','));
    expect(rows).toHaveLength(cohort.length);
    const col = (name: string) => header.indexOf(name);
    expect(col('cnnDnn:maligno')).toBeGreaterThan(0);
    expect(col('global:benigno')).toBeGreaterThan(0);
    expect(col('local-3:maligno')).toBeGreaterThan(0);
    // Accuracy and per-class counts from the CSV's own columns, counted here.
    const correct = rows.filter((row) => row[col('cnnDnn_decision')] === row[col('label')]).length;
    expect(r.metrics!.models.cnnDnn.accuracy).toBeCloseTo(correct / rows.length, 10);
    for (const row of rows) expect(row[col('cnnDnn_decision')]).toBe(Number(row[col('cnnDnn:maligno')]) > Number(row[col('cnnDnn:benigno')]) ? 'maligno' : 'benigno');
    expect(r.perClass).toEqual({ benigno: 12, maligno: 12 });
    const ci = r.metrics!.ci95!.cnnDnn;
    expect(ci.accuracy[0]).toBeLessThanOrEqual(r.metrics!.models.cnnDnn.accuracy);
    expect(ci.accuracy[1]).toBeGreaterThanOrEqual(r.metrics!.models.cnnDnn.accuracy);
    // Each row is what predicting that case alone gives (cases from the first and a later chunk).
    for (const s of [cohort[0], cohort[7], cohort[cohort.length - 1]]) {
      const one = await predict(runDir, path.join(data, s.dir));
      const row = rows.find((x) => x[0] === s.dir)!;
      expect(Number(row[col('cnnDnn:maligno')])).toBeCloseTo(one.cnnDnn.probs[1], 5);
      expect(Number(row[col('local-2:benigno')])).toBeCloseTo(one.subdomains[2].probs[0], 5);
    }
    expect(listCohorts(runDir).some((c) => c.csv === out)).toBe(true);
  });

  it('predicts a cohort without labels (a CSV of paths only), and scores a partly labelled one on its labelled cases', async () => {
    const bare = path.join(data, 'no-labels.csv');
    fs.writeFileSync(bare, ['path', ...cohort.slice(0, 6).map((s) => `"${s.dir}"`)].join('\n') + '\n');
    const out = path.join(tempDir(), 'bare.csv');
    const r = await predictCohort(runDir, bare, { out, workers: 2 });
    expect(r.nCases).toBe(6);
    expect(r.labelled).toBe(false);
    expect(r.metrics).toBeUndefined();
    const rows = fs.readFileSync(out, 'utf8').trim().split('\n').slice(1).map((l) => l.split(','));
    expect(rows.map((row) => row[1])).toEqual(['', '', '', '', '', '']);

    // Half the rows labelled: the metrics are those of the labelled rows, counted here from the CSV.
    const partial = path.join(data, 'partly-labelled.csv');
    fs.writeFileSync(partial, ['path,label', ...cohort.map((s, i) => `"${s.dir}",${i % 2 ? s.className : ''}`)].join('\n') + '\n');
    const out2 = path.join(tempDir(), 'partial.csv');
    const p = await predictCohort(runDir, partial, { out: out2, workers: 2 });
    expect(p.nCases).toBe(cohort.length);
    expect(p.nLabelled).toBe(cohort.length / 2);
    const [head, ...body] = fs.readFileSync(out2, 'utf8').trim().split('\n').map((l) => l.split(','));
    const withLabel = body.filter((row) => row[head.indexOf('label')] !== '');
    const right = withLabel.filter((row) => row[head.indexOf('cnnDnn_decision')] === row[head.indexOf('label')]).length;
    expect(p.metrics!.models.cnnDnn.n).toBe(withLabel.length);
    expect(p.metrics!.models.cnnDnn.accuracy).toBeCloseTo(right / withLabel.length, 10);
  });

  it('refuses a cohort whose classes are not the run\'s, naming both sets', async () => {
    const csv = path.join(data, 'other-classes.csv');
    fs.writeFileSync(csv, csvOf(cohort.slice(0, 4).map((s, i) => ({ ...s, className: i % 2 ? 'cyst' : 'benigno' }))));
    await expect(predictCohort(runDir, csv, { workers: 1 })).rejects.toThrow(/classes \(benigno, cyst\) do not match the classes run .* was trained on \(benigno, maligno\)/);
    const r = await ddcnn(['predict', '--run', runDir, csv]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/benigno, cyst.*benigno, maligno/);
  });
});
