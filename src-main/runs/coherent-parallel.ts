// The coordinator of a model-parallel coherent CNN-DNN (Klawonn, Lanser & Weber, arXiv 2408.14442): every
// branch (local model) and the coarse model live in processes of their own; per batch the coordinator
// collects the branches' B x K outputs, hands them to the coarse process, which computes the loss, steps
// the coarse model and returns dL/d(outputs_i), and passes each branch its gradient to back-propagate and
// step. It only relays a few numbers per sample and never trains: it runs in the orchestrator's process.
//
// Checkpoints: after every epoch each part writes its own checkpoint of that epoch
// (models/<variant>/checkpoints/epoch-<e>/<part>/); once all parts have, the coordinator records epoch e
// as the stage's last common checkpoint (common.json) and only then removes older epochs. A part killed at
// any moment leaves every part with the common epoch's checkpoint, from which the whole stage resumes.
import fs from 'node:fs';
import { writeFileAtomic } from '../engine/model-io';
import { batchCount } from '../engine/coherent-batches';
import { criterionValue, improves, type BestEpoch, type SelectionCriterion, type ValidationScores } from '../engine/model-selection';
import type { EpochSummary } from '../engine/progress';
import type { StepResult } from '../engine/train-step';
import type { ChildHandle } from './launcher';
import { coherentLayout, type CoherentPartJob, type CoherentVariant, type FromCoherentPart, type ToCoherentPart } from './coherent-protocol';

export type PartProcess = ChildHandle<ToCoherentPart, FromCoherentPart>;
/** Starts the process of one part (its log file is named after the variant and the part). */
export type PartLauncher = (part: string, logFile: string) => PartProcess;

type Reply<T extends FromCoherentPart['type']> = Extract<FromCoherentPart, { type: T }>;

/** One part's process, spoken to in request/answer pairs: it answers every request in order. */
class PartClient {
  private pending: { type: string; resolve: (m: FromCoherentPart) => void; reject: (e: Error) => void }[] = [];
  private failure?: Error;
  ready: Promise<Reply<'ready'>>;

  constructor(
    readonly name: string,
    readonly proc: PartProcess,
  ) {
    this.ready = this.expect('ready');
    proc.onMessage((m) => {
      if (m.type === 'error') return this.fail(new Error(`${name}: ${m.message.split('\n')[0]}`));
      const next = this.pending.shift();
      if (!next) return;
      if (next.type !== m.type) next.reject(new Error(`${name} answered ${m.type} to a request for ${next.type}`));
      else next.resolve(m);
    });
    proc.onExit((code, signal) => this.fail(new Error(`${name} exited with ${signal ? `signal ${signal}` : `code ${code}`}`)));
  }

  private fail(e: Error): void {
    this.failure ??= e;
    for (const p of this.pending.splice(0)) p.reject(this.failure);
  }

  private expect<T extends FromCoherentPart['type']>(type: T): Promise<Reply<T>> {
    if (this.failure) return Promise.reject(this.failure);
    return new Promise((resolve, reject) => this.pending.push({ type, resolve: resolve as (m: FromCoherentPart) => void, reject }));
  }

  request<T extends FromCoherentPart['type']>(m: ToCoherentPart, answer: T): Promise<Reply<T>> {
    const p = this.expect(answer);
    if (!this.failure) this.proc.send(m);
    return p;
  }
}

/** The processes of one coherent model: its branches in subdomain order, then its coarse part. */
export class CoherentGroup {
  private constructor(
    readonly branches: PartClient[],
    readonly coarse: PartClient,
  ) {}

  /** Starts every part and waits until all have loaded their data and weights. */
  static async start(jobs: CoherentPartJob[], launch: PartLauncher): Promise<CoherentGroup> {
    const clients = jobs.map((j) => new PartClient(j.part, launch(j.part, coherentLayout(j.runDir, j.variant).log(j.part))));
    const group = new CoherentGroup(clients.filter((c) => c.name !== 'coarse'), clients.find((c) => c.name === 'coarse')!);
    try {
      clients.forEach((c, i) => c.proc.send({ type: 'coherent-start', job: jobs[i] }));
      const ready = await Promise.all(clients.map((c) => c.ready));
      group.params = ready.reduce((s, r) => s + r.params, 0);
      group.pids = ready.map((r) => r.pid);
    } catch (e) {
      group.close();
      throw e;
    }
    return group;
  }

  /** Parameters of the whole coherent model, and the pids of its parts. */
  params = 0;
  pids: number[] = [];

  /** One model-parallel training step on batch `batch` of epoch `epoch`. */
  async step(epoch: number, batch: number): Promise<StepResult> {
    const outputs = await Promise.all(this.branches.map((b) => b.request({ type: 'forward', epoch, batch }, 'outputs')));
    const c = await this.coarse.request({ type: 'coarse-step', epoch, batch, outputs: outputs.map((o) => o.data) }, 'coarse-stepped');
    await Promise.all(this.branches.map((b, i) => b.request({ type: 'backward', grad: c.grads[i] }, 'stepped')));
    return { loss: c.loss, correct: c.correct };
  }

  private branchOutputs(split: 'val' | 'test'): Promise<Float32Array[]> {
    return Promise.all(this.branches.map(async (b) => (await b.request({ type: 'predict', split }, 'predicted')).data));
  }

  async validate(): Promise<ValidationScores> {
    return (await this.coarse.request({ type: 'validate', outputs: await this.branchOutputs('val') }, 'validated')).scores;
  }

