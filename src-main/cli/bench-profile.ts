// `ddcnn bench --only profile`: where a training step's time goes on this machine's backend, for the
// reference net and for the local and global models of the two runs the speed issue measures (MNIST
// 2x2, overlap 2, 12,000 digits; the demo's AdrenalMNIST3D 2x2x2, overlap 2), each at the batch such a run
// gives it by default (training-settings.ts: MNIST's local models 256, its global model 64; the demo 16), plus the reference
// net against PyTorch on one thread, run alternately so that both see the same machine state.
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../engine/backend';
import { buildModel } from '../engine/model-builder';
import { forwardMacs, profileTrainStep, type StepProfile } from '../engine/step-profile';
import { referenceNet } from '../engine/throughput';
import { findProjectRoot } from '../data/project-root';
import { planModels } from '../runs/plan';
import { resolveTrainingSettings } from '../runs/training-settings';
import { RUN_DEFAULTS, type RunConfig } from '../runs/run-config';

export interface ProfiledModel {
  name: string;
  inputShape: number[];
  macsPerSample: number;
  params: number;
  /** The fastest of the rounds: on a shared machine the others measure the neighbours too. */
  profile: StepProfile;
  /** msPerStep of every round. */
  rounds: number[];
}

export interface LocalVsGlobal {
  run: string;
  /**
   * A local model's training time per sample over the global model's: the median over the rounds of the
   * ratio within each round (both models timed back to back, so a machine that speeds up or slows down
   * between rounds moves both).
   */
  timeRatio: number;
  /** The ratio of every round. */
  roundRatios: number[];
  macRatio: number;
  /** timeRatio / macRatio: 1 means a small model costs exactly its share (goal <= 1.1). */
  efficiency: number;
}

export interface PytorchComparison {
  /** Samples/s of each alternating run, ours and PyTorch's. */
  ours: number[];
  pytorch: number[];
  /** The median over the rounds of ours over PyTorch's within each round (goal >= 0.8). */
  ratio: number;
  torchVersion?: string;
  error?: string;
}

export interface ProfileBench {
  backend: string;
  models: ProfiledModel[];
  localVsGlobal: LocalVsGlobal[];
  pytorch: PytorchComparison;
}

interface Case {
  name: string;
  build: () => tf.LayersModel;
  inputShape: number[];
  classes: number;
  batch: number;
  steps: number;
}

/** The default batches of a run's global and local models on nTrain training cases. */
function defaultBatches(dims: number, nTrain: number): { global: number; local: number } {
  const config: RunConfig = { data: 'bench', overlap: 2, family: 'vgg', epochs: 1, seed: RUN_DEFAULTS.seed, global: true };
  resolveTrainingSettings(config, dims, nTrain);
  return { global: config.batch!, local: config.localBatch! };
}

function cases(): Case[] {
  // The training cases of the two runs: 12,000 MNIST digits, and the demo's 1,000-odd volumes.
  const mnistBatch = defaultBatches(2, 12_000);
  const demoBatch = defaultBatches(3, 1_000);
  const mnist = planModels({ family: 'vgg', spatialShape: [28, 28], channels: 1, classes: 10, grid: [2, 2], overlap: 2 });
  const demo = planModels({ family: 'vgg', spatialShape: [28, 28, 28], channels: 1, classes: 2, grid: [2, 2, 2], overlap: 2 });
  const zoo = (name: string, arch: typeof mnist.global.arch, classes: number, batch: number, steps: number): Case =>
    ({ name, build: () => buildModel(arch, 1), inputShape: [...arch.spatialShape, arch.channels], classes, batch, steps });
  return [
    { name: 'reference net', build: () => referenceNet(), inputShape: [28, 28, 1], classes: 10, batch: 64, steps: 20 },
    zoo('MNIST 2x2 global', mnist.global.arch, 10, mnistBatch.global, 20),
    zoo('MNIST 2x2 local-0', mnist.locals[0].arch, 10, mnistBatch.local, 20),
    zoo('demo 2x2x2 global', demo.global.arch, 2, demoBatch.global, 6),
    zoo('demo 2x2x2 local-0', demo.locals[0].arch, 2, demoBatch.local, 10),
  ];
}

const median = (v: number[]) => [...v].sort((a, b) => a - b)[Math.floor(v.length / 2)];

/** A Python 3 that imports torch (Debian's python3-torch installs into /usr/bin/python3), if any. */
function pythonWithTorch(): string | undefined {
  for (const python of ['python3', '/usr/bin/python3']) {
    if (spawnSync(python, ['-c', 'import torch'], { stdio: 'ignore' }).status === 0) return python;
  }
  return undefined;
}

