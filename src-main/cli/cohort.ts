// `ddcnn predict --run <run> <folder|file.csv>`: external validation on a cohort (src-main/runs/cohort.ts),
// with the import's progress bar and ETA on stderr, the metrics table (or --json) on stdout and the cases
// that could not be read listed with their reasons.
import fs from 'node:fs/promises';
import path from 'node:path';
import { InvalidArgumentError } from 'commander';
import { DataFileError } from '../data/errors';
import { predictCohort, type CohortReport } from '../runs/cohort';
import { PredictInputError } from '../runs/predict';
import { num, pct, withCi } from '../runs/summary';
import { importProgressReporter } from './import-progress';

/**
 * A cohort is a .csv manifest, or a folder whose entries are all folders (one per class); a folder that holds
 * files itself (a DICOM series, PNG slices) is one scan.
 */
export async function isCohortInput(input: string): Promise<boolean> {
  if (/\.csv$/i.test(input)) return true;
  const entries = await fs.readdir(input, { withFileTypes: true }).catch(() => undefined);
  if (!entries) return false;
  const visible = entries.filter((e) => !e.name.startsWith('.') && !/^readme/i.test(e.name));
  return visible.length > 0 && visible.every((e) => e.isDirectory());
}

const MODEL_LABEL: Record<string, string> = { global: 'global model', cnnDnn: 'CNN-DNN (coarse)', average: 'average of locals', vote: 'majority vote' };

/** The metrics table of a cohort, as `ddcnn train` shows the test split's (without training times). */
export function cohortTable(r: CohortReport): string {
  if (!r.metrics) return `cohort ${r.name}: ${r.nCases} cases without labels, run ${r.runId}: predictions only (no metrics)\npredictions: ${r.csv}`;
  const m = r.metrics;
  const binary = r.classes.length === 2;
  const positive = binary ? r.classes[m.models.cnnDnn.positive ?? 1] : '';
  const order = ['global', 'cnnDnn', 'average', 'vote', ...Object.keys(m.models).filter((k) => !(k in MODEL_LABEL))].filter((k) => m.models[k]);
  const rows = order.map((key) => {
    const x = m.models[key];
    const ci = m.ci95?.[key];
    return [MODEL_LABEL[key] ?? key, withCi(pct(x.accuracy), ci?.accuracy, 100, 1), withCi(pct(x.balancedAccuracy), ci?.balancedAccuracy, 100, 1), ...(binary ? [withCi(num(x.auc), ci?.auc, 1, 2), pct(x.sensitivity), pct(x.specificity)] : [])];
  });
  const header = ['model', 'accuracy', 'balanced', ...(binary ? [`AUC (${positive})`, `sensitivity for ${positive}`, 'specificity'] : [])];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i].length)));
  const line = (row: string[]) => row.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ');
  const counts = Object.entries(r.perClass ?? {}).map(([c, n]) => `${c} ${n}`).join(', ');
  return [
    `cohort ${r.name}: ${r.nCases} cases (${counts}), run ${r.runId}`,
    line(header),
    widths.map((w) => '-'.repeat(w)).join('  '),
    ...rows.map(line),
    '',
    `(low-high): 95% bootstrap interval over the ${r.nLabelled} labelled cohort cases (${m.bootstrap?.resamples} resamples).${r.nLabelled < r.nCases ? ` ${r.nCases - r.nLabelled} cases without a label are predicted only.` : ''}`,
    `predictions: ${r.csv}`,
  ].join('\n');
}

export async function cohortCommandAction(runDir: string, input: string, o: { out?: string; workers?: number; json?: boolean }): Promise<number> {
  if (o.workers !== undefined && !(Number.isInteger(o.workers) && o.workers >= 1)) throw new InvalidArgumentError(`--workers must be a whole number >= 1, got "${o.workers}"`);
  const progress = importProgressReporter();
  let r: CohortReport;
  try {
    r = await predictCohort(runDir, input, { out: o.out, workers: o.workers, onProgress: progress.onProgress });
  } catch (e) {
    // A cohort that does not fit the run (classes, no recipe) is the user's input: exit code 2.
    const mismatch = e instanceof DataFileError && /do not match the classes/.test(e.message);
    // A folder of folders is read as class folders; a nested single scan (patient/study/series) lands here too.
    const hint = mismatch && !/\.csv$/i.test(input) ? ' (a folder whose entries are all folders is read as a cohort, one sub-folder per class; to predict one scan, give the folder that holds its files)' : '';
    throw e instanceof PredictInputError || mismatch ? new InvalidArgumentError(`${(e as Error).message}${hint}`) : e;
  } finally {
    progress.close();
  }
  for (const s of r.skipped) process.stderr.write(`skipped ${s.file}: ${s.reason}\n`);
  process.stdout.write((o.json ? JSON.stringify(r) : cohortTable(r)) + '\n');
  if (!o.json && r.skipped.length) process.stdout.write(`${r.skipped.length} case(s) could not be read (listed on stderr and in ${path.join(runDir, "cohorts")})\n`);
  return 0;
}
