// `ddcnn bench --only profile`: where a training step's time goes on this machine's backend, for the
// reference net and for the local and global models of the two runs the speed issue measures (MNIST
// 2x2, overlap 2, batch 64; the demo's AdrenalMNIST3D 2x2x2, overlap 2, batch 16), plus the reference
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
  /** A local model's training time per sample over the global model's. */
  timeRatio: number;
  macRatio: number;
  /** timeRatio / macRatio: 1 means a small model costs exactly its share (goal <= 1.1). */
  efficiency: number;
}

export interface PytorchComparison {
  /** Samples/s of each alternating run, ours and PyTorch's. */
  ours: number[];
  pytorch: number[];
  /** Median of ours over median of PyTorch's (goal >= 0.8). */
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

function cases(): Case[] {
  const mnist = planModels({ family: 'vgg', spatialShape: [28, 28], channels: 1, classes: 10, grid: [2, 2], overlap: 2 });
  const demo = planModels({ family: 'vgg', spatialShape: [28, 28, 28], channels: 1, classes: 2, grid: [2, 2, 2], overlap: 2 });
  const zoo = (name: string, arch: typeof mnist.global.arch, classes: number, batch: number, steps: number): Case =>
    ({ name, build: () => buildModel(arch, 1), inputShape: [...arch.spatialShape, arch.channels], classes, batch, steps });
  return [
    { name: 'reference net', build: () => referenceNet(), inputShape: [28, 28, 1], classes: 10, batch: 64, steps: 20 },
    zoo('MNIST 2x2 global', mnist.global.arch, 10, 64, 20),
    zoo('MNIST 2x2 local-0', mnist.locals[0].arch, 10, 64, 20),
    zoo('demo 2x2x2 global', demo.global.arch, 2, 16, 6),
    zoo('demo 2x2x2 local-0', demo.locals[0].arch, 2, 16, 10),
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
  return { ours, pytorch, ratio: median(ours) / median(pytorch), torchVersion };
}

export async function profileBench(o: { rounds?: number; onProgress?: (what: string) => void } = {}): Promise<ProfileBench> {
  const backend = await initBackend();
  const rounds = o.rounds ?? 3;
  const models: ProfiledModel[] = [];
  for (const c of cases()) {
    const profiles: StepProfile[] = [];
    let macsPerSample = 0;
    let params = 0;
    for (let r = 0; r < rounds; r++) {
      o.onProgress?.(`${c.name}, round ${r + 1}/${rounds}`);
      const model = c.build();
      macsPerSample = forwardMacs(model);
      params = model.countParams();
      profiles.push(await profileTrainStep(model, { sampleShape: c.inputShape, classes: c.classes, batch: c.batch, steps: c.steps, warmup: 3 }));
      model.dispose();
    }
    const best = profiles.reduce((a, b) => (b.msPerStep < a.msPerStep ? b : a));
    models.push({ name: c.name, inputShape: c.inputShape, macsPerSample, params, profile: best, rounds: profiles.map((p) => p.msPerStep) });
  }
  const ratio = (run: string): LocalVsGlobal => {
    const g = models.find((m) => m.name === `${run} global`)!;
    const l = models.find((m) => m.name === `${run} local-0`)!;
    const perSample = (m: ProfiledModel) => m.profile.msPerStep / m.profile.batch;
    const timeRatio = perSample(l) / perSample(g);
    const macRatio = l.macsPerSample / g.macsPerSample;
    return { run, timeRatio, macRatio, efficiency: timeRatio / macRatio };
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
  lines.push('', '| run | local time/sample ÷ global | MAC ratio | efficiency (goal <= 1.1) |', '|---|---|---|---|');
  for (const r of p.localVsGlobal) lines.push(`| ${r.run} | ${f2(r.timeRatio)} | ${f2(r.macRatio)} | ${f2(r.efficiency)} |`);
  const t = p.pytorch;
  lines.push('', t.error
    ? `Reference net vs PyTorch: not measured (${t.error}).`
    : `Reference net vs PyTorch ${t.torchVersion} (one thread), alternating runs: ours ${t.ours.map(Math.round).join(', ')} samples/s, PyTorch ${t.pytorch.map(Math.round).join(', ')}; ratio of medians **${f2(t.ratio)}** (goal >= 0.8).`);
  return lines;
}
