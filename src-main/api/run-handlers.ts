// What the api reads from a run folder for the Results, Inspect and Runs views: the epoch history
// (metrics.jsonl), the evaluation (eval.json), one test case with every model's decision, and deleting a
// run. Nothing here loads TensorFlow: test cases come from the run's dataset cache and eval.json.
import fs from 'node:fs';
import path from 'node:path';
import { averageProbs, voteShares } from '../engine/fusion';
import { readCachedSamples } from '../data/cache';
import { runLayout } from '../runs/layout';
import type { RunRecord } from '../runs/run-record';
import { readEval } from '../runs/summary';
import { RUN_ID_PATTERN, type CaseView, type EvalView } from './contract';
import { ApiFailure } from './result';

export { readHistory } from '../runs/history';

/** eval.json of completed runs, kept while the file is unchanged (it holds every test sample). */
export function evalCache() {
  const cache = new Map<string, { stamp: string; ev: EvalView }>();
  return (runDir: string, rec: RunRecord): EvalView => {
    const file = runLayout(runDir).evalJson;
    const stat = fs.statSync(file, { throwIfNoEntry: false });
    if (!stat) throw new ApiFailure('not_found', `run ${rec.id} has no evaluation yet (it is ${rec.status})`);
    const stamp = `${stat.size}:${stat.mtimeMs}`;
    const hit = cache.get(runDir);
    if (hit?.stamp === stamp) return hit.ev;
    let ev: EvalView;
    try {
      ev = readEval(runDir);
    } catch (e) {
      throw new ApiFailure('failed', `${file}: not readable (${(e as Error).message})`);
    }
    cache.set(runDir, { stamp, ev });
    return ev;
  };
}

/** Test case `index` of a completed run: its input from the run's cache, every model's probabilities from eval.json. */
export function testCase(runDir: string, rec: RunRecord, ev: EvalView, index: number): CaseView {
  if (index >= ev.samples.length) throw new ApiFailure('not_found', `run ${rec.id} has ${ev.samples.length} test cases; there is no case ${index}`);
  const sample = ev.samples[index];
  let x: Float32Array;
  try {
    x = readCachedSamples(runLayout(runDir).cache, 'test', [index]).x;
  } catch (e) {
    throw new ApiFailure('failed', `run ${rec.id}: cannot read test case ${index} from its cache (${(e as Error).message})`);
  }
  const k = ev.classes.length;
  const localNames = Object.keys(rec.models).filter((m) => rec.models[m].role === 'local');
  if (sample.local.length !== localNames.length) throw new ApiFailure('failed', `run ${rec.id}: eval.json has ${sample.local.length} local models, run.json ${localNames.length}`);
  const locals = sample.local.map((p) => Float32Array.from(p));
  const view: CaseView = {
    input: `test:${index}`,
    shape: rec.dataset.inputShape.slice(0, -1),
    channels: rec.dataset.channels,
    values: Array.from(x),
    classes: ev.classes,
    label: sample.label,
    subdomains: localNames.map((model, j) => ({ model, box: rec.models[model].box!, probs: sample.local[j] })),
    cnnDnn: sample.cnnDnn,
    average: Array.from(averageProbs(locals, 1, k)),
    vote: Array.from(voteShares(locals, 1, k)),
  };
  if (sample.global) view.global = sample.global;
  const variants = (['coherent', 'transfer'] as const).flatMap((key) => {
    const probs = sample[key];
    const branches = sample[`${key}Local`];
    return probs && branches?.length === localNames.length ? [{ key, probs, subdomains: branches }] : [];
  });
  if (variants.length) view.variants = variants;
  return view;
}

/**
 * Removes `<runsDir>/<id>`: only a real folder (not a link) directly under runs/, named like a run id. The
 * caller checks that the run is not training.
 */
export function deleteRunFolder(runsDir: string, id: string): void {
  if (!RUN_ID_PATTERN.test(id)) throw new ApiFailure('invalid_request', `not a run id: ${JSON.stringify(id.slice(0, 80))}`);
  const dir = path.join(runsDir, id);
  if (path.dirname(dir) !== runsDir) throw new ApiFailure('invalid_request', `not a run id: ${JSON.stringify(id.slice(0, 80))}`);
  const stat = fs.lstatSync(dir, { throwIfNoEntry: false });
  if (!stat) throw new ApiFailure('not_found', `no run ${id} in ${runsDir}`);
  if (!stat.isDirectory()) throw new ApiFailure('failed', `${dir} is not a run folder; it was left as it is`);
  try {
    fs.rmSync(dir, { recursive: true, force: true, maxRetries: 2 });
  } catch (e) {
    throw new ApiFailure('failed', `could not delete ${dir}: ${(e as Error).message}`);
  }
}
