// The result of validating a run on an external cohort (cohort.ts). Types only, importing only other pure
// modules, so that the api contract (type-checked for the renderer, without Node) uses this very type.
import type { SkippedFile } from '../data/import/types';
import type { EvalReport } from './run-types';

/** `cohorts/<name>.json` in the run folder: what the Results view and the report show. */
export interface CohortReport {
  kind: 'ddcnn-cohort';
  runId: string;
  /** The cohort's name (its folder or CSV without .csv) and where it was, absolute. */
  name: string;
  source: string;
  createdAt: string;
  classes: string[];
  /** Cases predicted (readable), and per class when labelled. */
  nCases: number;
  perClass?: Record<string, number>;
  /** Whether any case has a label, and how many: the metrics are over those. */
  labelled: boolean;
  nLabelled: number;
  csv: string;
  skipped: SkippedFile[];
  /** With labels: every model's metrics and intervals, as eval.json has them for the test split. */
  metrics?: Pick<EvalReport, 'models' | 'ci95' | 'bootstrap' | 'comparison'>;
  seconds: { read: number; predict: number };
}

