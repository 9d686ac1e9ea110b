// `ddcnn predict --run <dir> <input>`: every subdomain's class probabilities and the coarse decision
// for one case, from a finished run. The input is prepared exactly as the run's training data was
// (same loader, same intensity scaling, same resampling; for imported scans, the same readers and the
// recipe stored in run.json): src-main/runs/predict.ts, which the app's runs:predict uses too.
import { Command, InvalidArgumentError } from 'commander';
import path from 'node:path';
import { argmax } from '../engine/metrics';
import { initBackend } from '../engine/backend';
import { decide, decideWith, isDatasetInput, openForPrediction, PredictInputError, prepareExternalInput, prepareInput, TEST_CASE } from '../runs/predict';
import { exportedModelSet } from '../runs/export-model';
import { cohortCommandAction, isCohortInput } from './cohort';

export interface Prediction {
  input: string;
  label?: string;
  classes: string[];
  subdomains: { model: string; box: { start: number[]; end: number[] }; probs: number[]; decision: string }[];
  cnnDnn: { probs: number[]; decision: string };
  average: { probs: number[]; decision: string };
  global?: { probs: number[]; decision: string };
}

/** What the user typed does not fit: exit code 2, like any other invalid argument. */
async function userInput<T>(p: Promise<T>): Promise<T> {
  try {
    return await p;
  } catch (e) {
    throw e instanceof PredictInputError ? new InvalidArgumentError(e.message) : e;
  }
}

export async function predict(runDir: string, input: string, index = 0): Promise<Prediction> {
  const rec = await openForPrediction(runDir);
  const prepared = await userInput(prepareInput(rec, runDir, input, index));
  const d = await decide(runDir, rec, prepared.x);
  return asPrediction(rec.dataset.classes, TEST_CASE.test(input) ? `${input} of run ${rec.id}` : isDatasetInput(input) ? `${input} #${index}` : input, prepared.label, d);
}

/** The same prediction from a folder written by `ddcnn export`, without the run folder. */
export async function predictWithExport(folder: string, input: string, index = 0): Promise<Prediction> {
  const set = exportedModelSet(folder);
  await initBackend();
  const prepared = await userInput(prepareExternalInput(set, input, index));
  const d = await decideWith(set, prepared.x);
  return asPrediction(set.classes, isDatasetInput(input) ? `${input} #${index}` : input, prepared.label, d);
}

function asPrediction(classes: string[], input: string, label: number | undefined, d: Awaited<ReturnType<typeof decideWith>>): Prediction {
  const k = classes.length;
  const decision = (probs: number[]) => ({ probs, decision: classes[argmax(probs, 0, k)] });
  return {
    input,
    label: label === undefined ? undefined : classes[label],
    classes,
    subdomains: d.subdomains.map((s) => ({ ...s, decision: classes[argmax(s.probs, 0, k)] })),
    cnnDnn: decision(d.cnnDnn),
    average: decision(d.average),
    global: d.global ? decision(d.global) : undefined,
  };
}

function format(p: Prediction): string {
  const fmt = (probs: number[]) => probs.map((v, c) => `${p.classes[c]} ${v.toFixed(3)}`).join('  ');
  const lines = [`input: ${p.input}${p.label !== undefined ? ` (true label: ${p.label})` : ''}`, ''];
  for (const s of p.subdomains) lines.push(`${s.model.padEnd(9)} [${s.box.start.map((st, a) => `${st}..${s.box.end[a] - 1}`).join(', ')}]  ${fmt(s.probs)}  -> ${s.decision}`);
  lines.push('', `average   ${fmt(p.average.probs)}  -> ${p.average.decision}`);
  if (p.global) lines.push(`global    ${fmt(p.global.probs)}  -> ${p.global.decision}`);
  lines.push(`CNN-DNN   ${fmt(p.cnnDnn.probs)}  -> ${p.cnnDnn.decision}  (coarse model's decision)`);
  return lines.join('\n');
}

export function predictCommand(program: Command): void {
  program
    .command('predict')
    .description("print each subdomain's class probabilities and the coarse model's decision for one case, or predict a whole cohort (a folder of class folders or a CSV) into a CSV with its metrics")
    .option('--run <dir>', 'a completed run folder')
    .option('--model <folder>', 'a folder written by ddcnn export (instead of --run)')
    .argument('<input>', 'test:<i> (a test case of the run), mnist, demo, an .npz file, one scan (a DICOM series folder, PNG slice folder, NIfTI, .npy or image file), or a cohort: a folder with one sub-folder per class, or a .csv manifest')
    .option('--index <i>', 'which sample of the input file', (v) => Number(v), 0)
    .option('--out <file.csv>', 'cohort: where to write the predictions (default: <run>/cohorts/<name>-<time>.csv)')
    .option('--workers <n>', 'cohort: import worker processes', (v) => Number(v))
    .option('--json', 'print JSON (a cohort: its metrics as one object)')
    .action(async (input: string, o) => {
      if (Boolean(o.run) === Boolean(o.model)) throw new InvalidArgumentError('give either --run <dir> or --model <folder>');
      if (await isCohortInput(input)) {
        if (!o.run) throw new InvalidArgumentError('a cohort is predicted with a run: give --run <dir>');
        process.exitCode = await cohortCommandAction(path.resolve(o.run), input, o);
        return;
      }
      const p = o.model ? await predictWithExport(o.model, input, o.index) : await predict(path.resolve(o.run), input, o.index);
      process.stdout.write((o.json ? JSON.stringify(p) : format(p)) + '\n');
    });
}
