// Evaluation of a finished run on its test split: every local model, the CNN-DNN (coarse model),
// averaging, majority vote and the global model. Writes eval.json, including each test sample's
// local probabilities for the inspection views.
import { averageProbs, voteShares } from '../engine/fusion';
import { metricsFromProbs, type Metrics } from '../engine/metrics';
import { bootstrapMetrics } from '../engine/bootstrap';
import { readCacheManifest } from '../data/cache';
import { writeFileAtomic } from '../engine/model-io';
import { readF32, runLayout } from './layout';
import type { RunRecord } from './run-record';
import type { EvalReport } from './run-types';
import { COHERENT_VARIANTS, coherentLayout } from './coherent-protocol';

export type { EvalReport };


const round = (v: number) => Math.round(v * 1e4) / 1e4;

/** Resamples of the test cases behind every 95% interval. */
export const BOOTSTRAP_RESAMPLES = 1000;

/** The index of a two-class run's positive class (runs made before it was recorded: class 1). */
export function positiveIndex(rec: RunRecord): number {
  const i = rec.dataset.positiveClass === undefined ? -1 : rec.dataset.classes.indexOf(rec.dataset.positiveClass);
  return i >= 0 ? i : 1;
}

/**
 * Every model's metrics on labelled cases, with 95% intervals: every model on the same seeded resamples of
 * the cases, so that differences pair up. The test split (evaluateRun) and external cohorts (cohort.ts) share it.
 */
export function scoreModels(probsOf: Record<string, ArrayLike<number>>, labels: ArrayLike<number>, k: number, positive: number, seed: number): Pick<EvalReport, 'models' | 'ci95' | 'bootstrap' | 'comparison'> & { ci95: NonNullable<EvalReport['ci95']> } {
  const models: Record<string, Metrics> = Object.fromEntries(Object.entries(probsOf).map(([m, p]) => [m, metricsFromProbs(p, labels, k, positive)]));
  const bootstrap = { resamples: BOOTSTRAP_RESAMPLES, seed };
  const boot = bootstrapMetrics(probsOf, labels, k, { ...bootstrap, positive });
  const comparison = boot.comparison && probsOf.global ? { cnnDnnVsGlobalAuc: boot.comparison('cnnDnn', 'global') } : undefined;
  return { models, ci95: boot.intervals, bootstrap, ...(comparison ? { comparison } : {}) };
}

export function evaluateRun(runDir: string, rec: RunRecord): EvalReport {
  const L = runLayout(runDir);
  const labels = Int32Array.from(readCacheManifest(L.cache).splits.test.labels);
  const k = rec.dataset.classes.length;
  const n = labels.length;
  const localNames = Object.keys(rec.models).filter((m) => rec.models[m].role === 'local');
  const locals = localNames.map((m) => readF32(L.probs(m, 'test')));
  const coarse = readF32(L.probs('coarse', 'test'));
  const global = rec.models.global ? readF32(L.probs('global', 'test')) : undefined;

  const probsOf: Record<string, ArrayLike<number>> = { cnnDnn: coarse, average: averageProbs(locals, n, k), vote: voteShares(locals, n, k) };
  if (global) probsOf.global = global;
  localNames.forEach((m, i) => (probsOf[m] = locals[i]));
  // The coherent variants the run trained: their decisions, and their branches' outputs for the inspection views.
  const variants = COHERENT_VARIANTS.filter((v) => rec.variants?.[v]?.state === 'done');
  const variantProbs = Object.fromEntries(
    variants.map((v) => {
      const C = coherentLayout(runDir, v);
      return [v, { probs: readF32(C.probs), branches: localNames.map((m) => readF32(C.branchProbs(m))) }];
    }),
  );
  for (const v of variants) probsOf[v] = variantProbs[v].probs;
  const { models, ci95, bootstrap, comparison } = scoreModels(probsOf, labels, k, positiveIndex(rec), rec.config.seed);

  const row = (p: Float32Array, i: number) => Array.from(p.subarray(i * k, (i + 1) * k), round);
  const report: EvalReport = {
    runId: rec.id,
    classes: rec.dataset.classes,
    nTest: n,
    models,
    ci95,
    bootstrap,
    ...(comparison ? { comparison } : {}),
    samples: Array.from({ length: n }, (_, i) => ({
      index: i,
      label: labels[i],
      cnnDnn: row(coarse, i),
      global: global ? row(global, i) : undefined,
      local: locals.map((p) => row(p, i)),
      ...Object.fromEntries(variants.flatMap((v) => [[v, row(variantProbs[v].probs, i)], [`${v}Local`, variantProbs[v].branches.map((p) => row(p, i))]])),
    })),
  };
  writeFileAtomic(L.evalJson, JSON.stringify(report));
  return report;
}
