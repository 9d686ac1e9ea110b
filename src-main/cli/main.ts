// The `ddcnn` command line: train, resume, eval, predict, dataset and bench, with progress on stderr,
// results on stdout (a table, or one JSON object with --json) and a non-zero exit code on failure.
import { Command, InvalidArgumentError, Option } from 'commander';
import path from 'node:path';
import { parseGrid } from '../engine/decomposition';
import { createRun } from '../runs/create-run';
import { executeRun, type RunHandle } from '../runs/execute-run';
import { evaluateRun } from '../runs/evaluate';
import { forkLauncher } from '../runs/launcher';
import { readRunRecord, writeRunRecord } from '../runs/run-record';
import { RUN_DEFAULTS, slurmSettingsSchema, type ExecutorConfig } from '../runs/run-config';
import { cancelRunJobs, runJobStates } from '../runs/executors';
import { readEval, summarizeRun, summaryTable } from '../runs/summary';
import { progressReporter } from './progress';
import { predictCommand } from './predict';
import { exportCommand } from './export';
import { reportCommand } from './report';
import { benchCommand } from './bench';
import { datasetCommand, shapeArg, spacingArg, windowArg } from './dataset';
import { importProgressReporter } from './import-progress';
import { serveCommand } from '../server/serve-command';
import { COHERENT_VARIANTS, type CoherentVariant } from '../runs/coherent-protocol';

const int = (name: string, min = 1) => (v: string) => {
  const n = Number(v);
  if (!Number.isInteger(n) || n < min) throw new InvalidArgumentError(`${name} must be a whole number >= ${min}, got "${v}"`);
  return n;
};
const positive = (name: string) => (v: string) => {
  const n = Number(v);
  if (!(n > 0)) throw new InvalidArgumentError(`${name} must be a positive number, got "${v}"`);
  return n;
};
const nonNegative = (name: string) => (v: string) => {
  const n = Number(v);
  if (!(n >= 0) || v.trim() === '') throw new InvalidArgumentError(`${name} must be a number >= 0, got "${v}"`);
  return n;
};
const flipAxes = (v: string) => {
  if (v === 'none') return [];
  const axes = v.split(',').map((a) => a.trim());
  const bad = axes.filter((a) => !['x', 'y', 'z'].includes(a));
  if (bad.length) throw new InvalidArgumentError(`--flip takes x, y, z (comma-separated) or none, got "${bad.join(',')}"`);
  return axes;
};
const grid = (v: string) => {
  try {
    return parseGrid(v);
  } catch (e) {
    throw new InvalidArgumentError((e as Error).message);
  }
};

const collect = (v: string, all: string[]) => [...all, v];
/** --variants coherent,transfer: each name once, each one of the known variants. */
const variantsArg = (v: string): CoherentVariant[] => {
  const names = v.split(',').map((s) => s.trim()).filter(Boolean);
  const unknown = names.filter((n) => !(COHERENT_VARIANTS as readonly string[]).includes(n));
  if (unknown.length || names.length === 0) throw new InvalidArgumentError(`--variants takes ${COHERENT_VARIANTS.join(' and/or ')}, comma-separated; got "${v}"`);
  return [...new Set(names)] as CoherentVariant[];
};

/** The Slurm settings of run.json and the options that set them. */
const SLURM_OPTIONS = {
  partition: 'partition',
  account: 'account',
  gpusPerModel: 'gpus-per-model',
  cpusPerModel: 'cpus-per-model',
  memPerModel: 'mem-per-model',
  timeLimit: 'time-limit',
  sbatchArgs: 'sbatch-arg',
  probeSeconds: 'probe-timeout',
} as const;

