// `ddcnn bench --only paper`: the comparison table of the follow-up paper (Klawonn, Lanser & Weber,
// arXiv 2408.14442) per data set and decomposition: the global model, the mean of the local models,
// averaging, majority vote, the CNN-DNN, the coherent CNN-DNN and transfer learning, each with its test
// accuracy (AUC for two classes) and training wall time, and per data set whether the papers' claims held.
// Every case has a small budget (training cases, epochs) so that it takes minutes on a CPU; the budget is
// written beside its table.
import path from 'node:path';
import { findProjectRoot } from '../data/project-root';
import { RUN_DEFAULTS, type RunConfig } from '../runs/run-config';
import type { RunSummary } from '../runs/summary';

const SHARED = path.resolve(findProjectRoot(import.meta.url), '../shared/data');

export interface PaperCase {
  name: string;
  config: RunConfig;
}

/**
 * Settings shared by every case. The paper's setting, and one the variants share: the coarse model trains
 * on the local models' training-split outputs, no augmentation and a constant learning rate (the coherent
 * stages train on the plain crops at a constant rate; anything else would compare unequal training).
 */
const base = { family: 'vgg', seed: 1, global: true, learningRate: 1e-3, variants: ['coherent', 'transfer'], coarseInputs: 'train', augment: 'none', schedule: 'constant' } as const;

/** The cases, in the order they run; each with the budget that keeps it to minutes on two shared cores. */
export const PAPER_CASES: PaperCase[] = [
  { name: 'mnist-2x2-overlap0', config: { ...base, variants: [...base.variants], data: 'mnist', grid: [2, 2], overlap: 0, epochs: 3, batch: 64, limit: 3000, limitTest: 1000 } },
  { name: 'mnist-2x2-overlap2', config: { ...base, variants: [...base.variants], data: 'mnist', grid: [2, 2], overlap: 2, epochs: 3, batch: 64, limit: 3000, limitTest: 1000 } },
  { name: 'mnist-4x4-overlap0', config: { ...base, variants: [...base.variants], data: 'mnist', grid: [4, 4], overlap: 0, epochs: 3, batch: 64, limit: 3000, limitTest: 1000 } },
  { name: 'mnist-4x4-overlap2', config: { ...base, variants: [...base.variants], data: 'mnist', grid: [4, 4], overlap: 2, epochs: 3, batch: 64, limit: 3000, limitTest: 1000 } },
  { name: 'demo-2x2x2', config: { ...base, variants: [...base.variants], data: 'demo', grid: [2, 2, 2], overlap: 2, epochs: 5, batch: 32 } },
  {
    name: 'orl-faces-2x2',
    config: { ...base, variants: [...base.variants], data: path.join(SHARED, 'orl-faces/att_faces_112x92.npz'), grid: [2, 2], overlap: 4, epochs: 30, batch: 16, transferEpochs: 10 },
  },
  {
    name: 'lidc-2x2x2',
    config: { ...base, variants: [...base.variants], data: path.join(SHARED, 'lidc-nodules/lidc_nodules_64x64x48.npz'), grid: [2, 2, 2], overlap: 1, epochs: 5, batch: 32, shape: [24, 32, 32], limit: 400 },
  },
];

export interface PaperResult {
  case: string;
  settings: RunConfig;
  summary?: RunSummary;
  error?: string;
}

const pct = (v?: number) => (v === undefined || Number.isNaN(v) ? '-' : `${(v * 100).toFixed(1)}%`);
const auc = (v?: number) => (v === undefined || Number.isNaN(v) ? '-' : v.toFixed(3));
const sec = (v?: number) => (v === undefined ? '-' : `${v.toFixed(1)} s`);
const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;

function budget(c: RunConfig): string {
  const parts = [`${c.epochs} epochs`, `batch ${c.batch}`, `lr ${c.learningRate ?? RUN_DEFAULTS.learningRate}`];
  if (c.limit) parts.push(`at most ${c.limit} training cases`);
  if (c.limitTest) parts.push(`${c.limitTest} test cases`);
  if (c.shape) parts.push(`resampled to ${c.shape.join('x')}`);
  parts.push(`coarse inputs ${c.coarseInputs ?? 'default'}, augmentation ${c.augment ?? 'default'}, schedule ${c.schedule ?? 'default'}`);
  parts.push(`coherent ${c.coherentEpochs ?? c.epochs} epochs at lr ${c.coherentLearningRate ?? c.learningRate ?? RUN_DEFAULTS.learningRate}`);
  parts.push(`transfer ${c.transferEpochs ?? Math.max(1, Math.ceil(c.epochs / 2))} epochs at lr ${c.transferLearningRate ?? (c.learningRate ?? RUN_DEFAULTS.learningRate) / 10}`);
  return parts.join(', ');
}

