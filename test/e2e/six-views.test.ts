// The six views in Debian's Chromium against `ddcnn serve` (web mode) with the real engine, clicked through
// as a user does, one tiny run shared by every step:
//   Data: a real CT data set folder (a DICOM series and NIfTI volumes in two class folders, plus a text
//     file the import skips) typed into the path field and inspected; a CT slice browsed (slider, axes,
//     lung and bone windows), its canvas read back. Then the built-in demo for training.
//   Decomposition: the grid and overlap, with parameter counts equal to the engine's (planModels and
//     plan:preview), the grid drawn.
//   Training: two epochs (so that each curve is a line) on 40 demo volumes with the global baseline; every
//     card goes queued → running → done, the backend, progress and ETA are shown, the curves drawn; its
//     events come only over the WebSocket.
//   Results: the table equals eval.json, the speed-up equals run.json's timings, a confusion cell lists the
//     eval.json samples behind it, the decomposition map is coloured with a legend; a case opens Inspect.
//   Inspect: the confidence map is painted and follows class and opacity, the coarse model's bars equal
//     eval.json's, a subdomain shows its bars; a new input into the run (the demo .npz) and the clear
//     refusal of a NIfTI scan (the run has no import recipe).
//   Runs: both runs (a second one made with the CLI beforehand) listed, opened, compared side by side, one
//     deleted after the confirm step, gone from the list and from disk.
// After every step the page must not have reached beyond 127.0.0.1 nor logged a console error (error
// answers of the api included: the web client gets them with status 200). Screenshots:
// test-artifacts/e2e/{1-data,2-decomposition,3-training,4-results,5-inspect,6-runs}.png.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { EvalView, PlanView } from '../../src-main/api/contract';
import { decodeWire } from '../../src-main/api/wire';
import { planModels } from '../../src-main/runs/plan';
import { ddcnn } from '../helpers/cli';
import { json, request } from '../helpers/http';
import { canvasPixels, isPainted } from './harness/canvas';
import { openStudio, type Studio } from './harness/studio';
import { StudioPage } from './pages/studio-page';

/** Training on two shared cores (other test files may train at the same time under `npm test`). */
const RUN_TIMEOUT_MS = 180_000;
const SHARED_DATA = path.resolve(import.meta.dirname, '../../../shared/data');
const DEMO_NPZ = path.resolve(import.meta.dirname, '../../resources/demo/adrenalmnist3d.npz');
/** The decomposition trained: 2x2 in the axial plane, one layer in depth, overlap 1. */
const TRAIN_GRID = [2, 2, 1];
const TRAIN_OVERLAP = 1;

let studio: Studio;
let app: StudioPage;
let ctFolder = '';
let runId = '';
let cliRun: Promise<{ code: number; stdout: string; stderr: string }>;
let cliRunId = '';
/** The test case opened from the Results view. */
let openedCase = -1;

const runDir = (id: string) => path.join(studio.serve.workspace, 'runs', id);
const readJson = <T>(file: string): T => JSON.parse(fs.readFileSync(file, 'utf8')) as T;
const percent = (v: number, digits = 1) => `${(v * 100).toFixed(digits)}%`;
const argmax = (p: number[]) => p.reduce((best, v, i) => (v > p[best] ? i : best), 0);