/** --executor and the Slurm options, validated like run.json's settings; Slurm options need --executor slurm. */
function executorFromOptions(o: Record<string, unknown>): ExecutorConfig | undefined {
  // commander's camel-case names of the options; --sbatch-arg collects into an array.
  const value = (key: keyof typeof SLURM_OPTIONS) => {
    const v = o[SLURM_OPTIONS[key].replace(/-(\w)/g, (_, c: string) => c.toUpperCase())];
    return Array.isArray(v) && v.length === 0 ? undefined : v;
  };
  const set: Record<string, unknown> = {};
  for (const key of Object.keys(SLURM_OPTIONS) as (keyof typeof SLURM_OPTIONS)[]) if (value(key) !== undefined) set[key] = value(key);
  if (o.executor !== 'slurm') {
    const first = Object.keys(set)[0] as keyof typeof SLURM_OPTIONS | undefined;
    if (first) throw new InvalidArgumentError(`--${SLURM_OPTIONS[first]} is a Slurm option: add --executor slurm`);
    return undefined;
  }
  const parsed = slurmSettingsSchema.safeParse(set);
  if (!parsed.success) throw new InvalidArgumentError(parsed.error.issues.map((i) => `--${SLURM_OPTIONS[i.path[0] as keyof typeof SLURM_OPTIONS]}: ${i.message}`).join('; '));
  return { kind: 'slurm', ...parsed.data };
}

/** Runs (or resumes) a run with live progress; Ctrl-C stops every trainer and leaves a resumable run. */
async function runWithProgress(runDir: string, opts: { workers?: number; json?: boolean }): Promise<number> {
  const progress = progressReporter();
  let handle: RunHandle | undefined;
  let interrupted = false;
  const onSigint = () => {
    if (interrupted) return;
    interrupted = true;
    const what = readRunRecord(runDir).config.executor?.kind === 'slurm' ? 'cancelling every Slurm job of the run' : 'stopping every trainer';
    process.stderr.write(`\n${what} (resume later with: ddcnn resume ${runDir})\n`);
    handle?.stop();
  };
  process.on('SIGINT', onSigint);
  process.on('SIGTERM', onSigint);
  handle = executeRun(runDir, { launcher: forkLauncher, workers: opts.workers, onEvent: progress.onEvent });
  const rec = await handle.done;
  progress.close();
  process.off('SIGINT', onSigint);
  process.off('SIGTERM', onSigint);
  if (rec.status === 'interrupted') {
    process.stderr.write(`run interrupted; its checkpoints are kept. Continue with: ddcnn resume ${runDir}\n`);
    return 130;
  }
  if (rec.status === 'failed') {
    process.stderr.write(`run failed: ${rec.error}\nrun folder: ${runDir}\n`);
    return 1;
  }
  const ev = readEval(runDir);
  if (opts.json) process.stdout.write(JSON.stringify(summarizeRun(runDir, rec, ev)) + '\n');
  else process.stdout.write(`\nrun ${rec.id} (${runDir})\n${summaryTable(rec, ev)}\n`);
  return 0;
}

