// The machine-readable summary of a finished run (`ddcnn train --json`) and its table rows.
import fs from 'node:fs';
import type { EvalReport } from './evaluate';
import type { RunRecord, RunSummary } from './run-types';
import { runLayout } from './layout';
import { positiveIndex } from './evaluate';

export type { RunSummary };

export function readEval(runDir: string): EvalReport {
  return JSON.parse(fs.readFileSync(runLayout(runDir).evalJson, 'utf8'));
}

/** The name of a two-class run's positive class. */
export function positiveClassOf(rec: RunRecord): string {
  return rec.dataset.classes[positiveIndex(rec)];
}

export function summarizeRun(runDir: string, rec: RunRecord, ev: EvalReport): RunSummary {
  const localNames = Object.keys(rec.models).filter((m) => rec.models[m].role === 'local');
  const pick = (f: (name: string) => number | undefined) => ({
    global: rec.models.global ? f('global') : undefined,
    cnnDnn: f('cnnDnn')!,
    average: f('average')!,
    vote: f('vote')!,
    local: localNames.map((m) => f(m)!),
    // The coherent variants, in runs that trained them.
    ...Object.fromEntries(variantNames.map((v) => [v, f(v)])),
  });
  const variantNames = (['coherent', 'transfer'] as const).filter((v) => rec.variants?.[v]?.state === 'done');
  const t = rec.timings!;
  const binary = rec.dataset.classes.length === 2;
  const metricsWithIntervals = binary ? (['accuracy', 'balancedAccuracy', 'auc', 'sensitivity', 'specificity'] as const) : (['accuracy', 'balancedAccuracy'] as const);
  const ci95 = ev.ci95
    ? Object.fromEntries(
        metricsWithIntervals.map((metric) => {
          const of = (m: string) => ev.ci95![m]?.[metric] as [number, number] | undefined;
          return [metric, { global: rec.models.global ? of('global') : undefined, cnnDnn: of('cnnDnn')!, average: of('average')!, vote: of('vote')!, local: localNames.map((m) => of(m)!) }];
        }),
      )
    : undefined;
  return {
    runId: rec.id,
    runDir,
    status: rec.status,
    backend: rec.backend?.name ?? 'unknown',
    dataset: {
      name: rec.dataset.name,
      inputShape: rec.dataset.inputShape,
      classes: rec.dataset.classes,
      nTrain: rec.dataset.nTrain,
      nVal: rec.dataset.nVal,
      nTest: rec.dataset.nTest,
      splitMethod: rec.dataset.splitMethod,
    },
    decomposition: { grid: rec.decomposition.grid, overlap: rec.decomposition.overlap },
    accuracy: pick((m) => ev.models[m]?.accuracy),
    balancedAccuracy: pick((m) => ev.models[m]?.balancedAccuracy),
    ...(binary
      ? {
          positiveClass: positiveClassOf(rec),
          auc: pick((m) => ev.models[m]?.auc),
          sensitivity: pick((m) => ev.models[m]?.sensitivity),
          specificity: pick((m) => ev.models[m]?.specificity),
        }
      : {}),
    ...(ci95 ? { ci95 } : {}),
    ...(ev.comparison ? { comparison: ev.comparison } : {}),
    seconds: {
      global: t.global,
      globalWall: t.globalWall,
      localMax: t.localMax,
      localSum: t.localSum,
      ...(t.foldSum === undefined ? {} : { foldSum: t.foldSum }),
      localWall: t.localWall,
      coarse: t.coarse,
      cnnDnnWall: t.cnnDnnWall,
      totalWall: t.totalWall,
      ...Object.fromEntries(variantNames.flatMap((v) => [[v, rec.variants![v]!.trainSeconds], [`${v}Wall`, rec.variants![v]!.wallSeconds]])),
    },
    params: { ...Object.fromEntries(Object.entries(rec.models).map(([n, m]) => [n, m.params])), ...Object.fromEntries(variantNames.map((v) => [v, rec.variants![v]!.params ?? 0])) },
    devices: Object.fromEntries(Object.entries(rec.models).flatMap(([n, m]) => (m.device === undefined ? [] : [[n, m.device]]))),
    restarts: rec.restarts.length,
    memoryMB: rec.memory,
  };
}

export const pct = (v: number | undefined) => (v === undefined || Number.isNaN(v) ? '-' : `${(v * 100).toFixed(2)}%`);
/** A value with its 95% interval, e.g. "77.85% (73.2-82.2)" or "0.843 (0.79-0.89)". */
export const withCi = (text: string, ci: [number, number] | undefined, scale: number, digits: number) =>
  ci === undefined || text === '-' || Number.isNaN(ci[0]) ? text : `${text} (${(ci[0] * scale).toFixed(digits)}-${(ci[1] * scale).toFixed(digits)})`;