/** An api channel called as the page does, with the server's token. */
async function api<T>(channel: string, body?: unknown): Promise<T> {
  const res = await request(`${studio.serve.origin}/api/${channel}`, {
    method: 'POST',
    headers: { Authorization: `Bearer ${studio.serve.token}`, 'Content-Type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const r = decodeWire(res.body) as { ok: boolean; value?: T; error?: { message: string } };
  if (!r.ok) throw new Error(`${channel}: ${r.error?.message}`);
  return r.value as T;
}

/**
 * A data set folder as a clinic would export it, built from the shared real CT (copied, never written
 * there): abdomen/ with two NIfTI volumes, chest/ with the 20-slice DICOM series in a folder of its own,
 * and a text file that the import lists as skipped.
 */
function buildCtFolder(): string {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'ddcnn-e2e-ct-'));
  const abdomen = path.join(root, 'abdomen');
  const chest = path.join(root, 'chest');
  fs.mkdirSync(abdomen);
  fs.mkdirSync(path.join(chest, 'series-1'), { recursive: true });
  for (const f of ['example_ct.nii.gz', 'example_ct_sm.nii.gz']) fs.copyFileSync(path.join(SHARED_DATA, 'ct-nifti/totalsegmentator', f), path.join(abdomen, f));
  const series = path.join(SHARED_DATA, 'ct-dicom/totalsegmentator_example_ct_dicom_uncompressed');
  for (const f of fs.readdirSync(series)) fs.copyFileSync(path.join(series, f), path.join(chest, 'series-1', f));
  fs.writeFileSync(path.join(chest, 'notes.txt'), 'exported 2024-05-01\n');
  return root;
}

beforeAll(async () => {
  ctFolder = buildCtFolder();
  studio = await openStudio();
  app = new StudioPage(studio.page);
  // The second run, for the Runs view's comparison: made with the CLI in the same workspace while the
  // browser looks at data (it takes a few seconds), awaited before the app trains.
  cliRun = ddcnn(['train', '--demo', '--epochs', '1', '--limit', '8', '--no-global', '--decomposition', '2x1x1', '--overlap', '0', '--workspace', studio.serve.workspace, '--json']);
}, 180_000);

afterAll(async () => {
  if (ctFolder) fs.rmSync(ctFolder, { recursive: true, force: true });
  if (!studio) return;
  await cliRun?.catch(() => undefined);
  const code = await studio.close();
  // Ctrl-C is how a user stops the server: it must exit cleanly.
  expect(code, studio.serve.output()).toBe(0);
});

afterEach(async ({ task }) => {
  if (task.result?.state === 'fail') {
    const shot = await studio.screenshot(`six-views-failed-${task.name.replace(/\W+/g, '-').slice(0, 40)}`).catch((e: Error) => e.message);
    console.error(`screenshot: ${shot}\nddcnn serve wrote:\n${studio.serve.output()}`);
  }
  expect(studio.watch.offHost, 'requests that left 127.0.0.1').toEqual([]);
  expect(studio.watch.errors, 'console errors and uncaught exceptions').toEqual([]);
});

describe('the six views in Chromium, web mode', () => {
  it('opens with the token, takes it out of the address, and shows the backend', async () => {
    const { page } = studio;
    await expect.poll(() => page.url()).toBe(`${studio.serve.origin}/`);
    await app.header.backendName.waitFor();
    expect(await app.header.backendName.textContent()).toMatch(/^(node-gpu|node|wasm|cpu)/);
  });

  it('Data: inspects a CT folder typed into the path field and browses a slice', async () => {
    const { data } = app;
    await app.nav.show('data');
    await data.path.check();
    // No native dialog in a browser: the client answers so itself, and the path is typed.
    await data.browseFolder.click();
    await expect.poll(() => data.browseFolder.count()).toBe(0);
    await expect.poll(() => data.root.textContent()).toMatch(/No file dialog in the browser/);

    await data.inspectPath(ctFolder);
    expect(await data.summary.getAttribute('data-total')).toBe('3');
    expect(await data.summary.getAttribute('data-dims')).toBe('3');
    expect(await data.summary.getAttribute('data-name')).toBe(path.basename(ctFolder));
    expect(await data.classRows.count()).toBe(2);
    expect(await data.classRow('abdomen').getAttribute('data-cases')).toBe('2');
    expect(await data.classRow('chest').getAttribute('data-cases')).toBe('1');
    expect(await data.caseList.getAttribute('data-count')).toBe('3');
    // No case shares a patient or a class sub-folder (the real series' PatientID and StudyInstanceUID are
    // blank, the NIfTI files lie in their class folder): three groups of one.
    expect(await studio.page.getByTestId('dataset-groups').getAttribute('data-count')).toBe('3');
    // Sizes W×H×D as the files have them; the spacing (mm) over the cases; Hounsfield units.
    expect(await data.caseButton('chest/series-1').textContent()).toContain('chest · 512×512×20');
    expect(await data.caseButton('abdomen/example_ct.nii.gz').textContent()).toContain('abdomen · 122×101×112');
    expect(await data.caseButton('abdomen/example_ct_sm.nii.gz').textContent()).toContain('abdomen · 122×101×30');
    expect((await data.spacing.textContent())?.trim()).toBe('0.977–3 × 0.977–3 × 2–3 mm');
    expect(await data.units.getAttribute('data-value')).toBe('HU');
    expect(await data.units.textContent()).toContain('Hounsfield units');
    expect(await data.shape.getAttribute('data-value')).toMatch(/^\d+x\d+x\d+$/);
    expect(await data.skippedCount.getAttribute('data-count')).toBe('1');
    expect(await data.skippedRows.count()).toBe(1);
    const skipped = (await data.skippedRows.first().textContent()) ?? '';
    expect(skipped).toContain('chest/notes.txt');
    expect(skipped).toMatch(/not an image file/);

    // The series in the slice viewer: 20 axial slices, the middle one first.
    await data.showCase('chest/series-1');
    expect(await data.viewer.getAttribute('data-count')).toBe('20');
    expect(await data.viewer.getAttribute('data-index')).toBe('10');
    await expect.poll(async () => isPainted(await canvasPixels(data.viewerCanvas))).toBe(true);
    const middle = await canvasPixels(data.viewerCanvas);
    expect(middle.width).toBe(480);

    await data.setSlice(5);
    expect(await data.viewerSliceNumber.textContent()).toBe('6 / 20');
    await expect.poll(async () => (await canvasPixels(data.viewerCanvas)).hash, { timeout: 20_000 }).not.toBe(middle.hash);
    expect(isPainted(await canvasPixels(data.viewerCanvas))).toBe(true);

    for (const [axis, count] of [['coronal', '512'], ['sagittal', '512'], ['axial', '20']] as const) {
      const before = (await canvasPixels(data.viewerCanvas)).hash;
      await data.setAxis(axis);
      expect(await data.viewer.getAttribute('data-count')).toBe(count);
      await expect.poll(async () => (await canvasPixels(data.viewerCanvas)).hash, { timeout: 20_000 }).not.toBe(before);
      const p = await canvasPixels(data.viewerCanvas);
      expect(isPainted(p), `${axis}: ${JSON.stringify(p)}`).toBe(true);
    }

    // Lung and bone windows: both a picture, and not the same picture.
    await data.setWindow('lung');
    await expect.poll(async () => isPainted(await canvasPixels(data.viewerCanvas))).toBe(true);
    const lung = await canvasPixels(data.viewerCanvas);
    await data.setWindow('bone');
    await expect.poll(async () => (await canvasPixels(data.viewerCanvas)).hash).not.toBe(lung.hash);
    const bone = await canvasPixels(data.viewerCanvas);
    expect(isPainted(bone)).toBe(true);
    expect(await data.viewerInfo.textContent()).toMatch(/HU/);
    await data.setWindow('lung');
    await studio.screenshot('1-data');

    // Training uses the built-in demo: tiny and fast.
    await data.chooseDemo();
    expect(await data.summary.getAttribute('data-dims')).toBe('3');
  });

  it('Decomposition: the subdomains and parameter counts are the engine’s, the grid is drawn', async () => {
    const { decomposition } = app;
    await app.nav.show('decomposition');
    expect(await decomposition.inputShape.getAttribute('data-value')).toBe('28x28x28');

    const expectPlan = async (grid: number[], overlap: number) => {
      await decomposition.set(grid, overlap);
      const engine = planModels({ family: 'vgg', spatialShape: [28, 28, 28], channels: 1, classes: 2, grid, overlap });
      const preview = await api<PlanView>('plan:preview', { shape: [28, 28, 28], channels: 1, classes: 2, grid, overlap, family: 'vgg' });
      const expected = {
        globalParams: engine.global.params,
        localParamsTotal: engine.locals.reduce((a, l) => a + l.params, 0),
        coarseParams: engine.coarse.params,
        subdomains: engine.subdomains.map((s, i) => ({ params: engine.locals[i].params, size: s.size.join('x') })),
      };
      expect(preview.globalParams).toBe(expected.globalParams);
      expect(preview.coarseParams).toBe(expected.coarseParams);
      expect(preview.subdomains.map((s) => ({ params: s.params, size: s.size.join('x') }))).toEqual(expected.subdomains);
      // The view asks again a moment after each change: the numbers shown settle on this grid's.
      await expect.poll(() => decomposition.shown(), { timeout: 10_000 }).toEqual(expected);
      expect(await decomposition.globalParams.textContent()).toContain(expected.globalParams.toLocaleString('en-US'));
      await expect.poll(() => decomposition.canvas.getAttribute('data-painted')).toBe('true');
      await expect.poll(async () => isPainted(await canvasPixels(decomposition.canvas))).toBe(true);
      return expected;
    };

    const eight = await expectPlan([2, 2, 2], 2);
    expect(eight.subdomains).toHaveLength(8);
    expect(await decomposition.zRanges.count()).toBe(2);
    // The grid over the demo's slice with the most foreground (its case is read in a job process: a few seconds).
    await studio.page.locator('[data-testid="sample-slice"]:not([data-index=""])').waitFor({ timeout: 60_000 });
    const grid8 = (await canvasPixels(decomposition.canvas)).hash;
    await studio.screenshot('2-decomposition');

    const four = await expectPlan(TRAIN_GRID, TRAIN_OVERLAP);
    expect(four.subdomains).toHaveLength(4);
    // By the width rule each local model has at most a quarter of the global model's parameters.
    for (const s of four.subdomains) expect(s.params).toBeLessThanOrEqual(four.globalParams / 4);
    expect(await decomposition.zRanges.count()).toBe(1);
    await expect.poll(async () => (await canvasPixels(decomposition.canvas)).hash).not.toBe(grid8);
  });

  it('Training: two epochs with the global baseline, every card from queued through running to done', async () => {
    const { training } = app;
    const cli = await cliRun;
    expect(cli.code, cli.stderr).toBe(0);
    cliRunId = (JSON.parse(cli.stdout) as { runId: string }).runId;

    await app.nav.show('training');
    await training.set({ family: 'vgg', epochs: 2, limit: 40, global: true });
    // One cancel button on the Training tab: the run's own.
    expect(await studio.page.getByTestId('train-cancel').count()).toBe(0);
    await training.recordCardStates();
    await training.start.click();

    await studio.page.locator('[data-testid="training-view"][data-status="running"]').waitFor({ timeout: 60_000 });
    runId = (await training.run.getAttribute('data-run-id')) ?? '';
    expect(runId).toMatch(/^\d{8}-\d{6}-/);
    await training.backendName.waitFor();
    expect(await training.backendName.textContent()).toMatch(/^(node-gpu|node|wasm|cpu)$/);
    expect(await training.backendDescription.textContent()).toMatch(/^backend: /);
    // While it trains: the whole run's progress bar with its ETA line, one per card, Start disabled and
    // only the run's own Cancel.
    expect(await training.runProgress.count()).toBe(1);
    expect(await training.runEta.textContent()).toMatch(/\d+%/);
    expect(await training.start.isDisabled()).toBe(true);
    expect(await training.cancel.isVisible()).toBe(true);
    expect(await studio.page.getByRole('button', { name: /cancel/i }).count()).toBe(1);
    const models = ['local-0', 'local-1', 'local-2', 'local-3', 'coarse', 'global'];
    expect(await training.cards.count()).toBe(models.length);
    for (const m of models) {
      expect(await training.modelProgress(m).count(), m).toBe(1);
      expect(await training.modelEta(m).count(), m).toBe(1);
    }

    // The run's status moves on only with its events, which only the WebSocket delivers.
    expect(await training.waitForStatus('completed', RUN_TIMEOUT_MS)).toBe(runId);
    const states = await training.recordedCardStates();
    expect(Object.keys(states).sort()).toEqual([...models].sort());
    const ORDER = ['queued', 'running', 'done'];
    for (const m of models) {
      const seen = states[m];
      // In order, never failed or restarted, ending done; a card shows running while its trainer runs.
      expect(seen.every((s) => ORDER.includes(s)), `${m}: ${seen}`).toBe(true);
      expect(seen.map((s) => ORDER.indexOf(s)), `${m}: ${seen}`).toEqual([...seen.map((s) => ORDER.indexOf(s))].sort());
      expect(seen.at(-1), m).toBe('done');
      expect(seen, m).toContain('running');
    }
    // The global model waits for the CNN-DNN: it was seen queued, then running, then done.
    expect(states.global).toEqual(ORDER);
    for (const m of models) {
      await expect.poll(() => training.chart(m).getAttribute('data-points'), { timeout: 10_000 }).toBe('2');
      expect(await training.modelEta(m).textContent()).toMatch(/^trained in/);
    }
    expect(await training.start.isDisabled()).toBe(false);
    expect(await training.cancel.count()).toBe(0);
    expect(readJson<{ status: string }>(path.join(runDir(runId), 'run.json')).status).toBe('completed');
    // connect-src 'self' lets the page open its own event socket (and, as the watch shows, nothing else).
    const eventsUrl = new RegExp(`^ws://127\\.0\\.0\\.1:${studio.serve.port}/api/events\\?token=[0-9a-f]{64}$`);
    expect(studio.watch.websockets.length).toBeGreaterThan(0);
    for (const url of studio.watch.websockets) expect(url).toMatch(eventsUrl);
    await studio.screenshot('3-training');
  }, RUN_TIMEOUT_MS + 90_000);

  it('Results: the numbers are eval.json’s and run.json’s, a confusion cell lists its cases', async () => {
    const { results } = app;
    expect(runId).not.toBe('');
    await expect.poll(() => app.nav.currentRun.getAttribute('data-run-id')).toBe(runId);
    await app.nav.show('results');
    await results.waitFor(runId);
    const ev = readJson<EvalView>(path.join(runDir(runId), 'eval.json'));
    const rec = readJson<{ timings: Record<string, number>; models: Record<string, { params: number }> }>(path.join(runDir(runId), 'run.json'));
    expect(ev.classes).toHaveLength(2);

    const keys = ['cnnDnn', 'global', 'average', 'vote', 'local-0', 'local-1', 'local-2', 'local-3'];
    expect(await results.rows.count()).toBe(keys.length);
    for (const key of keys) {
      const m = ev.models[key];
      const ci = ev.ci95![key];
      const pctRange = (r: [number, number]) => `${(r[0] * 100).toFixed(1)}–${(r[1] * 100).toFixed(1)}`;
      expect(await results.value(key, 'accuracy'), key).toBe(m.accuracy);
      expect(await results.cell(key, 'accuracy').textContent(), key).toBe(percent(m.accuracy, 2) + pctRange(ci.accuracy));
      expect(await results.interval(key, 'accuracy'), key).toEqual({ ci: ci.accuracy, text: pctRange(ci.accuracy) });
      expect(await results.value(key, 'balancedAccuracy'), key).toBe(m.balancedAccuracy);
      expect(await results.interval(key, 'balancedAccuracy'), key).toEqual({ ci: ci.balancedAccuracy, text: pctRange(ci.balancedAccuracy) });
      // Two classes: AUC, sensitivity and specificity too.
      expect(await results.value(key, 'auc'), key).toBe(m.auc);
      expect(await results.cell(key, 'auc').textContent(), key).toBe(m.auc!.toFixed(3) + `${ci.auc![0].toFixed(2)}–${ci.auc![1].toFixed(2)}`);
      expect(await results.value(key, 'sensitivity'), key).toBe(m.sensitivity);
      expect(await results.value(key, 'specificity'), key).toBe(m.specificity);
    }
    // The positive class is named where its metrics are: the demo's minority class.
    expect(await studio.page.getByTestId('results-sensitivity-header').textContent()).toBe('Sensitivity for hyperplasia');
    expect(await studio.page.getByTestId('roc-chart').getAttribute('data-models')).toBe('cnnDnn,global,average,vote');
    expect(await results.value('global', 'params')).toBe(rec.models.global.params);
    expect(await results.value('global', 'wall')).toBe(rec.timings.globalWall);
    expect(await results.value('cnnDnn', 'wall')).toBe(rec.timings.cnnDnnWall);

    const speedup = rec.timings.globalWall / rec.timings.cnnDnnWall;
    expect(await results.speedup.getAttribute('data-value')).not.toBeNull();
    expect(Number(await results.speedup.getAttribute('data-value'))).toBeCloseTo(speedup, 12);
    expect(await results.speedup.textContent()).toContain(`${speedup.toFixed(2)}×`);

    // The CNN-DNN's matrix, as eval.json counts it; a non-zero cell (a mistake, if there is one) lists
    // exactly the samples with that true label whose coarse probabilities' argmax is that class.
    expect(await results.confusion.getAttribute('data-model')).toBe('cnnDnn');
    const confusion = ev.models.cnnDnn.confusion;
    for (let t = 0; t < 2; t++) for (let p = 0; p < 2; p++) expect(await results.confusionCell(t, p).getAttribute('data-count')).toBe(String(confusion[t][p]));
    const cells = [
      [0, 1],
      [1, 0],
      [0, 0],
      [1, 1],
    ].filter(([t, p]) => confusion[t][p] > 0);
    const [t, p] = cells[0];
    await results.confusionCell(t, p).click();
    const expected = ev.samples.filter((s) => s.label === t && argmax(s.cnnDnn) === p).map((s) => s.index);
    expect(expected.length).toBeGreaterThan(0);
    await expect.poll(() => results.caseList.getAttribute('data-count')).toBe(String(expected.length));
    expect(await results.listedCases()).toEqual(expected);

    // The map: one cell per local model, coloured by its test accuracy, with the legend.
    expect(await results.mapCells.count()).toBe(4);
    for (let i = 0; i < 4; i++) {
      const cell = studio.page.getByTestId(`map-subdomain-${i}`);
      expect(Number(await cell.getAttribute('data-accuracy'))).toBe(ev.models[`local-${i}`].accuracy);
      expect(await cell.locator('rect').getAttribute('fill')).toMatch(/^rgb\(/);
    }
    expect(await results.legend.isVisible()).toBe(true);
    expect(await results.legend.locator('g[data-value]').count()).toBeGreaterThanOrEqual(2);
    await studio.screenshot('4-results');

    openedCase = expected[0];
    await results.caseButton(openedCase).click();
    await studio.page.locator('[data-testid="view-panel"][data-view="inspect"]').waitFor();
  });

  it('Inspect: the confidence map and the decisions of the case, and a new input into the run', async () => {
    const { inspect } = app;
    expect(openedCase).toBeGreaterThanOrEqual(0);
    await inspect.waitForCase(`test:${openedCase}`);
    expect(await inspect.caseIndex.inputValue()).toBe(String(openedCase));
    const ev = readJson<EvalView>(path.join(runDir(runId), 'eval.json'));
    const rec = readJson<{ models: Record<string, { role: string }> }>(path.join(runDir(runId), 'run.json'));
    const sample = ev.samples[openedCase];
    expect(sample.index).toBe(openedCase);

    expect(isPainted(await canvasPixels(inspect.map))).toBe(true);
    expect(await inspect.legend.isVisible()).toBe(true);
    // The true label and the coarse model's probabilities (CNN-DNN), to the precision shown.
    expect(await inspect.trueLabel.getAttribute('data-value')).toBe(String(sample.label));
    expect(await inspect.trueLabel.textContent()).toBe(ev.classes[sample.label]);
    const coarse = await inspect.bars('coarse-probs');
    expect(coarse.decision).toBe(argmax(sample.cnnDnn));
    expect(coarse.bars.map((b) => b.value)).toEqual(sample.cnnDnn);
    expect(coarse.bars.map((b) => b.text)).toEqual(sample.cnnDnn.map((v) => percent(v, 1)));
    expect((await inspect.bars('global-probs')).bars.map((b) => b.value)).toEqual(sample.global);
    expect(await inspect.decision('cnnDnn').getAttribute('data-correct')).toBe(String(argmax(sample.cnnDnn) === sample.label));

    // Class and opacity change the pixels.
    const pixels = async () => (await canvasPixels(inspect.map)).hash;
    await inspect.classSelect.selectOption('0');
    await expect.poll(() => inspect.map.getAttribute('data-class')).toBe('0');
    const class0 = await pixels();
    await inspect.classSelect.selectOption('1');
    await expect.poll(() => inspect.map.getAttribute('data-class')).toBe('1');
    const class1 = await pixels();
    expect(class1).not.toBe(class0);
    await inspect.opacity.fill('0.9');
    await expect.poll(() => inspect.map.getAttribute('data-opacity')).toBe('0.9');
    expect(await pixels()).not.toBe(class1);
    expect(isPainted(await canvasPixels(inspect.map))).toBe(true);

    // A subdomain's probability bars: pinned by a click, shown on hover (its box outlined on the map).
    const locals = Object.keys(rec.models).filter((m) => rec.models[m].role === 'local');
    const barsOf = (i: number) => sample.local[locals.indexOf(`local-${i}`)];
    await inspect.subdomain(2).click();
    expect(await inspect.subdomain(2).getAttribute('aria-pressed')).toBe('true');
    await inspect.subdomain(2).hover();
    await expect.poll(() => inspect.subdomainDetail.locator('h4').textContent()).toMatch(/^\s*Local 2/);
    expect((await inspect.bars(inspect.subdomainDetail)).bars.map((b) => b.value)).toEqual(barsOf(2));
    expect(Number(await inspect.subdomain(2).getAttribute('data-confidence'))).toBe(barsOf(2)[1]);
    const pinned = await pixels();
    await inspect.subdomain(1).hover();
    await expect.poll(() => inspect.subdomainDetail.locator('h4').textContent()).toMatch(/^\s*Local 1/);
    expect((await inspect.bars(inspect.subdomainDetail)).bars.map((b) => b.value)).toEqual(barsOf(1));
    expect(await pixels()).not.toBe(pinned);
    // Hovering the map itself shows the subdomain under the pointer.
    const box = (await inspect.map.boundingBox())!;
    await studio.page.mouse.move(box.x + box.width * 0.1, box.y + box.height * 0.1);
    await expect.poll(() => inspect.subdomainDetail.locator('h4').textContent()).toMatch(/^\s*Local \d/);
    await studio.page.mouse.move(0, 0);
    await expect.poll(() => inspect.subdomainDetail.locator('h4').textContent()).toMatch(/^\s*Local 2/);
    await studio.screenshot('5-inspect');

    // A new input into the finished run. No dialog in a browser: said at once, without the server.
    await inspect.scanBrowseFile.click();
    await expect.poll(() => inspect.error.textContent()).toMatch(/No file dialog here \(web mode\)/);
    // The run was trained on the demo (an npz): a NIfTI scan has no recipe to go through, and says so.
    await inspect.predict(path.join(ctFolder, 'abdomen', 'example_ct_sm.nii.gz'));
    await expect.poll(() => inspect.error.textContent(), { timeout: 60_000 }).toMatch(/was trained on .*adrenalmnist3d\.npz, not on imported scans, so it has no recipe/);
    // The demo's own .npz is a data set input the run takes (its first test volume).
    await inspect.predict(DEMO_NPZ);
    await inspect.waitForCase('adrenalmnist3d.npz #0', 90_000);
    expect(await inspect.caseTitle.textContent()).toBe('Scan adrenalmnist3d.npz #0');
    expect(await inspect.error.count()).toBe(0);
    expect(isPainted(await canvasPixels(inspect.map))).toBe(true);
    const scanBars = await inspect.bars('coarse-probs');
    expect(scanBars.bars.reduce((a, b) => a + b.value, 0)).toBeCloseTo(1, 3);
    expect(await inspect.trueLabel.getAttribute('data-value')).toMatch(/^[01]$/);
  }, 150_000);

  it('Runs: both runs listed, opened, compared side by side, one deleted after the confirm step', async () => {
    const { runs } = app;
    expect(cliRunId).not.toBe('');
    await app.nav.show('runs');
    await expect.poll(() => runs.root.getAttribute('data-count')).toBe('2');
    const ev = readJson<EvalView>(path.join(runDir(runId), 'eval.json'));
    const cliEv = readJson<EvalView>(path.join(runDir(cliRunId), 'eval.json'));
    for (const [id, e] of [
      [runId, ev],
      [cliRunId, cliEv],
    ] as const) {
      expect(await runs.row(id).getAttribute('data-status')).toBe('completed');
      expect(await runs.status(id).textContent()).toMatch(/completed/i);
      expect(Number(await runs.accuracy(id).getAttribute('data-value'))).toBe(e.models.cnnDnn.accuracy);
      expect(await runs.accuracy(id).textContent()).toBe(percent(e.models.cnnDnn.accuracy));
    }

    // Open the CLI's run: its results (no global model, so no speed-up).
    await runs.open(cliRunId).click();
    await app.results.waitFor(cliRunId);
    expect(await app.results.rows.count()).toBe(5);
    expect(await app.results.speedup.getAttribute('data-value')).toBeNull();
    await app.nav.show('runs');

    await runs.compareBox(runId).check();
    await runs.compareBox(cliRunId).check();
    await runs.compareButton.click();
    await runs.compareTable.waitFor();
    expect(await runs.compareTable.getAttribute('data-run-a')).toBe(runId);
    expect(await runs.compareTable.getAttribute('data-run-b')).toBe(cliRunId);
    const cells = async (key: string) => (await runs.compareRow(key).locator('td').allTextContents()).map((s) => s.trim());
    expect(await cells('grid')).toEqual(['2×2×1', '2×1×1']);
    expect(await cells('global')).toEqual(['yes', 'no']);
    expect(await cells('limit')).toEqual(['40', '8']);
    expect(await cells('epochs')).toEqual(['2', '1']);
    expect(await cells('acc.cnnDnn')).toEqual([percent(ev.models.cnnDnn.accuracy, 2), percent(cliEv.models.cnnDnn.accuracy, 2)]);
    await studio.screenshot('6-runs');

    // Delete: "Keep" keeps it, "Delete for good" removes it from the list and from disk.
    await runs.delete(cliRunId).click();
    await runs.deleteKeep(cliRunId).click();
    expect(await runs.row(cliRunId).count()).toBe(1);
    await runs.delete(cliRunId).click();
    await runs.deleteConfirm(cliRunId).click();
    await expect.poll(() => runs.row(cliRunId).count()).toBe(0);
    expect(await runs.root.getAttribute('data-count')).toBe('1');
    expect(await runs.compare.count()).toBe(0);
    expect(fs.existsSync(runDir(cliRunId))).toBe(false);
    expect(fs.existsSync(runDir(runId))).toBe(true);
    const listed = json(await request(`${studio.serve.origin}/api/runs`, { headers: { Authorization: `Bearer ${studio.serve.token}` } }));
    expect(listed).toMatchObject({ ok: true, value: [{ id: runId, status: 'completed', active: false, grid: TRAIN_GRID, overlap: TRAIN_OVERLAP, family: 'vgg' }] });
    expect((listed as { value: unknown[] }).value).toHaveLength(1);
  });

  it('reloads without the token in the address (session storage and the page cookie)', async () => {
    const { page } = studio;
    await page.reload();
    expect(page.url()).toBe(`${studio.serve.origin}/`);
    await app.header.backendName.waitFor();
    await app.nav.show('runs');
    await expect.poll(() => app.runs.row(runId).getAttribute('data-status')).toBe('completed');
  });

  it('refuses the page at its bare address in a fresh browser context', async () => {
    const context = await studio.browser.newContext();
    try {
      const res = await (await context.newPage()).goto(`${studio.serve.origin}/`);
      expect(res?.status()).toBe(401);
    } finally {
      await context.close();
    }
  });
});
