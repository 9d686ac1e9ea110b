// `ddcnn predict --run <dir> <input>`: every subdomain's class probabilities and the coarse decision
// for one case, from a finished run. The input is prepared exactly as the run's training data was
// (same loader, same intensity scaling, same resampling; for imported scans, the same readers and the
// recipe stored in run.json): src-main/runs/predict.ts, which the app's runs:predict uses too.
import { Command, InvalidArgumentError } from 'commander';
import path from 'node:path';
import { argmax } from '../engine/metrics';
import { decide, isDatasetInput, openForPrediction, PredictInputError, prepareInput, TEST_CASE } from '../runs/predict';

export interface Prediction {
  input: string;
  label?: string;
  classes: string[];
  subdomains: { model: string; box: { start: number[]; end: number[] }; probs: number[]; decision: string }[];
  cnnDnn: { probs: number[]; decision: string };
  average: { probs: number[]; decision: string };
  global?: { probs: number[]; decision: string };
}

export async function predict(runDir: string, input: string, index = 0): Promise<Prediction> {
  const rec = await openForPrediction(runDir);
  let prepared: { x: Float32Array; label?: number };
  try {
    prepared = await prepareInput(rec, runDir, input, index);
  } catch (e) {
    // What the user typed does not fit: exit code 2, like any other invalid argument.
    throw e instanceof PredictInputError ? new InvalidArgumentError(e.message) : e;
  }
  const classes = rec.dataset.classes;
  const k = classes.length;
  const d = await decide(runDir, rec, prepared.x);
  const decision = (probs: number[]) => ({ probs, decision: classes[argmax(probs, 0, k)] });
  return {
    input: TEST_CASE.test(input) ? `${input} of run ${rec.id}` : isDatasetInput(input) ? `${input} #${index}` : input,
    label: prepared.label === undefined ? undefined : classes[prepared.label],
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
    .description("print each subdomain's class probabilities and the coarse model's decision for one case")
    .requiredOption('--run <dir>', 'a completed run folder')
    .argument('<input>', 'test:<i> (a test case of the run), mnist, demo, an .npz file, or one scan: a DICOM series folder, PNG slice folder, NIfTI, .npy or image file')
    .option('--index <i>', 'which sample of the input file', (v) => Number(v), 0)
    .option('--json', 'print JSON')
    .action(async (input: string, o) => {
      const p = await predict(path.resolve(o.run), input, o.index);
      process.stdout.write((o.json ? JSON.stringify(p) : format(p)) + '\n');
    });
}
