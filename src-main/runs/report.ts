// `ddcnn report <run>` and the Results view's Report button: one self-contained HTML file of a completed run
// (no script, no network, images inlined) for a paper or a review board's file: the settings, the data set and
// its split with counts per class, the decomposition over a slice with content, every model's metrics with 95%
// intervals, confusion matrices, ROC curves, training curves, timings and speed-up, the backend and versions,
// external cohorts the run was validated on, and the data set's citation.
// No patient identifier can reach it: it names no case (only counts, metrics and an average image of the test
// cases), and of the data source only its file or folder name.
import path from 'node:path';
import { readCacheManifest, readCachedSplit } from '../data/cache';
import { backendInPlainWords } from '../engine/backend-info';
import { averageProbs } from '../engine/fusion';
import type { Metrics, MetricIntervals } from '../engine/metrics';
import { listCohorts, type CohortReport } from './cohort';
import { readHistory } from './history';
import { runLayout } from './layout';
import { esc, greyPngDataUrl, lineChart, rocPoints, SERIES_COLOURS } from './report-figures';
import type { RunRecord } from './run-record';
import { readEval, summarizeRun } from './summary';
import type { EvalReport } from './run-types';

const MODEL_LABEL: Record<string, string> = { cnnDnn: 'CNN-DNN (local models + coarse model)', global: 'Global model', average: 'Average of the local models', vote: 'Majority vote of the local models' };
const label = (key: string) => MODEL_LABEL[key] ?? key.replace(/^local-(\d+)$/, 'Local model $1');
const pct = (v: number | undefined, d = 1) => (v === undefined || Number.isNaN(v) ? '–' : `${(v * 100).toFixed(d)}%`);
const fix = (v: number | undefined, d = 3) => (v === undefined || Number.isNaN(v) ? '–' : v.toFixed(d));
const sec = (v: number | undefined) => (v === undefined ? '–' : `${v.toFixed(1)} s`);
const ci = (r: [number, number] | undefined, scale: number, d: number) => (r && !Number.isNaN(r[0]) ? `<span class="ci">${(r[0] * scale).toFixed(d)}–${(r[1] * scale).toFixed(d)}</span>` : '');
const table = (head: string[], rows: string[][], cls = '') => `<table class="${cls}"><thead><tr>${head.map((h) => `<th>${h}</th>`).join('')}</tr></thead><tbody>${rows.map((r) => `<tr>${r.map((c, i) => (i === 0 ? `<th>${c}</th>` : `<td>${c}</td>`)).join('')}</tr>`).join('')}</tbody></table>`;

/** The model keys in the order of the Results view: CNN-DNN, global, average, vote, then the local models. */
function modelOrder(models: Record<string, unknown>): string[] {
  const main = ['cnnDnn', 'global', 'average', 'vote'].filter((k) => k in models);
  return [...main, ...Object.keys(models).filter((k) => !main.includes(k)).sort((a, b) => a.localeCompare(b, 'en', { numeric: true }))];
}

function metricsTable(models: Record<string, Metrics>, ci95: Record<string, MetricIntervals> | undefined, classes: string[], extra?: (key: string) => string[], extraHead: string[] = []): string {
  const binary = classes.length === 2;
  const positive = binary ? classes[models.cnnDnn?.positive ?? 1] : '';
  const head = ['Model', 'Accuracy', 'Balanced accuracy', ...(binary ? [`AUC (${esc(positive)})`, `Sensitivity for ${esc(positive)}`, 'Specificity'] : []), ...extraHead];
  const rows = modelOrder(models).map((k) => {
    const m = models[k];
    const c = ci95?.[k];
    return [esc(label(k)), pct(m.accuracy, 2) + ci(c?.accuracy, 100, 1), pct(m.balancedAccuracy, 2) + ci(c?.balancedAccuracy, 100, 1), ...(binary ? [fix(m.auc) + ci(c?.auc, 1, 2), pct(m.sensitivity) + ci(c?.sensitivity, 100, 1), pct(m.specificity) + ci(c?.specificity, 100, 1)] : []), ...(extra?.(k) ?? [])];
  });
  return table(head, rows, 'metrics');
}