export function buildProgram(): Command {
  const program = new Command('ddcnn')
    .description('DD-CNN Studio: domain-decomposition CNN-DNN training for CT volumes and images')
    .showHelpAfterError();

  program
    .command('train')
    .description('create a run and train it: local models in parallel, the coarse model, the global model')
    .option('--demo', 'use the built-in AdrenalMNIST3D demo data (28^3, 2x2x2 by default)')
    .option('--data <spec>', 'data: mnist, a .npz file, a folder with one sub-folder per class, or a .csv manifest of scans')
    .option('--decomposition <grid>', 'subdomains nx x ny [x nz], e.g. 2x2 or 2x2x2', grid)
    .option('--overlap <voxels>', 'overlap of neighbouring subdomains in voxels', int('overlap', 0), RUN_DEFAULTS.overlap)
    .addOption(new Option('--model <family>', 'model family').choices(['vgg', 'resnet']).default(RUN_DEFAULTS.family))
    .option('--width <filters>', 'base width (filters) of the global model; 16 for images, 8 for volumes', int('width'))
    .option('--epochs <n>', 'epochs for every model', int('epochs'), RUN_DEFAULTS.epochs)
    .option('--coarse-epochs <n>', 'epochs of the coarse model (default: --epochs)', int('coarse-epochs'))
    .option('--batch <n>', 'batch size (default 16 below 5,000 training cases, else 64)', int('batch'))
    .option('--lr <rate>', 'learning rate (Adam; default 0.003 below 5,000 training cases, else 0.001)', positive('lr'))
    .option('--local-batch <n>', 'batch of the local models, at --lr times --local-batch / --batch (default: twice the default batch from 5,000 training cases on, four times from 10,000, else --batch)', int('local-batch'))
    .option('--seed <n>', 'seed of the split, the shuffles and the initial weights', int('seed', 0), RUN_DEFAULTS.seed)
    .option('--no-global', 'do not train the global baseline model')
    .option('--workers <n>', 'trainer processes at a time (default: cores, or GPUs)', int('workers'))
    .option('--limit <n>', 'use at most n training cases (stratified)', int('limit'))
    .option('--limit-test <n>', 'use at most n test cases (stratified)', int('limit-test'))
    .option('--shape <shape>', 'resample inputs to this shape, e.g. 24x32x32 (for scans: the import recipe\'s shape)', shapeArg)
    .option('--window <low,high>', 'scans: intensity window clipped and scaled to 0..1 (default -1000,400 for HU, else the data range)', windowArg)
    .option('--spacing <mm>', 'scans: resample to this voxel size (order of --shape), then crop/pad to --shape', spacingArg)
    .addOption(new Option('--class-weight <mode>', 'weight each class\'s loss: balanced (n / (K * n_c)) or none (default: balanced when the largest class has over 1.5x the smallest\'s cases)').choices(['balanced', 'none']))
    .addOption(new Option('--select <criterion>', 'validation criterion that picks the epoch whose weights each model keeps').choices(['loss', 'auc', 'balanced-accuracy', 'last']).default('loss'))
    .option('--patience <epochs>', 'stop a model after this many epochs without improvement of the criterion', int('patience'))
    .addOption(new Option('--augment <preset>', 'augmentation of the training inputs (default light for 2D images, none for volumes)').choices(['none', 'light', 'strong']))
    .option('--flip <axes>', 'axes that augmentation may mirror: x (width; left-right in axial CT), y, z, comma-separated, or none (default none)', flipAxes)
    .option('--shift <voxels>', 'augmentation: largest random shift per axis (light 2, strong 4)', int('shift', 0))
    .option('--rotate <degrees>', 'augmentation, 2D: largest random rotation (light 8, strong 15)', nonNegative('rotate'))
    .option('--intensity-jitter <f>', 'augmentation: intensity scale and offset jitter (light 0.05, strong 0.1)', nonNegative('intensity-jitter'))
    .addOption(new Option('--schedule <kind>', 'learning-rate schedule (default cosine with 1 epoch of warm-up)').choices(['constant', 'cosine', 'plateau']))
    .option('--warmup <epochs>', 'cosine schedule: epochs of linear warm-up', nonNegative('warmup'))
    .option('--weight-decay <d>', 'AdamW-style decoupled weight decay of the kernels (default 0)', nonNegative('weight-decay'))
    .option('--dropout <rate>', 'dropout before each local and global model\'s softmax head (default 0)', nonNegative('dropout'))
    .addOption(new Option('--coarse-inputs <kind>', 'what the coarse model trains on: the local models\' outputs on the training split, their out-of-fold outputs (k fold models per local model), or the validation split (default train)').choices(['train', 'out-of-fold', 'validation']))
    .option('--folds <k>', 'out-of-fold coarse inputs: folds (default 3)', int('folds', 2))
    .option('--positive <class>', 'two classes: the class that sensitivity, specificity and AUC refer to (default: the training split\'s minority class)')
    .option('--variants <list>', 'also train the follow-up paper\'s variants after the CNN-DNN: coherent (one model trained end to end, model-parallel) and/or transfer (the same, initialised from this run\'s CNN-DNN), e.g. coherent,transfer', variantsArg)
    .option('--coherent-epochs <n>', 'epochs of the coherent CNN-DNN (default: --epochs)', int('coherent-epochs'))
    .option('--coherent-lr <rate>', 'learning rate of the coherent CNN-DNN (default: --lr)', positive('coherent-lr'))
    .option('--transfer-epochs <n>', 'epochs of transfer learning (default: half of --epochs, at least 1)', int('transfer-epochs'))
    .option('--transfer-lr <rate>', 'learning rate of transfer learning (default: --lr / 10)', positive('transfer-lr'))
    .option('--workspace <dir>', 'folder holding runs/ (default: the current folder)', process.cwd())
    .option('--json', 'print one JSON object with the results on stdout')
    .addOption(new Option('--executor <kind>', 'where the trainers run: processes of this machine, or jobs of a Slurm cluster').choices(['local', 'slurm']).default('local'))
    .option('--partition <name>', 'Slurm: the partition of every trainer job')
    .option('--account <name>', 'Slurm: the account charged for the jobs')
    .option('--gpus-per-model <n>', 'Slurm: GPUs of each trainer job (--gres=gpu:n; Slurm sets CUDA_VISIBLE_DEVICES)', int('gpus-per-model', 0))
    .option('--cpus-per-model <n>', 'Slurm: CPUs of each trainer job (--cpus-per-task)', int('cpus-per-model'))
    .option('--mem-per-model <size>', 'Slurm: memory of each trainer job, e.g. 4G')
    .option('--time-limit <time>', 'Slurm: wall-time limit of each trainer job (minutes, or [days-]hours:minutes:seconds)')
    .option('--sbatch-arg <arg>', 'Slurm: a further sbatch argument for every job, e.g. --sbatch-arg=--qos=short (repeatable)', collect, [])
    .option('--probe-timeout <s>', 'Slurm: how long the shared-filesystem probe job may take (default 120)', positive('probe-timeout'))
    .action(async (o) => {
      if (!o.demo && !o.data) throw new InvalidArgumentError('give --data <mnist|file.npz|folder|file.csv> or --demo');
      const executor = executorFromOptions(o);
      if (o.demo && o.data) throw new InvalidArgumentError('give either --demo or --data, not both');
      const importProgress = importProgressReporter();
      const runDir = await createRun(path.resolve(o.workspace), {
        data: o.demo ? 'demo' : o.data,
        grid: o.decomposition,
        overlap: o.overlap,
        family: o.model,
        width: o.width,
        epochs: o.epochs,
        coarseEpochs: o.coarseEpochs,
        batch: o.batch,
        localBatch: o.localBatch,
        learningRate: o.lr,
        seed: o.seed,
        global: o.global,
        workers: o.workers,
        limit: o.limit,
        limitTest: o.limitTest,
        shape: o.shape,
        window: o.window,
        spacing: o.spacing,
        positive: o.positive,
        classWeight: o.classWeight,
        select: o.select,
        patience: o.patience,
        variants: o.variants,
        coherentEpochs: o.coherentEpochs,
        coherentLearningRate: o.coherentLr,
        transferEpochs: o.transferEpochs,
        transferLearningRate: o.transferLr,
        augment: o.augment,
        flip: o.flip,
        shift: o.shift,
        rotate: o.rotate,
        intensityJitter: o.intensityJitter,
        schedule: o.schedule,
        warmup: o.warmup,
        weightDecay: o.weightDecay,
        dropout: o.dropout,
        coarseInputs: o.coarseInputs,
        folds: o.folds,
        executor,
      }, { onImportProgress: importProgress.onProgress }).finally(() => importProgress.close());
      process.stderr.write(`run folder: ${runDir}\n`);
      const recipe = readRunRecord(runDir).preprocessing.recipe;
      if (recipe) process.stderr.write(`imported scans, recipe: shape ${recipe.shape.join('x')}, window ${recipe.window.join('..')}, ${recipe.channels} channel(s)${recipe.spacing ? `, spacing ${recipe.spacing.join('x')} mm` : ''}\n`);
      process.exitCode = await runWithProgress(runDir, { workers: o.workers, json: o.json });
    });

  program
    .command('resume')
    .description('continue an interrupted or failed run from its checkpoints')
    .argument('<run>', 'run folder')
    .option('--workers <n>', 'trainer processes at a time', int('workers'))
    .option('--json', 'print one JSON object with the results on stdout')
    .action(async (run: string, o) => {
      const runDir = path.resolve(run);
      const rec = readRunRecord(runDir);
      if (rec.status === 'completed') process.stderr.write(`run ${rec.id} is already complete; showing its results\n`);
      process.exitCode = await runWithProgress(runDir, o);
    });

  program
    .command('status')
    .description("print every model's state and job (Slurm: its job id, state and reason or node, as Slurm sees it now)")
    .argument('<run>', 'run folder')
    .option('--json', 'print one JSON object')
    .action(async (run: string, o) => {
      const runDir = path.resolve(run);
      const rec = readRunRecord(runDir);
      const jobs = await runJobStates(rec);
      const models = Object.entries(rec.models).map(([name, m]) => ({ model: name, state: m.state, attempts: m.attempts, job: jobs[name] }));
      // The coherent variants: one stage each, local processes, no job of their own.
      for (const [name, v] of Object.entries(rec.variants ?? {})) models.push({ model: name, state: v.state, attempts: v.attempts, job: undefined });
      if (o.json) {
        process.stdout.write(JSON.stringify({ runId: rec.id, status: rec.status, executor: rec.config.executor?.kind ?? 'local', models, restarts: rec.restarts }) + '\n');
        return;
      }
      const rows = models.map((m) => [m.model, m.state, String(m.attempts), m.job?.id ?? '-', m.job ? `${m.job.state}${m.job.reason ? ` (${m.job.reason})` : ''}` : '-', m.job?.node ?? '']);
      const head = ['model', 'state', 'attempts', 'job', 'job state', 'node'];
      const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
      const fmt = (r: string[]) => r.map((c, i) => c.padEnd(widths[i])).join('  ').trimEnd();
      process.stdout.write(`run ${rec.id}: ${rec.status}, executor ${rec.config.executor?.kind ?? 'local'}\n${[head, ...rows].map(fmt).join('\n')}\n`);
      for (const r of rec.restarts) process.stdout.write(`restart: ${r.model} at ${r.at}${r.job ? ` (job ${r.job.id} ${r.job.state})` : ''}: ${r.reason}\n`);
    });

  program
    .command('cancel')
    .description('cancel every cluster job of a run (scancel); the run stays resumable from its checkpoints')
    .argument('<run>', 'run folder')
    .action(async (run: string) => {
      const runDir = path.resolve(run);
      const rec = readRunRecord(runDir);
      const ids = await cancelRunJobs(runDir, rec);
      if (rec.status === 'running') {
        rec.status = 'interrupted';
        for (const m of Object.values(rec.models)) if (m.state === 'running' || m.state === 'restarted') m.state = 'queued';
        writeRunRecord(runDir, rec);
      }
      process.stdout.write(`cancelled ${ids.length ? `jobs ${ids.join(', ')}` : 'no recorded job'} of run ${rec.id}; continue with: ddcnn resume ${runDir}\n`);
    });

  program
    .command('eval')
    .description('evaluate a finished run again and print its table')
    .argument('<run>', 'run folder')
    .option('--json', 'print one JSON object')
    .action((run: string, o) => {
      const runDir = path.resolve(run);
      const rec = readRunRecord(runDir);
      const ev = evaluateRun(runDir, rec);
      writeRunRecord(runDir, rec);
      process.stdout.write(o.json ? JSON.stringify(summarizeRun(runDir, rec, ev)) + '\n' : summaryTable(rec, ev) + '\n');
    });

  predictCommand(program);
  exportCommand(program);
  reportCommand(program);
  datasetCommand(program);
  benchCommand(program);
  serveCommand(program);
  return program;
}

buildProgram()
  .parseAsync(process.argv)
  .catch((e: Error) => {
    process.stderr.write(`ddcnn: ${e.message}\n`);
    process.exitCode = e instanceof InvalidArgumentError ? 2 : 1;
  });
