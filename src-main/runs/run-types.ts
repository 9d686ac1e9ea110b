// The shapes of a run as the engine writes and reports them: run.json, the results summary and the
// orchestrator's events. Types only, importing only other pure modules, so that the api contract
// (type-checked for the renderer, without Node) describes runs with these very types, not copies.
import type { Architecture } from '../engine/architecture';
import type { Metrics, MetricIntervals, PairedComparison } from '../engine/metrics';
import type { BackendInfo } from '../engine/backend-info';
import type { Box, IntensityScaling } from '../engine/types';
import type { Recipe } from '../data/import/types';
import type { FromTrainer } from './protocol';
import type { RunConfig } from './run-config';
import type { JobRecord, JobStatus } from './executor';

export type RunStatus = 'created' | 'running' | 'interrupted' | 'failed' | 'completed';
/** The stages of a run's training, in the order they run. */
export type TrainingStage = 'local' | 'coarse' | 'global';

export type ModelState = 'queued' | 'running' | 'restarted' | 'done' | 'failed';

/** The process that holds a run's lock while it trains it (run.lock in the run folder). */
export interface RunOwner {
  pid: number;
  host: string;
  startedAt: string;
}

export interface ModelRecord {
  /** 'fold': a copy of a local model trained without one fold of the training split (out-of-fold coarse inputs). */
  role: 'local' | 'global' | 'coarse' | 'fold';
  state: ModelState;
  /** A fold model: the fold it leaves out, of k. */
  fold?: { k: number; index: number };
  params: number;
  arch?: Architecture;
  box?: Box;
  trainSeconds?: number;
  /** The epoch whose weights the model kept (by the run's selection criterion), and the epochs it ran (fewer when stopped early). */
  bestEpoch?: number;
  epochsRun?: number;
  samplesPerSecond?: number;
  peakRssMB?: number;
  attempts: number;
  error?: string;
  /** What the model trained on, from its trainer: a WebGPU adapter, a CUDA device, or "CPU". */
  device?: string;
  /** Its trainer's current or last job (process id, or Slurm job id, state, reason and node). */
  job?: JobRecord;
}

/** A coherent variant of the run (the coherent CNN-DNN, or transfer learning), trained as one stage. */
export interface VariantRecord {
  state: ModelState;
  epochs: number;
  learningRate: number;
  /** Parameters of the whole model: every branch and the coarse model. */
  params?: number;
  /** Seconds inside the training loop, and the stage's clock time, over all its executions. */
  trainSeconds?: number;
  wallSeconds?: number;
  bestEpoch?: number;
  epochsRun?: number;
  attempts: number;
  error?: string;
}

export interface RestartRecord {
  model: string;
  at: string;
  reason: string;
  resumedFromEpoch?: number;
  /** The job that ended (cluster executors): its id, state and reason. */
  job?: JobStatus;
}

export interface RunRecord {
  schemaVersion: number;
  id: string;
  createdAt: string;
  updatedAt: string;
  status: RunStatus;
  error?: string;
  config: RunConfig & { grid: number[] };
  versions: Record<string, string>;
  dataset: {
    name: string;
    source: string;
    citation?: string;
    inputShape: number[];
    channels: number;
    classes: string[];
    nTrain: number;
    nVal: number;
    nTest: number;
    splitMethod: string;
    fingerprint: string;
    /** Two classes: the positive class of sensitivity, specificity and AUC (runs made before it existed: classes[1]). */
    positiveClass?: string;
  };
  /** recipe: for imported scans, the preprocessing every sample went through; predict applies it to new scans. */
  /**
   * intensity: in words. scaling (arrays: npz, MNIST): the exact map of stored values to 0..1, which predict
   * applies to every new input. recipe (imported scans): the preprocessing of every scan.
   */
  preprocessing: { intensity: string; scaling?: IntensityScaling; resampledTo?: number[]; recipe?: Recipe };
  /** How the models train, in words (augmentation, schedule, regularisation, weighting, selection, coarse inputs); absent in older runs. */
  training?: string;
  decomposition: { grid: number[]; overlap: number; subdomains: { index: number; start: number[]; end: number[]; size: number[] }[] };
  backend?: BackendInfo;
  models: Record<string, ModelRecord>;
  restarts: RestartRecord[];
  /**
   * Clock time of each training stage, recorded when the stage ends. A stage cut off by an interruption
   * keeps the time it ran, and its next execution adds to it; a stage that had finished is not timed again.
   */
  stageWall?: Partial<Record<TrainingStage, { seconds: number; done: boolean }>>;
  /** Clock seconds of every execution of the run so far (first start and each resume), added up. */
  executedSeconds?: number;
  /**
   * Seconds. localMax/localSum/coarse/global: inside each trainer's training loop; *Wall: clock time of a
   * stage over all its executions (stageWall); totalWall: every execution of the run (executedSeconds).
   * foldSum: the fold models' training loops (out-of-fold coarse inputs), part of the local stage's wall time.
   */
  timings?: { localMax: number; localSum: number; foldSum?: number; coarse: number; global?: number; localWall: number; coarseWall: number; cnnDnnWall: number; globalWall?: number; totalWall: number };
  memory?: { orchestratorPeakMB: number; trainersPeakMB: Record<string, number> };
  /** The coherent variants this run trains after the CNN-DNN (config.variants). */
  variants?: Partial<Record<'coherent' | 'transfer', VariantRecord>>;
}

