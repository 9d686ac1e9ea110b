// Messages between the app and a job process (job-entry.ts): one-off work that loads a data set or
// TensorFlow and so must not run in the Electron main process. A job process does one job and exits.
import type { ImportProgress } from '../data/import/types';
import type { RunConfig } from './run-config';
import type { BackendInfo } from '../engine/backend-info';
import type { PredictedCase } from './predict';
import type { CohortReport } from './cohort-types';
import type { DatasetView } from '../data/dataset-view';
import type { CaseVolume } from '../data/data-reading';

export type Job =
  /** createRun: load and split the data set, write the run's cache and run.json. Answers the run folder. */
  | { kind: 'create-run'; workspace: string; config: RunConfig }
  /** A completed run's decisions on one input (test:<i>, demo, mnist, an .npz or a single scan). */
  | { kind: 'predict'; runDir: string; source: string }
  /** An exported model's (ddcnn export) decisions on one input, without a run folder. */
  | { kind: 'predict-model'; model: string; source: string }
  /** A completed run's decisions on every case of a cohort (a folder of class folders or a CSV), with metrics. */
  | { kind: 'cohort'; runDir: string; source: string }
  /** data:inspect of an array data set ('demo', 'mnist', an .npz): loading it can take seconds and GBs. */
  | { kind: 'inspect-arrays'; source: string }
  /** One case of a data source for the slice viewer (decoding a compressed series takes seconds). */
  | { kind: 'read-case'; source: string; sourceKind: 'arrays' | 'import'; caseId: string }
  /** Which compute backend loads (or the forced one), without loading TensorFlow into the asking process. */
  | { kind: 'backend-info'; force?: string };

export interface JobResults {
  'create-run': string;
  predict: PredictedCase;
  cohort: CohortReport;
  'predict-model': PredictedCase;
  'inspect-arrays': DatasetView;
  'read-case': CaseVolume;
  'backend-info': BackendInfo;
}

export type ToJob = { type: 'job'; job: Job };

export type FromJob =
  | { type: 'result'; value: unknown }
  /** `missing`: what was asked for is not there (a case id), as opposed to a failure to read it. */
  | { type: 'error'; message: string; missing?: boolean }
  /** Importing scans while creating a run (a folder or CSV data set, the first time). */
  | { type: 'progress'; progress: ImportProgress };
