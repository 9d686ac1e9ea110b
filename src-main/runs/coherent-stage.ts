// The coherent stages of a run (the follow-up paper's variants), after its CNN-DNN and global model: the
// coherent CNN-DNN trained from scratch, and transfer learning (the same model initialised from the run's
// finished local models and coarse model, trained further with its own, smaller learning rate). Each is
// trained model-parallel (coherent-parallel.ts): a process per branch and one for the coarse model, all
// local processes of this machine. A part that dies restarts the whole stage from its last common
// checkpoint, at most MAX_RESTARTS times; a stop leaves the common checkpoint for `ddcnn resume`.
import fs from 'node:fs';
import { coarseHiddenUnits } from '../engine/architecture';
import { writeFileAtomic } from '../engine/model-io';
import { coherentLayout, type CoherentPartJob, type CoherentVariant } from './coherent-protocol';
import { readCommonCheckpoint, trainCoherentParallel, type PartLauncher } from './coherent-parallel';
import { runLayout } from './layout';
import type { TrainerLauncher } from './launcher';
import { RUN_DEFAULTS } from './run-config';
import type { RunEvent, RunRecord, VariantRecord } from './run-types';

/** The run's batch and learning rate as it trained with them (resolved at creation; older runs: the defaults). */
export const batchOf = (rec: RunRecord): number => rec.config.batch ?? RUN_DEFAULTS.batch;
export const learningRateOf = (rec: RunRecord) => rec.config.learningRate ?? RUN_DEFAULTS.learningRate;

/** Transfer learning fine-tunes trained weights: a tenth of the run's learning rate unless one is given. */
export const TRANSFER_LR_FACTOR = 0.1;

/** The epochs and learning rate of a variant, from the run's settings. */
export function variantSettings(rec: RunRecord, variant: CoherentVariant): { epochs: number; learningRate: number } {
  const c = rec.config;
  if (variant === 'coherent') return { epochs: c.coherentEpochs ?? c.epochs, learningRate: c.coherentLearningRate ?? learningRateOf(rec) };
  return { epochs: c.transferEpochs ?? Math.max(1, Math.ceil(c.epochs / 2)), learningRate: c.transferLearningRate ?? learningRateOf(rec) * TRANSFER_LR_FACTOR };
}

/** The job of every part of a variant: its branches in subdomain order, then the coarse model. */
export function coherentJobs(runDir: string, rec: RunRecord, variant: CoherentVariant, backend: string | undefined): CoherentPartJob[] {
  const locals = Object.keys(rec.models)
    .filter((n) => rec.models[n].role === 'local')
    .sort((a, b) => Number(a.slice(6)) - Number(b.slice(6)));
  const classes = rec.dataset.classes.length;
  const { learningRate } = variantSettings(rec, variant);
  const common = {
    runDir,
    cacheDir: runLayout(runDir).cache,
    variant,
    subdomains: locals.length,
    hidden: coarseHiddenUnits(locals.length, classes),
    classes,
    batch: batchOf(rec),
    learningRate,
    seed: rec.config.seed,
    backend,
    classWeight: rec.config.classWeight ?? 'none',
    select: rec.config.select ?? 'loss',
    init: variant === 'transfer' ? ('run' as const) : ('fresh' as const),
    startEpoch: 0,
  };
  return [...locals.map((name) => ({ ...common, part: name, box: rec.models[name].box, arch: rec.models[name].arch })), { ...common, part: 'coarse' }];
}

/**
 * The trainer launcher as the launcher of coherent parts: the same entry module serves both protocols.
 * `deviceEnv` gives the part of branch i (the coarse part: slot 0) its device, as the executor does a trainer's.
 */
export function partLauncher(launcher: TrainerLauncher, deviceEnv: (slot: number) => Record<string, string> = () => ({})): PartLauncher {
  return (part, logFile) => launcher({ env: deviceEnv(part === 'coarse' ? 0 : Number(part.slice('local-'.length))), logFile }) as unknown as ReturnType<PartLauncher>;
}

export interface CoherentStageOptions {
  launcher: TrainerLauncher;
  /** The environment of the process in a slot (its GPU); slots beyond the GPUs wrap around. */
  deviceEnv?: (slot: number) => Record<string, string>;
  backend: string | undefined;
  shouldStop: () => boolean;
  emit: (e: RunEvent) => void;
  save: () => void;
  maxRestarts: number;
}

/**
 * Trains one variant to its end (or until stopped), recording it in rec.variants; returns whether it
 * finished. Throws when it failed more often than allowed.
 */