export interface RunSummary {
  runId: string;
  runDir: string;
  status: string;
  backend: string;
  dataset: { name: string; inputShape: number[]; classes: string[]; nTrain: number; nVal: number; nTest: number; splitMethod: string };
  decomposition: { grid: number[]; overlap: number };
  accuracy: { global?: number; cnnDnn: number; average: number; vote: number; local: number[]; coherent?: number; transfer?: number };
  balancedAccuracy: { global?: number; cnnDnn: number; average: number; vote: number; local: number[]; coherent?: number; transfer?: number };
  /** Two classes: the class that auc, sensitivity and specificity refer to. */
  positiveClass?: string;
  sensitivity?: { global?: number; cnnDnn: number; average: number; vote: number; local: number[] };
  specificity?: { global?: number; cnnDnn: number; average: number; vote: number; local: number[] };
  auc?: { global?: number; cnnDnn: number; average: number; vote: number; local: number[]; coherent?: number; transfer?: number };
  /** 95% bootstrap intervals [low, high] of each metric above, by the same keys. */
  ci95?: Partial<Record<'accuracy' | 'balancedAccuracy' | 'auc' | 'sensitivity' | 'specificity', { global?: [number, number]; cnnDnn: [number, number]; average: [number, number]; vote: [number, number]; local: [number, number][] }>>;
  /** Two classes with a global model: the CNN-DNN's AUC minus the global model's, its interval and whether it is significant. */
  comparison?: { cnnDnnVsGlobalAuc: { difference: number; ci95: [number, number]; p: number; significant: boolean } };
  /**
   * foldSum: the fold models' training loops (out-of-fold coarse inputs). coherent, transfer: the variant's
   * training-loop seconds; coherentWall, transferWall: its stage's clock time.
   */
  seconds: { global?: number; globalWall?: number; localMax: number; localSum: number; foldSum?: number; localWall: number; coarse: number; cnnDnnWall: number; totalWall: number; coherent?: number; coherentWall?: number; transfer?: number; transferWall?: number };
  params: Record<string, number>;
  /** What each model trained on (a WebGPU adapter, a CUDA device, or "CPU"). */
  devices?: Record<string, string>;
  restarts: number;
  memoryMB?: RunRecord['memory'];
}

export type RunEvent =
  | FromTrainer
  | { type: 'launch'; model: string; pid: number | undefined; attempt: number }
  | ({ type: 'job'; model: string; executor: string } & JobStatus)
  | { type: 'attach'; model: string; job: string }
  | { type: 'restart'; model: string; reason: string; attempt: number }
  | { type: 'phase'; phase: TrainingStage | 'coherent' | 'transfer' | 'evaluate'; models: string[] }
  | { type: 'backend'; info: BackendInfo; workers: number; executor?: string };

/** One input with every model's decision (the api's CaseView). */
export interface PredictedCase {
  /** 'test:<i>', '<data set> #<i>' for a sample of a data set, or a single scan's file name. */
  input: string;
  /** The run's input shape ([H,W] or [D,H,W]) and channels; values are the prepared input, 0..1. */
  shape: number[];
  channels: number;
  values: number[];
  classes: string[];
  label?: number;
  subdomains: { model: string; box: { start: number[]; end: number[] }; probs: number[] }[];
  /**
   * The coherent variants the run trained (test cases only): their decision, and each branch's output in the
   * order of `subdomains`, shown beside the CNN-DNN's local probabilities.
   */
  variants?: { key: 'coherent' | 'transfer'; probs: number[]; subdomains: number[][] }[];
  cnnDnn: number[];
  average: number[];
  vote: number[];
  global?: number[];
}

/** eval.json: every model's test metrics with their intervals, and each test sample's probabilities. */
export interface EvalReport {
  runId: string;
  classes: string[];
  nTest: number;
  models: Record<string, Metrics>;
  /** 95% bootstrap intervals of every model's metrics over the test cases (absent in runs evaluated before). */
  ci95?: Record<string, MetricIntervals>;
  bootstrap?: { resamples: number; seed: number };
  /** Two classes with a global model: whether the CNN-DNN's AUC differs from the global model's (paired bootstrap). */
  comparison?: { cnnDnnVsGlobalAuc: PairedComparison };
  /** Per test sample: label, the CNN-DNN's probabilities and every local model's probabilities. */
  samples: {
    index: number;
    label: number;
    cnnDnn: number[];
    global?: number[];
    local: number[][];
    /** The coherent variants' decisions, and their branches' outputs per subdomain (runs that trained them). */
    coherent?: number[];
    coherentLocal?: number[][];
    transfer?: number[];
    transferLocal?: number[][];
  }[];
}