/** Whether each claim held, from the measured numbers: by accuracy, and for two classes by AUC as well. */
export function paperClaims(s: RunSummary): string {
  const a = s.accuracy;
  const u = s.auc;
  const verdict = (ok: boolean) => (ok ? 'held' : 'did not hold');
  const byAuc = (ok: boolean, text: string) => (u ? `; by AUC ${verdict(ok)} (${text})` : '');
  const claims: string[] = [];
  claims.push(
    `coarse beats averaging and voting: ${verdict(a.cnnDnn > a.average && a.cnnDnn > a.vote)} (${pct(a.cnnDnn)} vs ${pct(a.average)} / ${pct(a.vote)})` +
      (u ? byAuc(u.cnnDnn > u.average && u.cnnDnn > u.vote, `${auc(u.cnnDnn)} vs ${auc(u.average)} / ${auc(u.vote)}`) : ''),
  );
  if (a.transfer !== undefined) {
    claims.push(`transfer beats CNN-DNN: ${verdict(a.transfer > a.cnnDnn)} (${pct(a.transfer)} vs ${pct(a.cnnDnn)})` + (u?.transfer !== undefined ? byAuc(u.transfer > u.cnnDnn, `${auc(u.transfer)} vs ${auc(u.cnnDnn)}`) : ''));
  }
  if (a.global !== undefined && s.seconds.globalWall) {
    const better = (x: number, y: number) => (x >= y ? 'CNN-DNN as good or better' : 'global better');
    claims.push(
      `CNN-DNN vs global: accuracy ${pct(a.cnnDnn)} vs ${pct(a.global)} (${better(a.cnnDnn, a.global)})` +
        (u?.global !== undefined ? `, AUC ${auc(u.cnnDnn)} vs ${auc(u.global)} (${better(u.cnnDnn, u.global)})` : '') +
        `, wall ${sec(s.seconds.cnnDnnWall)} vs ${sec(s.seconds.globalWall)} (ratio ${(s.seconds.cnnDnnWall / s.seconds.globalWall).toFixed(2)})`,
    );
  }
  return claims.join('; ');
}

export function paperMarkdown(results: PaperResult[]): string[] {
  const lines = ['', '## paper: the follow-up paper\'s comparison (arXiv 2408.14442)', ''];
  lines.push(
    'Per data set and decomposition: test accuracy (AUC for two classes) and training wall time. Times are stage clock times ' +
      '(process starts, data loading and predictions included) on a shared machine; the mean of the local models and ' +
      'averaging/voting are timed by the local stage; transfer learning\'s time is its own stage, on top of the CNN-DNN it starts from.',
  );
  for (const r of results) {
    lines.push('', `### ${r.case}`, '');
    lines.push(`Settings: data ${path.basename(r.settings.data)}, decomposition ${r.settings.grid?.join('x')}, overlap ${r.settings.overlap}; budget: ${budget(r.settings)}.`);
    if (!r.summary) {
      lines.push('', `Not measured: ${r.error}`);
      continue;
    }
    const s = r.summary;
    const binary = s.dataset.classes.length === 2;
    lines.push(`Measured: ${s.dataset.name}, train ${s.dataset.nTrain} / val ${s.dataset.nVal} / test ${s.dataset.nTest}, backend ${s.backend}, run ${s.runId}.`, '');
    lines.push(binary ? '| model | accuracy | AUC | train wall |' : '| model | accuracy | train wall |', binary ? '|---|---|---|---|' : '|---|---|---|');
    const row = (label: string, acc?: number, a?: number, wall?: number) => lines.push(binary ? `| ${label} | ${pct(acc)} | ${auc(a)} | ${sec(wall)} |` : `| ${label} | ${pct(acc)} | ${sec(wall)} |`);
    row('global', s.accuracy.global, s.auc?.global, s.seconds.globalWall);
    row('mean of local models', mean(s.accuracy.local), s.auc ? mean(s.auc.local) : undefined, s.seconds.localWall);
    row('averaging', s.accuracy.average, s.auc?.average, s.seconds.localWall);
    row('voting', s.accuracy.vote, s.auc?.vote, s.seconds.localWall);
    row('CNN-DNN', s.accuracy.cnnDnn, s.auc?.cnnDnn, s.seconds.cnnDnnWall);
    row('coherent CNN-DNN', s.accuracy.coherent, s.auc?.coherent, s.seconds.coherentWall);
    row('transfer learning', s.accuracy.transfer, s.auc?.transfer, s.seconds.transferWall);
    lines.push('', `Claims: ${paperClaims(s)}.`);
  }
  return lines;
}