export async function runCoherentStage(runDir: string, rec: RunRecord, variant: CoherentVariant, o: CoherentStageOptions): Promise<boolean> {
  const { epochs, learningRate } = variantSettings(rec, variant);
  const v: VariantRecord = (rec.variants ??= {})[variant] ?? { state: 'queued', epochs, learningRate, attempts: 0 };
  rec.variants[variant] = v;
  if (v.state === 'done') return true;
  if (variant === 'transfer' && rec.models.coarse?.state !== 'done') throw new Error('transfer learning needs the run\'s trained local and coarse models');
  v.attempts = 0;
  const wallBefore = v.wallSeconds ?? 0;
  const t0 = performance.now();
  const wall = () => wallBefore + (performance.now() - t0) / 1000;
  for (;;) {
    v.attempts++;
    v.state = v.attempts > 1 ? 'restarted' : 'running';
    o.save();
    // The training rate of this attempt, for the progress events.
    let seen = 0;
    const stepsFrom = performance.now();
    try {
      const r = await trainCoherentParallel({
        runDir,
        variant,
        jobs: coherentJobs(runDir, rec, variant, o.backend),
        epochs,
        nTrain: rec.dataset.nTrain,
        batch: batchOf(rec),
        select: rec.config.select ?? 'loss',
        patience: rec.config.patience,
        launch: partLauncher(o.launcher, o.deviceEnv),
        shouldStop: o.shouldStop,
        onReady: (g, from) => o.emit({ type: 'started', model: variant, pid: g.pids[0], backend: o.backend ?? '', backendNote: `${g.pids.length} processes (model-parallel)`, resumedFromEpoch: from, params: g.params }),
        onStep: (s) => {
          seen += Math.min(batchOf(rec), rec.dataset.nTrain - (s.batch - 1) * batchOf(rec));
          const rate = seen / Math.max(1e-9, (performance.now() - stepsFrom) / 1000);
          const left = (epochs - s.epoch) * rec.dataset.nTrain - (s.batch * batchOf(rec));
          o.emit({ type: 'progress', model: variant, epochs, epoch: s.epoch, batch: s.batch, batches: s.batches, loss: s.loss, accuracy: s.correct / Math.min(batchOf(rec), rec.dataset.nTrain), samplesPerSecond: rate, etaSeconds: Math.max(0, left) / rate });
        },
        onEpoch: (s) => {
          o.emit({ type: 'epoch', model: variant, epochs, ...s });
          fs.appendFileSync(runLayout(runDir).metrics, JSON.stringify({ t: new Date().toISOString(), type: 'epoch', model: variant, epochs, ...s }) + '\n');
        },
      });
      v.wallSeconds = wall();
      if (!r.finished) {
        v.state = 'queued';
        o.save();
        return false;
      }
      const C = coherentLayout(runDir, variant);
      writeFileAtomic(C.probs, new Uint8Array(r.probs!.buffer, r.probs!.byteOffset, r.probs!.byteLength));
      r.branchProbs!.forEach((p, i) => writeFileAtomic(C.branchProbs(`local-${i}`), new Uint8Array(p.buffer, p.byteOffset, p.byteLength)));
      Object.assign(v, { state: 'done', params: r.params, trainSeconds: r.state.trainSeconds, bestEpoch: r.state.best?.epoch, epochsRun: r.state.epochsDone });
      writeFileAtomic(C.done, JSON.stringify({ variant, ...v, history: r.state.history, finishedAt: new Date().toISOString() }, null, 1));
      o.emit({ type: 'done', model: variant, trainSeconds: r.state.trainSeconds, params: r.params, peakRssMB: 0, samplesPerSecond: (r.state.epochsDone * rec.dataset.nTrain) / Math.max(1e-9, r.state.trainSeconds), bestEpoch: v.bestEpoch, epochsRun: r.state.epochsDone });
      o.save();
      return true;
    } catch (e) {
      v.wallSeconds = wall();
      const reason = (e as Error).message;
      if (o.shouldStop()) {
        v.state = 'queued';
        o.save();
        return false;
      }
      if (v.attempts > o.maxRestarts) {
        v.state = 'failed';
        v.error = reason;
        o.save();
        throw new Error(`${variant} failed ${v.attempts} times; last: ${reason}`);
      }
      const from = readCommonCheckpoint(runDir, variant).epochsDone;
      rec.restarts.push({ model: variant, at: new Date().toISOString(), reason, resumedFromEpoch: from });
      o.emit({ type: 'restart', model: variant, reason, attempt: v.attempts + 1 });
    }
  }
}
