// `ddcnn bench`: measurements of speed, parallel scaling, accuracy and memory, written to
// bench/results.json and bench/results.md. Benchmarks are not tests: they take minutes to hours and
// report what they measured, targets met or not.
import { Command, Option } from 'commander';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { initBackend } from '../engine/backend';
import { measureThroughput } from '../engine/throughput';
import { loadDataset } from '../data/load';
import { findProjectRoot } from '../data/project-root';
import { createRun } from '../runs/create-run';
import { executeRun } from '../runs/execute-run';
import { forkLauncher } from '../runs/launcher';
import { readEval, summarizeRun, type RunSummary } from '../runs/summary';
import { readRunRecord } from '../runs/run-record';
import type { RunConfig } from '../runs/run-config';
import { progressReporter } from './progress';
import { importBench, importBenchMarkdown, type ImportBench } from './bench-import';
import { importProgressReporter } from './import-progress';
import { fuzzBench, fuzzBenchMarkdown, type FuzzBench } from './bench-fuzz';
import { PAPER_CASES, paperMarkdown, type PaperResult } from './bench-paper';
import { benchBackends, backendsMarkdown, measureBackendHere, type BackendBench } from './bench-backends';
import { profileBench, profileMarkdown, type ProfileBench } from './bench-profile';

const PARTS = ['throughput', 'profile', 'scaling', 'mnist', 'lidc', 'import', 'fuzz', 'backends', 'paper'] as const;
type Part = (typeof PARTS)[number];

// The LIDC nodule set may not be redistributed, so it is read from the shared data folder beside the project.
const LIDC_NPZ = path.resolve(findProjectRoot(import.meta.url), '../shared/data/lidc-nodules/lidc_nodules_64x64x48.npz');

async function trainRun(workspace: string, config: RunConfig, quiet: boolean): Promise<RunSummary> {
  const runDir = await createRun(workspace, config);
  const progress = progressReporter(quiet);
  const rec = await executeRun(runDir, { launcher: forkLauncher, onEvent: progress.onEvent }).done;
  progress.close();
  if (rec.status !== 'completed') throw new Error(`benchmark run ${runDir} ${rec.status}: ${rec.error ?? ''}`);
  return summarizeRun(runDir, rec, readEval(runDir));
}

/** Item 4: samples/s of one process on the reference net, on real MNIST digits. */
async function throughput() {
  const backend = await initBackend();
  const mnist = await loadDataset('mnist');
  const train = mnist.splits.train!;
  const samplesPerSecond = await measureThroughput(train.x, train.y, { batches: 150 });
  return { backend: backend.name, samplesPerSecond: Math.round(samplesPerSecond), goal: 1000 };
}

/**
 * Item 3: aggregate local-model training throughput with 1 and with 2 trainer processes: the same
 * four MNIST local models, trained once one at a time and once two at a time. Samples trained per
 * second of the local stage's wall-clock time, process starts and output predictions included.
 */
async function scaling(workspace: string, quiet: boolean) {
  const base: RunConfig = { data: 'mnist', grid: [2, 2], overlap: 2, family: 'vgg', epochs: 2, batch: 64, learningRate: 1e-3, seed: 1, global: false, limit: 16000, limitTest: 1000 };
  const runs: { workers: number; runId: string; localWallSeconds: number; aggregateSamplesPerSecond: number; trainerSamplesPerSecond: number[] }[] = [];
  for (const workers of [1, 2]) {
    const s = await trainRun(workspace, { ...base, workers }, quiet);
    const samples = s.dataset.nTrain * base.epochs * s.accuracy.local.length;
    // Each trainer's own rate inside its training loop, to tell process overheads from slower steps.
    const models = readRunRecord(s.runDir).models;
    const trainerSamplesPerSecond = Object.values(models).filter((m) => m.role === 'local').map((m) => Math.round(m.samplesPerSecond ?? 0));
    runs.push({ workers, runId: s.runId, localWallSeconds: s.seconds.localWall, aggregateSamplesPerSecond: Math.round(samples / s.seconds.localWall), trainerSamplesPerSecond });
  }
  return { runs, speedup: Number((runs[1].aggregateSamplesPerSecond / runs[0].aggregateSamplesPerSecond).toFixed(2)), goal: 1.8 };
}

