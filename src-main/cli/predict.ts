// `ddcnn predict --run <dir> <input>`: every subdomain's class probabilities and the coarse decision
// for one case, from a finished run. The input is prepared exactly as the run's training data was
// (same loader, same intensity scaling, same resampling).
import { Command, InvalidArgumentError } from 'commander';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../engine/backend';
import { argmax } from '../engine/metrics';
import { averageProbs, coarseFeatures, type CoarseFeatureScaling } from '../engine/fusion';
import fs from 'node:fs';
import { loadModel } from '../engine/model-io';
import { loadDataset } from '../data/load';
import { readCachedSamples } from '../data/cache';
import { resampleSamples } from '../data/resample';
import { cropSamples } from '../data/crop';
import { readRunRecord, type RunRecord } from '../runs/run-record';
import { runLayout } from '../runs/layout';

export interface Prediction {
  input: string;
  label?: string;
  classes: string[];
  subdomains: { model: string; box: { start: number[]; end: number[] }; probs: number[]; decision: string }[];
  cnnDnn: { probs: number[]; decision: string };
  average: { probs: number[]; decision: string };
  global?: { probs: number[]; decision: string };
}

/** `test:<i>`: test case i of the run itself. */
const TEST_CASE = /^test:(\d+)$/;

/** One sample (flat, spatialShape x channels of the run) and its label if known. */
async function loadInput(rec: RunRecord, runDir: string, input: string, index: number): Promise<{ x: Float32Array; label?: number }> {
  const test = TEST_CASE.exec(input);
  if (test) {
    const i = Number(test[1]);
    if (i >= rec.dataset.nTest) throw new InvalidArgumentError(`test case ${i} does not exist: the run has ${rec.dataset.nTest} test cases`);
    const s = readCachedSamples(runLayout(runDir).cache, 'test', [i]);
    return { x: s.x, label: s.y[0] };
  }
  const ds = await loadDataset(input);
  const split = ds.splits.test ?? ds.splits.all ?? ds.splits.train!;
  const size = ds.spatialShape.reduce((a, b) => a * b, ds.channels);
  const n = split.y.length;
  if (index >= n) throw new InvalidArgumentError(`${input}: sample ${index} does not exist (it holds ${n})`);
  if (ds.channels !== rec.dataset.channels || ds.spatialShape.length !== rec.dataset.inputShape.length - 1) {
    throw new InvalidArgumentError(`${input}: shape ${ds.spatialShape.join('x')}x${ds.channels} does not fit the run's input ${rec.dataset.inputShape.join('x')}`);
  }
  let x = split.x.slice(index * size, (index + 1) * size);
  const target = rec.dataset.inputShape.slice(0, -1);
  if (target.some((t, a) => t !== ds.spatialShape[a])) x = resampleSamples(x, 1, ds.spatialShape, ds.channels, target);
  return { x, label: split.y[index] };
}

export async function predict(runDir: string, input: string, index = 0): Promise<Prediction> {
  const rec = readRunRecord(runDir);
  if (rec.status !== 'completed') throw new Error(`run ${rec.id} is ${rec.status}: only a completed run can predict`);
  await initBackend({ force: rec.config.backend });
  const L = runLayout(runDir);
  const { x, label } = await loadInput(rec, runDir, input, index);
  const spatial = rec.dataset.inputShape.slice(0, -1);
  const channels = rec.dataset.channels;
  const classes = rec.dataset.classes;
  const k = classes.length;
  const run = async (model: string, data: Float32Array, shape: number[]) => {
    const m = await loadModel(L.model(model));
    const p = tf.tidy(() => (m.predict(tf.tensor(data, [1, ...shape])) as tf.Tensor).dataSync() as Float32Array);
    m.dispose();
    return Array.from(p);
  };
  const decide = (probs: number[]) => ({ probs, decision: classes[argmax(probs, 0, k)] });
  const subdomains: Prediction['subdomains'] = [];
  for (const [name, m] of Object.entries(rec.models)) {
    if (m.role !== 'local') continue;
    const probs = await run(name, cropSamples(x, 1, spatial, channels, m.box!), [...m.arch!.spatialShape, channels]);
    subdomains.push({ model: name, box: m.box!, ...decide(probs) });
  }
  const concat = subdomains.flatMap((s) => s.probs);
  const avg = Array.from(averageProbs(subdomains.map((s) => Float32Array.from(s.probs)), 1, k));
  return {
    input: TEST_CASE.test(input) ? `${input} of run ${rec.id}` : `${input} #${index}`,
    label: label === undefined ? undefined : classes[label],
    classes,
    subdomains,
    cnnDnn: decide(await run('coarse', coarseFeatures(Float32Array.from(concat), coarseScaling(L.coarseScaling)), [concat.length])),
    average: decide(avg),
    global: rec.models.global ? decide(await run('global', x, [...spatial, channels])) : undefined,
  };
}

function coarseScaling(file: string): CoarseFeatureScaling {
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (e) {
    throw new Error(`${file}: cannot read the coarse model's feature scaling (${(e as Error).message})`);
  }
}


function format(p: Prediction): string {
  const fmt = (probs: number[]) => probs.map((v, c) => `${p.classes[c]} ${v.toFixed(3)}`).join('  ');
  const lines = [`input: ${p.input}${p.label !== undefined ? ` (true label: ${p.label})` : ''}`, ''];
  for (const s of p.subdomains) lines.push(`${s.model.padEnd(9)} [${s.box.start.map((st, a) => `${st}..${s.box.end[a] - 1}`).join(', ')}]  ${fmt(s.probs)}  -> ${s.decision}`);
  lines.push('', `average   ${fmt(p.average.probs)}  -> ${p.average.decision}`);
  if (p.global) lines.push(`global    ${fmt(p.global.probs)}  -> ${p.global.decision}`);
  lines.push(`CNN-DNN   ${fmt(p.cnnDnn.probs)}  -> ${p.cnnDnn.decision}  (coarse model's decision)`);
  return lines.join('\n');
}

export function predictCommand(program: Command): void {
  program
    .command('predict')
    .description("print each subdomain's class probabilities and the coarse model's decision for one case")
    .requiredOption('--run <dir>', 'a completed run folder')
    .argument('<input>', 'test:<i> (a test case of the run), mnist, demo, or an .npz file')
    .option('--index <i>', 'which sample of the input file', (v) => Number(v), 0)
    .option('--json', 'print JSON')
    .action(async (input: string, o) => {
      const p = await predict(path.resolve(o.run), input, o.index);
      process.stdout.write((o.json ? JSON.stringify(p) : format(p)) + '\n');
    });
}