function confusionTable(m: Metrics, classes: string[], title: string): string {
  const head = [`${esc(title)}<br><span class="muted">true ↓ / predicted →</span>`, ...classes.map(esc)];
  return table(head, m.confusion.map((row, t) => [esc(classes[t]), ...row.map(String)]), 'confusion');
}

/** The test cases' mean image on the slice with the most foreground (volumes), with the subdomain boxes over it. */
function decompositionFigure(runDir: string, rec: RunRecord): string {
  const spatial = rec.dataset.inputShape.slice(0, -1);
  const channels = rec.dataset.channels;
  const test = readCachedSplit(runLayout(runDir).cache, 'test');
  const n = test.y.length;
  const size = spatial.reduce((a, b) => a * b, 1);
  const mean = new Float32Array(size);
  for (let i = 0; i < n; i++) for (let v = 0; v < size; v++) mean[v] += test.x[(i * size + v) * channels] / n;
  const [D, H, W] = spatial.length === 3 ? spatial : [1, ...spatial];
  let best = 0;
  let bestCount = -1;
  for (let z = 0; z < D; z++) {
    let count = 0;
    for (let v = 0; v < H * W; v++) if (mean[z * H * W + v] > 0.05) count++;
    if (count > bestCount) [best, bestCount] = [z, count];
  }
  const slice = mean.subarray(best * H * W, (best + 1) * H * W);
  const max = Math.max(...slice) || 1;
  const scale = Math.max(1, Math.floor(360 / Math.max(H, W)));
  const img = greyPngDataUrl(slice.map((v) => v / max), W, H, scale);
  const boxes = rec.decomposition.subdomains
    .filter((s) => spatial.length === 2 || (s.start[0] <= best && best < s.end[0]))
    .map((s) => {
      const [y0, x0, y1, x1] = spatial.length === 3 ? [s.start[1], s.start[2], s.end[1], s.end[2]] : [s.start[0], s.start[1], s.end[0], s.end[1]];
      const c = SERIES_COLOURS[s.index % SERIES_COLOURS.length];
      return `<rect x="${x0 * scale}" y="${y0 * scale}" width="${(x1 - x0) * scale}" height="${(y1 - y0) * scale}" fill="none" stroke="${c}" stroke-width="2"/><text x="${x0 * scale + 4}" y="${y0 * scale + 14}" fill="${c}" font-size="12" font-family="sans-serif">${s.index}</text>`;
    })
    .join('');
  const where = spatial.length === 3 ? `slice ${best + 1} of ${D} (the one with the most foreground), ` : '';
  const depth = spatial.length === 3 ? ` Depth ranges: ${rec.decomposition.subdomains.map((s) => `${s.index}: ${s.start[0]}–${s.end[0] - 1}`).join(', ')}.` : '';
  return `<figure><svg xmlns="http://www.w3.org/2000/svg" width="${W * scale}" height="${H * scale}" viewBox="0 0 ${W * scale} ${H * scale}"><image href="${img}" width="${W * scale}" height="${H * scale}"/>${boxes}</svg><figcaption>Decomposition ${rec.decomposition.grid.join('×')}, overlap ${rec.decomposition.overlap} voxel(s), over the mean of the ${n} test inputs, ${where}as the models see them (after preprocessing). Boxes: the subdomains of the local models (index in the corner).${depth}</figcaption></figure>`;
}