export function benchCommand(program: Command): void {
  program
    .command('bench')
    .description('measure throughput, parallel scaling, accuracy, import speed, memory and the compute backends side by side, and fuzz the readers; writes bench/results.json and .md')
    .addOption(new Option('--only <part>', 'run one part only').choices([...PARTS]))
    .option('--epochs <n>', 'epochs of every model in the MNIST and LIDC runs (default: 10 for MNIST, 15 for LIDC)', (v) => Number(v))
    .option('--fuzz-cases <n>', 'mutated files per reader in the fuzz part (default 100)', (v) => Number(v))
    .option('--out <dir>', 'folder for results.json and results.md', 'bench')
    .option('--workspace <dir>', 'folder holding the benchmark runs', path.join(os.tmpdir(), 'ddcnn-bench'))
    .option('--json', 'print the results as JSON on stdout (for --only throughput: {backend, samplesPerSecond})')
    .option('--seconds <s>', 'backends: timed seconds per net and backend', (v) => Number(v), 15)
    .option('--paper-cases <list>', `paper: the cases to run, comma-separated (default all: ${PAPER_CASES.map((c) => c.name).join(', ')})`)
    .option('--backend <name>', 'backends: measure this one backend in this process and print its row as JSON (what each child does)')
    .action(async (o) => {
      if (o.backend !== undefined) {
        const row = await measureBackendHere(o.backend, o.seconds).catch((e: Error): BackendBench => ({ backend: o.backend, error: e.message.split('\n')[0] }));
        process.stdout.write(JSON.stringify(row) + '\n');
        process.exit(0); // Dawn's and tfjs's handles would keep the process alive
      }
      const parts: Part[] = o.only ? [o.only] : [...PARTS];
      const quiet = Boolean(o.json);
      const results: Record<string, unknown> = {};
      for (const part of parts) {
        process.stderr.write(`bench: ${part}\n`);
        if (part === 'throughput') results.throughput = await throughput();
        if (part === 'profile') results.profile = await profileBench({ onProgress: quiet ? undefined : (what) => process.stderr.write(`bench: profile: ${what}\n`) });
        if (part === 'scaling') results.scaling = await scaling(o.workspace, quiet);
        if (part === 'mnist') {
          results.mnist = await trainRun(o.workspace, { data: 'mnist', grid: [2, 2], overlap: 2, family: 'vgg', epochs: o.epochs ?? 10, batch: 64, learningRate: 1e-3, seed: 1, global: true }, quiet);
        }
        if (part === 'lidc') {
          results.lidc = await trainRun(
            o.workspace,
            { data: LIDC_NPZ, grid: [2, 2, 2], overlap: 1, family: 'vgg', epochs: o.epochs ?? 15, batch: 32, learningRate: 1e-3, seed: 1, global: true, shape: [24, 32, 32] },
            quiet,
          );
        }
        if (part === 'paper') {
          const wanted = o.paperCases ? String(o.paperCases).split(',') : PAPER_CASES.map((c) => c.name);
          const unknown = wanted.filter((w) => !PAPER_CASES.some((c) => c.name === w));
          if (unknown.length) throw new Error(`--paper-cases: unknown case(s) ${unknown.join(', ')}; known: ${PAPER_CASES.map((c) => c.name).join(', ')}`);
          // Cases measured in earlier invocations are kept; a case run again replaces its row.
          const earlier = ((readPreviousResults(path.join(o.out, 'results.json')).paper as PaperResult[] | undefined) ?? []).filter((r) => !wanted.includes(r.case));
          const measured: PaperResult[] = [];
          for (const c of PAPER_CASES.filter((k) => wanted.includes(k.name))) {
            process.stderr.write(`bench: paper: ${c.name}\n`);
            measured.push(await trainRun(o.workspace, c.config, quiet).then((summary) => ({ case: c.name, settings: c.config, summary }), (e: Error) => ({ case: c.name, settings: c.config, error: e.message.split('\n')[0] })));
          }
          const order = PAPER_CASES.map((c) => c.name);
          results.paper = [...earlier, ...measured].sort((a, b) => order.indexOf(a.case) - order.indexOf(b.case));
        }
        if (part === 'backends') {
          results.backends = await benchBackends({ seconds: o.seconds, onStart: (b) => process.stderr.write(`bench: backends: ${b}\n`) });
        }
        if (part === 'import') {
          const progress = quiet ? undefined : importProgressReporter();
          results.import = await importBench(progress?.onProgress).finally(() => progress?.close());
        }
        if (part === 'fuzz') {
          results.fuzz = await fuzzBench({
            casesPerReader: o.fuzzCases ?? 100,
            seed: 1,
            processes: 2,
            heapLimitMB: 512,
            rssLimitMB: 1536,
            timeLimitSeconds: 30,
            keepDir: path.join(o.out, 'fuzz-failures'),
            onProgress: quiet ? undefined : (done, total) => (done % 20 === 0 || done === total) && process.stderr.write(`\rfuzz: ${done}/${total} cases`),
          });
          if (!quiet) process.stderr.write('\n');
        }
      }
      // With --only, the other parts' earlier results are kept rather than wiped from the report.
      const previous = o.only ? readPreviousResults(path.join(o.out, 'results.json')) : {};
      const report = { date: new Date().toISOString(), machine: { cpus: os.cpus().length, model: os.cpus()[0]?.model, memoryGB: Math.round(os.totalmem() / 2 ** 30) }, results: { ...previous, ...results } };
      fs.mkdirSync(o.out, { recursive: true });
      fs.writeFileSync(path.join(o.out, 'results.json'), JSON.stringify(report, null, 2));
      fs.writeFileSync(path.join(o.out, 'results.md'), markdown(report.results));
      if (o.json) process.stdout.write(JSON.stringify(o.only === 'throughput' ? results.throughput : report) + '\n');
      else process.stdout.write(markdown(results) + `\nwritten to ${path.join(o.out, 'results.json')} and results.md\n`);
    });
}

