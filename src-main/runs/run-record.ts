// run.json: everything needed to reopen, resume, compare or predict with a run.
import fs from 'node:fs';
import type { Architecture } from '../engine/architecture';
import type { Box } from '../engine/types';
import type { BackendInfo } from '../engine/backend';
import { writeFileAtomic } from '../engine/model-io';
import type { RunConfig } from './run-config';
import { runLayout } from './layout';

export const RUN_SCHEMA_VERSION = 1;

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
}

export interface RestartRecord {
  model: string;
  at: string;
  reason: string;
  resumedFromEpoch?: number;
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
  preprocessing: { intensity: string; resampledTo?: number[] };
  decomposition: { grid: number[]; overlap: number; subdomains: { index: number; start: number[]; end: number[]; size: number[] }[] };
  backend?: BackendInfo;
  models: Record<string, ModelRecord>;
  restarts: RestartRecord[];
  /** Seconds. localMax/localSum/coarse/global: inside each trainer's training loop; *Wall: clock time of a stage. */
  timings?: { localMax: number; localSum: number; coarse: number; global?: number; localWall: number; coarseWall: number; cnnDnnWall: number; globalWall?: number; totalWall: number };
  memory?: { orchestratorPeakMB: number; trainersPeakMB: Record<string, number> };
}

export function readRunRecord(runDir: string): RunRecord {
  const file = runLayout(runDir).runJson;
  let rec: RunRecord;
  try {
    rec = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (e) {
    throw new Error(`${file}: not a readable run (${(e as Error).message})`);
  }
  if (rec.schemaVersion !== RUN_SCHEMA_VERSION) throw new Error(`${file}: run schema version ${rec.schemaVersion} is not supported (expected ${RUN_SCHEMA_VERSION})`);
  return rec;
}

export function writeRunRecord(runDir: string, rec: RunRecord): void {
  rec.updatedAt = new Date().toISOString();
  writeFileAtomic(runLayout(runDir).runJson, JSON.stringify(rec, null, 1));
}