function rocFigure(ev: EvalReport): string {
  const k = ev.classes.length;
  if (k !== 2) return '';
  const positive = ev.models.cnnDnn?.positive ?? 1;
  const isPos = ev.samples.map((s) => s.label === positive);
  const n = ev.samples.length;
  const locals = ev.samples[0]?.local.map((_, j) => Float32Array.from(ev.samples.flatMap((s) => s.local[j]))) ?? [];
  const avg = averageProbs(locals, n, k);
  const series = [{ name: `CNN-DNN (AUC ${fix(ev.models.cnnDnn?.auc)})`, scores: ev.samples.map((s) => s.cnnDnn[positive]) }];
  if (ev.samples[0]?.global) series.push({ name: `global (AUC ${fix(ev.models.global?.auc)})`, scores: ev.samples.map((s) => s.global![positive]) });
  series.push({ name: `average (AUC ${fix(ev.models.average?.auc)})`, scores: Array.from({ length: n }, (_, i) => avg[i * k + positive]) });
  return lineChart(
    series.map((s) => ({ name: s.name, points: rocPoints(s.scores, isPos) })),
    { title: `ROC curves on the test split (positive class: ${ev.classes[positive]})`, xLabel: 'false positive rate (1 − specificity)', yLabel: 'true positive rate (sensitivity)', xRange: [0, 1], yRange: [0, 1], diagonal: true },
  );
}

function trainingFigures(runDir: string): string {
  const h = readHistory(runDir).models;
  const names = Object.keys(h).sort((a, b) => a.localeCompare(b, 'en', { numeric: true }));
  if (names.length === 0) return '<p class="muted">No epoch history recorded.</p>';
  const pick = (metric: 'loss' | 'valLoss') => names.map((m) => ({ name: m, dashed: m.startsWith('local-'), points: h[m].map((e) => [e.epoch, e[metric]] as [number, number]).filter((p) => Number.isFinite(p[1])) }));
  return `<div class="figs">${lineChart(pick('loss'), { title: 'Training loss per epoch', xLabel: 'epoch', yLabel: 'loss' })}${lineChart(pick('valLoss'), { title: 'Validation loss per epoch', xLabel: 'epoch', yLabel: 'loss' })}</div>`;
}

function cohortSection(cohorts: CohortReport[], ev: EvalReport): string {
  if (cohorts.length === 0) return '';
  const parts = cohorts.map((c) => {
    const counts = Object.entries(c.perClass ?? {}).map(([k, v]) => `${esc(k)} ${v}`).join(', ');
    const body = c.metrics
      ? metricsTable(c.metrics.models, c.metrics.ci95, c.classes, (key) => [pct(ev.models[key]?.accuracy, 2), fix(ev.models[key]?.auc)], ['Test split: accuracy', 'Test split: AUC'])
      : '<p class="muted">No labels: predictions only.</p>';
    return `<h3>Cohort ${esc(c.name)}</h3><p>${c.nCases} cases (${counts}) predicted on ${esc(c.createdAt.slice(0, 10))}; ${c.skipped.length} could not be read. None of them was used in training.</p>${body}`;
  });
  return `<section><h2>External validation</h2>${parts.join('')}</section>`;
}