function readPreviousResults(file: string): Record<string, unknown> {
  try {
    const json = JSON.parse(fs.readFileSync(file, 'utf8'));
    return json && typeof json.results === 'object' ? json.results : {};
  } catch {
    return {};
  }
}

function markdown(results: Record<string, unknown>): string {
  const lines = ['# DD-CNN Studio benchmark', ''];
  const t = results.throughput as { backend: string; samplesPerSecond: number } | undefined;
  if (t) lines.push(`- Reference net, one ${t.backend} process: **${t.samplesPerSecond} samples/s** (goal >= 1000)`);
  const s = results.scaling as { runs: { workers: number; aggregateSamplesPerSecond: number; trainerSamplesPerSecond: number[] }[]; speedup: number } | undefined;
  if (s) {
    lines.push(`- Local-model training, aggregate over the local stage's wall-clock time: ${s.runs.map((r) => `${r.workers} process(es) ${r.aggregateSamplesPerSecond} samples/s`).join(', ')}; speed-up **${s.speedup}x** (goal >= 1.8)`);
    lines.push(`  (each trainer's own rate: ${s.runs.map((r) => `${r.workers} at a time: ${r.trainerSamplesPerSecond.join(', ')}`).join('; ')} samples/s)`);
  }
  for (const key of ['mnist', 'lidc'] as const) {
    const r = results[key] as RunSummary | undefined;
    if (!r) continue;
    const pct = (v?: number) => (v === undefined ? '-' : `${(v * 100).toFixed(2)}%`);
    const auc = (v?: number) => (v === undefined ? '-' : v.toFixed(3));
    lines.push('', `## ${key}: ${r.dataset.name}, ${r.decomposition.grid.join('x')} overlap ${r.decomposition.overlap}, train ${r.dataset.nTrain} / test ${r.dataset.nTest}, ${r.backend}`, '');
    lines.push('| model | accuracy | AUC |', '|---|---|---|');
    lines.push(`| global | ${pct(r.accuracy.global)} | ${auc(r.auc?.global)} |`, `| CNN-DNN | ${pct(r.accuracy.cnnDnn)} | ${auc(r.auc?.cnnDnn)} |`);
    lines.push(`| average | ${pct(r.accuracy.average)} | ${auc(r.auc?.average)} |`, `| vote | ${pct(r.accuracy.vote)} | ${auc(r.auc?.vote)} |`);
    r.accuracy.local.forEach((a, i) => lines.push(`| local-${i} | ${pct(a)} | ${auc(r.auc?.local[i])} |`));
    lines.push('', `Wall-clock: CNN-DNN ${r.seconds.cnnDnnWall.toFixed(1)} s, global ${r.seconds.globalWall?.toFixed(1)} s, ratio ${r.seconds.globalWall ? (r.seconds.cnnDnnWall / r.seconds.globalWall).toFixed(2) : '-'} (goal <= 0.6).`);
    if (r.memoryMB) lines.push(`Peak memory: orchestrator ${r.memoryMB.orchestratorPeakMB.toFixed(0)} MB; trainers ${Object.entries(r.memoryMB.trainersPeakMB).map(([n, v]) => `${n} ${v.toFixed(0)} MB`).join(', ')}.`);
  }
  if (results.profile) lines.push(...profileMarkdown(results.profile as ProfileBench));
  if (results.import) lines.push(...importBenchMarkdown(results.import as ImportBench));
  if (results.fuzz) lines.push(...fuzzBenchMarkdown(results.fuzz as FuzzBench));
  if (results.backends) lines.push(...backendsMarkdown(results.backends as BackendBench[]));
  if (results.paper) lines.push(...paperMarkdown(results.paper as PaperResult[]));
  return lines.join('\n') + '\n';
}