async function comparePytorch(rounds: number, onProgress?: (what: string) => void): Promise<PytorchComparison> {
  const python = pythonWithTorch();
  if (!python) return { ours: [], pytorch: [], ratio: NaN, error: 'no Python 3 with PyTorch found (Debian: apt-get install python3-torch)' };
  const script = path.join(findProjectRoot(import.meta.url), 'scripts', 'pytorch-reference-net.py');
  const ours: number[] = [];
  const pytorch: number[] = [];
  let torchVersion: string | undefined;
  for (let r = 0; r < rounds; r++) {
    onProgress?.(`reference net vs PyTorch, round ${r + 1}/${rounds}`);
    const model = referenceNet();
    ours.push((await profileTrainStep(model, { sampleShape: [28, 28, 1], classes: 10, batch: 64, steps: 100, warmup: 5, timeOnly: true })).samplesPerSecond);
    model.dispose();
    const run = spawnSync(python, [script, '100', '5'], { encoding: 'utf8' });
    if (run.status !== 0) return { ours, pytorch, ratio: NaN, error: `${script} failed: ${(run.stderr || '').trim().split('\n').pop()}` };
    const row = JSON.parse(run.stdout.trim().split('\n').pop()!) as { samplesPerSecond: number; torch: string };
    pytorch.push(row.samplesPerSecond);
    torchVersion = row.torch;
  }
  return { ours, pytorch, ratio: median(ours.map((o, r) => o / pytorch[r])), torchVersion };
}

export async function profileBench(o: { rounds?: number; onProgress?: (what: string) => void } = {}): Promise<ProfileBench> {
  const backend = await initBackend();
  const rounds = o.rounds ?? 5;
  const all = cases();
  const profiles = all.map((): StepProfile[] => []);
  const costs = all.map(() => ({ macsPerSample: 0, params: 0 }));
  // Round by round, every model once: the models compared with one another are timed a few seconds apart.
  for (let r = 0; r < rounds; r++) {
    for (const [i, c] of all.entries()) {
      o.onProgress?.(`${c.name}, round ${r + 1}/${rounds}`);
      const model = c.build();
      costs[i] = { macsPerSample: forwardMacs(model), params: model.countParams() };
      profiles[i].push(await profileTrainStep(model, { sampleShape: c.inputShape, classes: c.classes, batch: c.batch, steps: c.steps, warmup: 3 }));
      model.dispose();
    }
  }
  const models: ProfiledModel[] = all.map((c, i) => ({
    name: c.name, inputShape: c.inputShape, ...costs[i],
    profile: profiles[i].reduce((a, b) => (b.msPerStep < a.msPerStep ? b : a)),
    rounds: profiles[i].map((p) => p.msPerStep),
  }));
  const ratio = (run: string): LocalVsGlobal => {
    const g = all.findIndex((c) => c.name === `${run} global`);
    const l = all.findIndex((c) => c.name === `${run} local-0`);
    const perSample = (p: StepProfile) => p.msPerStep / p.batch;
    const roundRatios = profiles[l].map((p, r) => perSample(p) / perSample(profiles[g][r]));
    const timeRatio = median(roundRatios);
    const macRatio = costs[l].macsPerSample / costs[g].macsPerSample;
    return { run, timeRatio, roundRatios, macRatio, efficiency: timeRatio / macRatio };
  };
  const pytorch = await comparePytorch(rounds, o.onProgress);
  return { backend: backend.name, models, localVsGlobal: [ratio('MNIST 2x2'), ratio('demo 2x2x2')], pytorch };
}

const f1 = (v: number) => v.toFixed(1);
const f2 = (v: number) => v.toFixed(2);

export function profileMarkdown(p: ProfileBench): string[] {
  const lines = ['', `## Training-step profile (${p.backend}; fastest of the rounds; ms per step)`, ''];
  lines.push('| model | input | batch | MACs/sample | ms/step | samples/s | copy | forward | backward | optimizer | read-back | kernels | JS between kernels |', '|---|---|---|---|---|---|---|---|---|---|---|---|---|');
  for (const m of p.models) {
    const s = m.profile;
    lines.push(`| ${m.name} | ${m.inputShape.join('x')} | ${s.batch} | ${m.macsPerSample} | ${f1(s.msPerStep)} | ${Math.round(s.samplesPerSecond)} | ${f2(s.phases.copy)} | ${f1(s.phases.forward)} | ${f1(s.phases.backward)} | ${f2(s.phases.optimizer)} | ${f2(s.phases.readBack)} | ${f1(s.kernelMs)} | ${f1(s.jsOverheadMs)} |`);
  }
  for (const m of p.models) {
    lines.push('', `${m.name}: kernels per step (ms, calls): ${m.profile.kernels.slice(0, 10).map((k) => `${k.name} ${f2(k.ms)} (${k.callsPerStep})`).join(', ')}`);
  }
  lines.push('', '| run | local time/sample ÷ global (median of rounds) | each round | MAC ratio | efficiency (goal <= 1.1) |', '|---|---|---|---|---|');
  for (const r of p.localVsGlobal) lines.push(`| ${r.run} | ${f2(r.timeRatio)} | ${r.roundRatios.map(f2).join(', ')} | ${f2(r.macRatio)} | ${f2(r.efficiency)} (${f2(Math.min(...r.roundRatios) / r.macRatio)}-${f2(Math.max(...r.roundRatios) / r.macRatio)}) |`);
  const t = p.pytorch;
  const each = t.ours.map((o, r) => f2(o / t.pytorch[r])).join(', ');
  lines.push('', t.error
    ? `Reference net vs PyTorch: not measured (${t.error}).`
    : `Reference net vs PyTorch ${t.torchVersion} (one thread), alternating runs: ours ${t.ours.map(Math.round).join(', ')} samples/s, PyTorch ${t.pytorch.map(Math.round).join(', ')}; ratio per round ${each}; median **${f2(t.ratio)}** (goal >= 0.8).`);
  return lines;
}