/** The report of a completed run as one HTML document. */
export function runReportHtml(runDir: string, rec: RunRecord): string {
  if (rec.status !== 'completed') throw new Error(`run ${rec.id} is ${rec.status}: only a completed run has a report`);
  const ev = readEval(runDir);
  const summary = summarizeRun(runDir, rec, ev);
  const classes = rec.dataset.classes;
  const cache = readCacheManifest(runLayout(runDir).cache);
  const t = rec.timings;
  const { data: _data, executor: _executor, ...settings } = rec.config as Record<string, unknown>;
  // Sizes read as 2 × 2 × 2; a window or other pair as 0..255.
  const fmtValue = (k: string, v: unknown) => esc(Array.isArray(v) ? v.join(['grid', 'shape', 'spacing'].includes(k) ? ' × ' : k === 'window' ? '..' : ', ') : typeof v === 'object' ? JSON.stringify(v) : String(v));
  const splitRows = (['train', 'val', 'test'] as const).map((s) => {
    const labels = cache.splits[s].labels;
    return [s === 'val' ? 'validation' : s, String(labels.length), ...classes.map((_, c) => String(labels.filter((y) => y === c).length))];
  });
  const backend = rec.backend ? backendInPlainWords(rec.backend) : undefined;
  const locals = Object.keys(rec.models).filter((m) => rec.models[m].role === 'local');
  const timingRows: string[][] = [
    ['Local models (in parallel): slowest / sum', `${sec(t?.localMax)} / ${sec(t?.localSum)}`],
    ['Coarse model', sec(t?.coarse)],
    ['CNN-DNN stage wall time (locals + coarse)', sec(t?.cnnDnnWall)],
    ...(rec.models.global ? [['Global model: training loop / wall', `${sec(t?.global)} / ${sec(t?.globalWall)}`]] : []),
    ['Whole run, wall', sec(t?.totalWall)],
  ];
  const speed = t?.globalWall && t.cnnDnnWall ? `<p class="big">Speed-up of the CNN-DNN over the global model: <strong>${(t.globalWall / t.cnnDnnWall).toFixed(2)}×</strong> wall time (${sec(t.globalWall)} ÷ ${sec(t.cnnDnnWall)}); inside the training loops ${((t.global ?? NaN) / (t.localMax + t.coarse)).toFixed(2)}×. Above 1 the CNN-DNN is faster.</p>` : '<p class="muted">No global model was trained: no speed-up to report.</p>';
  const cmp = ev.comparison?.cnnDnnVsGlobalAuc;
  const params = locals.reduce((a, m) => a + rec.models[m].params, 0);
  const versions = { ...rec.versions, ...(rec.backend?.versions ?? {}) };
  const html = `<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; img-src data:; style-src 'unsafe-inline'">
<title>Run report ${esc(rec.id)}</title>
<style>
body{font-family:system-ui,-apple-system,'Segoe UI',sans-serif;font-size:13px;color:#1b1f24;max-width:1000px;margin:1.5rem auto;padding:0 1rem;line-height:1.4}
h1{font-size:1.5rem;margin:0 0 .2rem}h2{font-size:1.15rem;border-bottom:1px solid #ccd;padding-bottom:.2rem;margin-top:1.6rem}h3{font-size:1rem}
table{border-collapse:collapse;margin:.4rem 0}th,td{padding:.2rem .55rem;border-bottom:1px solid #dde;text-align:right;vertical-align:top}th:first-child,thead th{text-align:left}
thead th{color:#556;font-weight:600}.ci{display:block;font-size:.75em;color:#667}.muted{color:#667}.big{font-size:1.05rem;border-left:4px solid #0072B2;padding:.4rem .7rem;background:#f3f7fb}
.figs{display:flex;flex-wrap:wrap;gap:1rem}figure{margin:.5rem 0}figcaption{font-size:.85em;color:#556;max-width:720px}.confusions{display:flex;flex-wrap:wrap;gap:1.2rem}
dl{display:grid;grid-template-columns:max-content 1fr;gap:.15rem 1rem}dt{color:#556}dd{margin:0}
section{break-inside:avoid-page}@media print{body{margin:0;max-width:none}}
</style></head><body>
<header><h1>DD-CNN Studio: run report</h1>
<p class="muted">Run <strong>${esc(rec.id)}</strong>, created ${esc(rec.createdAt)}; report made ${esc(new Date().toISOString())}. Domain-decomposition CNN-DNN (Klawonn, Lanser &amp; Weber, SIAM J. Sci. Comput. 46(5), C557–C582, 2024).</p></header>
<section><h2>Summary</h2>
<p>${locals.length} local models on a ${rec.decomposition.grid.join('×')} decomposition and a coarse model (together ${params + rec.models.coarse.params} parameters)${rec.models.global ? `, compared with a global model (${rec.models.global.params} parameters)` : ''}, trained on ${rec.dataset.nTrain} cases and tested on ${rec.dataset.nTest}.
CNN-DNN test accuracy <strong>${pct(ev.models.cnnDnn.accuracy, 2)}</strong>${classes.length === 2 ? `, AUC <strong>${fix(ev.models.cnnDnn.auc)}</strong>` : ''}${ev.models.global ? `; global model ${pct(ev.models.global.accuracy, 2)}${classes.length === 2 ? `, AUC ${fix(ev.models.global.auc)}` : ''}` : ''}.</p>
${speed}</section>
<section><h2>Data set and split</h2>
<dl><dt>Data set</dt><dd>${esc(rec.dataset.name)} (${esc(path.basename(rec.dataset.source))})</dd><dt>Classes</dt><dd>${classes.map(esc).join(', ')}${rec.dataset.positiveClass ? `; positive class: ${esc(rec.dataset.positiveClass)}` : ''}</dd>
<dt>Model input</dt><dd>${rec.dataset.inputShape.join(' × ')} (spatial × channels)</dd><dt>Preprocessing</dt><dd>${esc(rec.preprocessing.intensity)}${rec.preprocessing.recipe ? `; recipe: shape ${rec.preprocessing.recipe.shape.join('×')}, window ${rec.preprocessing.recipe.window.join('..')}${rec.preprocessing.recipe.spacing ? `, spacing ${rec.preprocessing.recipe.spacing.join('×')} mm` : ''}` : ''}</dd>
<dt>Split</dt><dd>${esc(rec.dataset.splitMethod)}</dd><dt>Citation</dt><dd>${rec.dataset.citation ? esc(rec.dataset.citation) : 'none recorded with the data set: cite its source as its licence asks'}</dd></dl>
${table(['Split', 'Cases', ...classes.map(esc)], splitRows)}</section>
<section><h2>Settings</h2>${rec.training ? `<p>Training: ${esc(rec.training)}.</p>` : ''}${table(['Setting', 'Value'], Object.entries(settings).map(([k, v]) => [esc(k), fmtValue(k, v)]))}</section>
<section><h2>Decomposition</h2>${decompositionFigure(runDir, rec)}</section>
<section><h2>Test metrics</h2>${metricsTable(ev.models, ev.ci95, classes, (k) => [k === 'cnnDnn' ? String(rec.models.coarse?.bestEpoch ?? '–') : String(rec.models[k]?.bestEpoch ?? '–'), k === 'cnnDnn' ? String(params + rec.models.coarse.params) : String(summary.params[k] ?? '–')], ['Kept epoch', 'Parameters'])}
<p class="muted">Below each value: its 95% bootstrap interval over the ${ev.nTest} test cases (${ev.bootstrap?.resamples ?? '–'} resamples, seed ${ev.bootstrap?.seed ?? '–'}). Balanced accuracy: the mean of the per-class accuracies.</p>
${cmp ? `<p>CNN-DNN AUC − global AUC: <strong>${cmp.difference >= 0 ? '+' : ''}${cmp.difference.toFixed(3)}</strong> (95% interval ${cmp.ci95[0].toFixed(3)} to ${cmp.ci95[1].toFixed(3)}, p = ${cmp.p.toFixed(3)}, paired bootstrap): ${cmp.significant ? 'a significant difference' : 'no significant difference'} at the 5% level.</p>` : ''}
<h3>Confusion matrices</h3><div class="confusions">${['cnnDnn', 'global', 'average', 'vote'].filter((k) => ev.models[k]).map((k) => confusionTable(ev.models[k], classes, label(k))).join('')}</div>
${classes.length === 2 ? `<h3>ROC curves</h3>${rocFigure(ev)}` : ''}</section>
<section><h2>Training</h2>${trainingFigures(runDir)}
<h3>Timings</h3>${table(['Stage', 'Seconds'], timingRows)}<p class="muted">Training loop: time inside each trainer's loop; wall: clock time of the stage, process start and data loading included.</p></section>
${cohortSection(listCohorts(runDir), ev)}
<section><h2>Backend and versions</h2>
<p>${backend ? esc(backend.headline) : 'not recorded'}.${backend?.reasons.length ? ` Better backends not used: ${backend.reasons.map((r) => `${esc(r.backend)}: ${esc(r.words)}`).join('; ')}.` : ''}</p>
${table(['Package', 'Version'], Object.entries(versions).map(([k, v]) => [esc(k), esc(v)]))}</section>
</body></html>
`;
  return html;
}
