// The shapes of a run as the engine writes and reports them: run.json, the results summary and the
// orchestrator's events. Types only, importing only other pure modules, so that the api contract
// (type-checked for the renderer, without Node) describes runs with these very types, not copies.
import type { Architecture } from '../engine/architecture';
import type { BackendInfo } from '../engine/backend-info';
import type { Box } from '../engine/types';
import type { Recipe } from '../data/import/types';
import type { FromTrainer } from './protocol';
import type { RunConfig } from './run-config';
import type { JobRecord, JobStatus } from './executor';

export type RunStatus = 'created' | 'running' | 'interrupted' | 'failed' | 'completed';
export type ModelState = 'queued' | 'running' | 'restarted' | 'done' | 'failed';

export interface ModelRecord {
  role: 'local' | 'global' | 'coarse';
  state: ModelState;
  params: number;
  arch?: Architecture;
  box?: Box;
  trainSeconds?: number;
  samplesPerSecond?: number;
  peakRssMB?: number;
  attempts: number;
  error?: string;
  /** Its trainer's current or last job (process id, or Slurm job id, state, reason and node). */
  job?: JobRecord;
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
  };
  /** recipe: for imported scans, the preprocessing every sample went through; predict applies it to new scans. */
  preprocessing: { intensity: string; resampledTo?: number[]; recipe?: Recipe };
  decomposition: { grid: number[]; overlap: number; subdomains: { index: number; start: number[]; end: number[]; size: number[] }[] };
  backend?: BackendInfo;
  models: Record<string, ModelRecord>;
  restarts: RestartRecord[];
  /** Seconds. localMax/localSum/coarse/global: inside each trainer's training loop; *Wall: clock time of a stage. */
  timings?: { localMax: number; localSum: number; coarse: number; global?: number; localWall: number; coarseWall: number; cnnDnnWall: number; globalWall?: number; totalWall: number };
  memory?: { orchestratorPeakMB: number; trainersPeakMB: Record<string, number> };
}

export interface RunSummary {
  runId: string;
  runDir: string;
  status: string;
  backend: string;
  dataset: { name: string; inputShape: number[]; classes: string[]; nTrain: number; nVal: number; nTest: number; splitMethod: string };
  decomposition: { grid: number[]; overlap: number };
  accuracy: { global?: number; cnnDnn: number; average: number; vote: number; local: number[] };
  auc?: { global?: number; cnnDnn: number; average: number; vote: number; local: number[] };
  seconds: { global?: number; globalWall?: number; localMax: number; localSum: number; localWall: number; coarse: number; cnnDnnWall: number; totalWall: number };
  params: Record<string, number>;
  restarts: number;
  memoryMB?: RunRecord['memory'];
}

export type RunEvent =
  | FromTrainer
  | { type: 'launch'; model: string; pid: number | undefined; attempt: number }
  | ({ type: 'job'; model: string; executor: string } & JobStatus)
  | { type: 'attach'; model: string; job: string }
  | { type: 'restart'; model: string; reason: string; attempt: number }
  | { type: 'phase'; phase: 'local' | 'coarse' | 'global' | 'evaluate'; models: string[] }
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
  cnnDnn: number[];
  average: number[];
  vote: number[];
  global?: number[];
}