export const num = (v: number | undefined) => (v === undefined || Number.isNaN(v) ? '-' : v.toFixed(3));
const sec = (v: number | undefined) => (v === undefined ? '-' : `${v.toFixed(1)}s`);

/**
 * The end-of-run table: model, accuracy, balanced accuracy, for two classes AUC, sensitivity and
 * specificity (for the positive class named in the header), training seconds, parameters. "train" is the
 * time inside a trainer's training loop (for the CNN-DNN: the slowest local model plus the coarse
 * model, since the local models train in parallel); "wall" is the clock time of the whole stage,
 * process start, data loading and output predictions included.
 */
export function summaryTable(rec: RunRecord, ev: EvalReport): string {
  const binary = rec.dataset.classes.length === 2;
  const localNames = Object.keys(rec.models).filter((m) => rec.models[m].role === 'local');
  const localParams = localNames.reduce((a, m) => a + rec.models[m].params, 0);
  const t = rec.timings;
  const rows: string[][] = [];
  const add = (label: string, key: string, train?: number, wall?: number, params?: number) => {
    const m = ev.models[key];
    const ci = ev.ci95?.[key];
    rows.push([
      label,
      withCi(pct(m?.accuracy), ci?.accuracy, 100, 1),
      withCi(pct(m?.balancedAccuracy), ci?.balancedAccuracy, 100, 1),
      ...(binary ? [withCi(num(m?.auc), ci?.auc, 1, 2), pct(m?.sensitivity), pct(m?.specificity)] : []),
      sec(train),
      sec(wall),
      params === undefined ? '-' : String(params),
    ]);
  };
  if (rec.models.global) add('global model', 'global', rec.models.global.trainSeconds, t?.globalWall, rec.models.global.params);
  add('CNN-DNN (coarse)', 'cnnDnn', t ? t.localMax + t.coarse : undefined, t?.cnnDnnWall, localParams + rec.models.coarse.params);
  if (rec.variants?.coherent?.state === 'done') add('coherent CNN-DNN', 'coherent', rec.variants.coherent.trainSeconds, rec.variants.coherent.wallSeconds, rec.variants.coherent.params);
  if (rec.variants?.transfer?.state === 'done') add('transfer learning', 'transfer', rec.variants.transfer.trainSeconds, rec.variants.transfer.wallSeconds, rec.variants.transfer.params);
  add('average of locals', 'average');
  add('majority vote', 'vote');
  for (const m of localNames) add(m, m, rec.models[m].trainSeconds, undefined, rec.models[m].params);
  const positive = binary ? positiveClassOf(rec) : '';
  const header = ['model', 'accuracy', 'balanced', ...(binary ? [`AUC (${positive})`, `sensitivity for ${positive}`, 'specificity'] : []), 'train', 'wall', 'parameters'];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (r: string[]) => r.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ');
  const notes = [`CNN-DNN = ${localNames.length} local models trained in parallel, then the coarse model. balanced = mean accuracy over the classes.`];
  if (rec.training) notes.push(`training: ${rec.training}.`);
  if (t?.foldSum !== undefined) notes.push(`out-of-fold inputs: the fold models trained ${t.foldSum.toFixed(1)} s in all, inside the CNN-DNN's wall time (not its train time).`);
  if (rec.variants?.coherent?.state === 'done' || rec.variants?.transfer?.state === 'done') {
    notes.push('coherent = local models and coarse model trained as one model, end to end, model-parallel; transfer learning = the same, initialised from this CNN-DNN (its train time excludes the CNN-DNN\'s).');
  }
  if (ev.ci95) notes.push(`(low-high): 95% bootstrap interval over the ${ev.nTest} test cases (${ev.bootstrap?.resamples} resamples).`);
  const cmp = ev.comparison?.cnnDnnVsGlobalAuc;
  if (cmp) {
    notes.push(
      `CNN-DNN AUC - global AUC: ${cmp.difference >= 0 ? '+' : ''}${cmp.difference.toFixed(3)} (${cmp.ci95[0].toFixed(3)} to ${cmp.ci95[1].toFixed(3)}, p = ${cmp.p.toFixed(3)}): ${cmp.significant ? 'significant' : 'not significant'} at the 5% level (paired bootstrap)`,
    );
  }
  if (binary) notes.push(`positive class: ${positive} (sensitivity: share of ${positive} cases found; specificity: share of ${rec.dataset.classes.find((c) => c !== positive)} cases found)`);
  if (t?.globalWall) notes.push(`CNN-DNN / global model: wall ${(t.cnnDnnWall / t.globalWall).toFixed(2)}x, train ${((t.localMax + t.coarse) / (t.global ?? NaN)).toFixed(2)}x`);
  if (rec.restarts.length) notes.push(`restarts: ${rec.restarts.map((r) => `${r.model} (${r.reason})`).join('; ')}`);
  return [line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line), '', ...notes].join('\n');
}
