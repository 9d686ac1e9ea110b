// The machine-readable summary of a finished run (`ddcnn train --json`) and its table rows.
import fs from 'node:fs';
import type { EvalReport } from './evaluate';
import type { RunRecord, RunSummary } from './run-types';
import { runLayout } from './layout';

export type { RunSummary };

export function readEval(runDir: string): EvalReport {
  return JSON.parse(fs.readFileSync(runLayout(runDir).evalJson, 'utf8'));
}

export function summarizeRun(runDir: string, rec: RunRecord, ev: EvalReport): RunSummary {
  const localNames = Object.keys(rec.models).filter((m) => rec.models[m].role === 'local');
  const pick = (f: (name: string) => number | undefined) => ({
    global: rec.models.global ? f('global') : undefined,
    cnnDnn: f('cnnDnn')!,
    average: f('average')!,
    vote: f('vote')!,
    local: localNames.map((m) => f(m)!),
  });
  const t = rec.timings!;
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
    auc: rec.dataset.classes.length === 2 ? pick((m) => ev.models[m]?.auc) : undefined,
    seconds: { global: t.global, globalWall: t.globalWall, localMax: t.localMax, localSum: t.localSum, localWall: t.localWall, coarse: t.coarse, cnnDnnWall: t.cnnDnnWall, totalWall: t.totalWall },
    params: Object.fromEntries(Object.entries(rec.models).map(([n, m]) => [n, m.params])),
    devices: Object.fromEntries(Object.entries(rec.models).flatMap(([n, m]) => (m.device === undefined ? [] : [[n, m.device]]))),
    restarts: rec.restarts.length,
    memoryMB: rec.memory,
  };
}

const pct = (v: number | undefined) => (v === undefined || Number.isNaN(v) ? '-' : `${(v * 100).toFixed(2)}%`);
const num = (v: number | undefined) => (v === undefined || Number.isNaN(v) ? '-' : v.toFixed(3));
const sec = (v: number | undefined) => (v === undefined ? '-' : `${v.toFixed(1)}s`);

/**
 * The end-of-run table: model, accuracy, AUC (binary), training seconds, parameters. "train" is the
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
  const add = (label: string, key: string, train?: number, wall?: number, params?: number) =>
    rows.push([label, pct(ev.models[key]?.accuracy), ...(binary ? [num(ev.models[key]?.auc)] : []), sec(train), sec(wall), params === undefined ? '-' : String(params)]);
  if (rec.models.global) add('global model', 'global', rec.models.global.trainSeconds, t?.globalWall, rec.models.global.params);
  add('CNN-DNN (coarse)', 'cnnDnn', t ? t.localMax + t.coarse : undefined, t?.cnnDnnWall, localParams + rec.models.coarse.params);
  add('average of locals', 'average');
  add('majority vote', 'vote');
  for (const m of localNames) add(m, m, rec.models[m].trainSeconds, undefined, rec.models[m].params);
  const header = ['model', 'accuracy', ...(binary ? ['AUC'] : []), 'train', 'wall', 'parameters'];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (r: string[]) => r.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ');
  const notes = [`CNN-DNN = ${localNames.length} local models trained in parallel, then the coarse model.`];
  if (t?.globalWall) notes.push(`CNN-DNN / global model: wall ${(t.cnnDnnWall / t.globalWall).toFixed(2)}x, train ${((t.localMax + t.coarse) / (t.global ?? NaN)).toFixed(2)}x`);
  if (rec.restarts.length) notes.push(`restarts: ${rec.restarts.map((r) => `${r.model} (${r.reason})`).join('; ')}`);
  return [line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line), '', ...notes].join('\n');
}