  /** The coherent model's test probabilities, and each branch's. */
  async predictTest(): Promise<{ probs: Float32Array; branches: Float32Array[] }> {
    const branches = await this.branchOutputs('test');
    return { probs: (await this.coarse.request({ type: 'coarse-predict', outputs: branches }, 'predicted')).data, branches };
  }

  private all(): PartClient[] {
    return [...this.branches, this.coarse];
  }

  async checkpoint(epoch: number, isBest: boolean): Promise<void> {
    await Promise.all(this.all().map((p) => p.request({ type: 'checkpoint', epoch, isBest }, 'checkpointed')));
  }

  async finish(): Promise<void> {
    await Promise.all(this.all().map((p) => p.request({ type: 'finish' }, 'finished')));
  }

  /** Every part's weights: the branches' in order, then the coarse model's. */
  async weights(): Promise<Float32Array[][]> {
    return Promise.all(this.all().map(async (p) => (await p.request({ type: 'weights' }, 'weights')).data));
  }

  close(): void {
    for (const p of this.all()) p.proc.kill('SIGKILL');
  }
}

/** The stage's last common checkpoint: what every part has, and the training state up to it. */
export interface CommonCheckpoint {
  epochsDone: number;
  trainSeconds: number;
  history: EpochSummary[];
  best?: BestEpoch;
}

export function readCommonCheckpoint(runDir: string, variant: CoherentVariant): CommonCheckpoint {
  const file = coherentLayout(runDir, variant).common;
  if (!fs.existsSync(file)) return { epochsDone: 0, trainSeconds: 0, history: [] };
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8')) as CommonCheckpoint;
  } catch (e) {
    throw new Error(`${file}: the coherent stage's checkpoint could not be read (${(e as Error).message})`);
  }
}

/** Makes epoch `state.epochsDone` the common checkpoint, then removes every other epoch's checkpoints. */
function commitCommon(runDir: string, variant: CoherentVariant, state: CommonCheckpoint): void {
  const C = coherentLayout(runDir, variant);
  writeFileAtomic(C.common, JSON.stringify(state));
  for (const e of fs.readdirSync(C.checkpoints)) if (e !== `epoch-${state.epochsDone}`) fs.rmSync(`${C.checkpoints}/${e}`, { recursive: true, force: true });
}

export interface CoherentTrainOptions {
  runDir: string;
  variant: CoherentVariant;
  /** One job per part, branches first, then coarse; their startEpoch is set from the common checkpoint. */
  jobs: CoherentPartJob[];
  epochs: number;
  nTrain: number;
  batch: number;
  select: SelectionCriterion;
  patience?: number;
  launch: PartLauncher;
  shouldStop: () => boolean;
  onStep?: (s: { epoch: number; batch: number; batches: number } & StepResult) => void;
  onEpoch?: (s: EpochSummary) => void;
  onReady?: (g: CoherentGroup, resumedFromEpoch: number) => void;
}

export interface CoherentTrainResult {
  finished: boolean;
  state: CommonCheckpoint;
  params: number;
  probs?: Float32Array;
  branchProbs?: Float32Array[];
}

/**
 * Trains the variant model-parallel from its last common checkpoint to its last epoch (or early stop),
 * then saves every part's best-epoch model and returns the test probabilities. Throws when a part fails;
 * the caller restarts the stage, which goes on from the common checkpoint.
 */
export async function trainCoherentParallel(o: CoherentTrainOptions): Promise<CoherentTrainResult> {
  const state = readCommonCheckpoint(o.runDir, o.variant);
  fs.mkdirSync(coherentLayout(o.runDir, o.variant).checkpoints, { recursive: true });
  const group = await CoherentGroup.start(
    o.jobs.map((j) => ({ ...j, startEpoch: state.epochsDone })),
    o.launch,
  );
  try {
    o.onReady?.(group, state.epochsDone);
    const batches = batchCount(o.nTrain, o.batch);
    for (let epoch = state.epochsDone; epoch < o.epochs; epoch++) {
      if (o.patience !== undefined && state.best && epoch - state.best.epoch >= o.patience) break;
      const t0 = performance.now();
      let lossSum = 0;
      let correct = 0;
      for (let b = 0; b < batches; b++) {
        if (o.shouldStop()) return { finished: false, state, params: group.params };
        const s = await group.step(epoch, b);
        const size = Math.min(o.batch, o.nTrain - b * o.batch);
        lossSum += s.loss * size;
        correct += s.correct;
        o.onStep?.({ epoch, batch: b + 1, batches, ...s });
      }
      const v = await group.validate();
      const value = criterionValue(v, o.select, epoch + 1);
      const isBest = improves(value, state.best);
      await group.checkpoint(epoch + 1, isBest);
      const seconds = (performance.now() - t0) / 1000;
      const summary: EpochSummary = {
        epoch: epoch + 1,
        loss: lossSum / o.nTrain,
        accuracy: correct / o.nTrain,
        valLoss: v.loss,
        valAccuracy: v.accuracy,
        valBalancedAccuracy: v.balancedAccuracy,
        ...(v.auc === undefined ? {} : { valAuc: v.auc }),
        best: isBest,
        seconds,
      };
      state.epochsDone = epoch + 1;
      state.trainSeconds += seconds;
      state.history.push(summary);
      if (isBest) state.best = { epoch: epoch + 1, value };
      commitCommon(o.runDir, o.variant, state);
      o.onEpoch?.(summary);
    }
    await group.finish();
    const { probs, branches } = await group.predictTest();
    return { finished: true, state, params: group.params, probs, branchProbs: branches };
  } finally {
    group.close();
  }
}
