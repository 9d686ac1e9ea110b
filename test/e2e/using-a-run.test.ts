// What a first-time user sees, and using a trained run, in Debian's Chromium against `ddcnn serve` (web mode)
// with the real engine:
//   Header: which backend runs in plain words, the loaders' reasons behind a details toggle.
//   Data: the slice viewer of a real CT series: the mouse wheel moves through slices, a drag changes window and
//     level, zoom and pan, and the value under the cursor is the voxel's (checked against data:slice).
//   Decomposition: the demo opens on the slice with the most foreground (counted here from data:slice), a
//     picture rather than a black square, and its slider moves through the slices.
//   Results: "Validate on a cohort" on a run trained on LIDC nodule stacks of some patients, with a CSV of other
//     patients' stacks: the cohort's metrics beside the test split's, as the cohort's JSON has them; the Report
//     button writes report.html, whose first page is opened in Chromium.
// Screenshots: test-artifacts/e2e/{7-header-backend,8-slice-viewer,9-decomposition,10-results-cohort,11-report-first-page,
// 12-inspect-exported-model}.png. Inspect: a model exported with ddcnn export, loaded without its run folder.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { CohortView, DatasetView, SliceView } from '../../src-main/api/contract';
import { decodeWire } from '../../src-main/api/wire';
import { ddcnn } from '../helpers/cli';
import { request } from '../helpers/http';
import { removeTempDirs, tempDir } from '../helpers/import-fixtures';
import { lidcTrainAndCohort } from '../helpers/lidc-cohort';
import { canvasPixels, isPainted } from './harness/canvas';
import { ARTIFACTS_DIR, openStudio, type Studio } from './harness/studio';
import { StudioPage } from './pages/studio-page';

const SHARED_DATA = path.resolve(import.meta.dirname, '../../../shared/data');

let studio: Studio;
let app: StudioPage;
let ctFolder = '';
let cohortCsv = '';
let lidcCohort: { dir: string }[] = [];
let runId = '';

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

beforeAll(async () => {
  // Two classes of real CT: the 20-slice DICOM series and a NIfTI volume (copies).
  ctFolder = fs.mkdtempSync(path.join(os.tmpdir(), 'ddcnn-e2e-use-ct-'));
  fs.mkdirSync(path.join(ctFolder, 'chest', 'series-1'), { recursive: true });
  fs.mkdirSync(path.join(ctFolder, 'abdomen'));
  const series = path.join(SHARED_DATA, 'ct-dicom/totalsegmentator_example_ct_dicom_uncompressed');
  for (const f of fs.readdirSync(series)) fs.copyFileSync(path.join(series, f), path.join(ctFolder, 'chest', 'series-1', f));
  fs.copyFileSync(path.join(SHARED_DATA, 'ct-nifti/totalsegmentator/example_ct_sm.nii.gz'), path.join(ctFolder, 'abdomen', 'example_ct_sm.nii.gz'));
  const lidc = lidcTrainAndCohort(tempDir(), 40, 12);
  cohortCsv = lidc.cohortCsv;
  lidcCohort = lidc.cohort;
  studio = await openStudio();
  app = new StudioPage(studio.page);
  const r = await ddcnn(['train', '--data', lidc.trainCsv, '--shape', '4x16x16', '--window', '0,255', '--decomposition', '2x2x1', '--overlap', '1', '--width', '4', '--epochs', '2', '--workers', '2', '--workspace', studio.serve.workspace, '--json']);
  expect(r.code, r.stderr).toBe(0);
  runId = JSON.parse(r.stdout).runId;
}, 300_000);

afterAll(async () => {
  if (ctFolder) fs.rmSync(ctFolder, { recursive: true, force: true });
  removeTempDirs();
  if (!studio) return;
  const code = await studio.close();
  expect(code, studio.serve.output()).toBe(0);
});

afterEach(async ({ task }) => {
  if (task.result?.state === 'fail') {
    const shot = await studio.screenshot(`using-a-run-failed-${task.name.replace(/\W+/g, '-').slice(0, 40)}`).catch((e: Error) => e.message);
    console.error(`screenshot: ${shot}\nddcnn serve wrote:\n${studio.serve.output()}`);
  }
  expect(studio.watch.offHost, 'requests that left 127.0.0.1').toEqual([]);
  expect(studio.watch.errors, 'console errors and uncaught exceptions').toEqual([]);
});

describe('a first-time user, and using a trained run, in Chromium', () => {
  it('Header: says in plain words which backend runs; the reasons for skipping the better ones are behind a details toggle', async () => {
    const { page } = studio;
    const headline = page.getByTestId('backend-headline');
    await headline.waitFor();
    const backend = await api<{ name: string; skipped: { backend: string; reason: string }[] }>('backend:info');
    expect(await headline.textContent()).toMatch(/^Training runs on the (CPU|GPU|NVIDIA GPU)/);
    // The raw loader messages are not on the bar itself, only in the toggle.
    const bar = (await page.locator('header .backend').innerText()).split('\n')[0];
    expect(bar).not.toMatch(/Cannot find package/);
    if (backend.skipped.length > 0) {
      const reasons = page.getByTestId('backend-reason');
      expect(await reasons.first().isVisible()).toBe(false);
      await page.getByTestId('backend-details').locator('summary').click();
      expect(await reasons.count()).toBe(backend.skipped.length);
      expect(await reasons.first().isVisible()).toBe(true);
      expect(await reasons.first().textContent()).toContain(backend.skipped[0].reason);
    }
    await studio.screenshot('7-header-backend');
    if (backend.skipped.length > 0) await page.getByTestId('backend-details').locator('summary').click();
  });

  it('Data: the slice viewer scrolls slices with the wheel, changes window/level by dragging, zooms and pans, and shows the voxel under the cursor', async () => {
    const { data } = app;
    const { page } = studio;
    await app.nav.show('data');
    await data.inspectPath(ctFolder);
    await data.showCase('chest/series-1');
    expect(await data.viewer.getAttribute('data-index')).toBe('10');
    const box = (await data.viewerCanvas.boundingBox())!;
    const cx = box.x + box.width / 2;
    const cy = box.y + box.height / 2;

    // Wheel: one slice per turn, down is next.
    await page.mouse.move(cx, cy);
    await page.mouse.wheel(0, 100);
    await expect.poll(() => data.viewer.getAttribute('data-index')).toBe('11');
    await page.mouse.wheel(0, -100);
    await page.mouse.wheel(0, -100);
    await expect.poll(() => data.viewer.getAttribute('data-index')).toBe('9');
    expect(await data.viewerSliceNumber.textContent()).toBe('10 / 20');

    // The value under the cursor is the voxel's, read here from data:slice at the pixel under the canvas centre.
    await page.mouse.move(cx + 1, cy + 1);
    await page.mouse.move(cx, cy);
    const voxel = page.getByTestId('viewer-voxel');
    const slice = await api<SliceView>('data:slice', { source: ctFolder, caseId: 'chest/series-1', axis: 'axial', index: 9 });
    const valueAt = async () => slice.values[Number(await voxel.getAttribute('data-y')) * slice.width + Number(await voxel.getAttribute('data-x'))];
    // The readout follows the slice shown, once slice 9 has arrived.
    await expect.poll(async () => Number(await voxel.getAttribute('data-value')) === (await valueAt())).toBe(true);
    const canvasW = await data.viewerCanvas.evaluate((c) => (c as unknown as { width: number }).width);
    const canvasH = await data.viewerCanvas.evaluate((c) => (c as unknown as { height: number }).height);
    const x = Number(await voxel.getAttribute('data-x'));
    const y = Number(await voxel.getAttribute('data-y'));
    expect(Math.abs(x - Math.floor(((canvasW / 2) / canvasW) * slice.width))).toBeLessThanOrEqual(1);
    expect(Math.abs(y - Math.floor(((canvasH / 2) / canvasH) * slice.height))).toBeLessThanOrEqual(1);
    expect(Number(await voxel.getAttribute('data-value'))).toBe(slice.values[y * slice.width + x]);
    expect(await studio.page.getByTestId('viewer-canvas').getAttribute('aria-label')).toContain('slice 10 of 20');
    expect(await voxel.textContent()).toMatch(/HU/);

    // Drag right and down: a wider window and a higher level (the custom fields show them).
    await data.setWindow('lung');
    const before = (await canvasPixels(data.viewerCanvas)).hash;
    await page.mouse.move(cx, cy);
    await page.mouse.down();
    await page.mouse.move(cx + 60, cy + 40, { steps: 4 });
    await page.mouse.up();
    await page.locator('[data-testid="viewer-window-custom"][aria-pressed="true"]').waitFor();
    expect(Number(await page.getByTestId('viewer-window-width').inputValue())).toBeGreaterThan(1500);
    expect(Number(await page.getByTestId('viewer-window-level').inputValue())).toBeGreaterThan(-600);
    await expect.poll(async () => (await canvasPixels(data.viewerCanvas)).hash).not.toBe(before);

    // Zoom in with the button, pan with a right drag, reset.
    const unzoomed = (await canvasPixels(data.viewerCanvas)).hash;
    await page.getByTestId('viewer-zoom-in').click();
    expect(await data.viewer.getAttribute('data-zoom')).toBe('1.5');
    await expect.poll(async () => (await canvasPixels(data.viewerCanvas)).hash).not.toBe(unzoomed);
    const zoomed = (await canvasPixels(data.viewerCanvas)).hash;
    await page.mouse.move(cx, cy);
    await page.mouse.down({ button: 'right' });
    await page.mouse.move(cx + 50, cy, { steps: 3 });
    await page.mouse.up({ button: 'right' });
    await expect.poll(async () => (await canvasPixels(data.viewerCanvas)).hash).not.toBe(zoomed);
    await page.mouse.move(cx, cy);
    await studio.screenshot('8-slice-viewer');
    await page.getByTestId('viewer-reset').click();
    expect(await data.viewer.getAttribute('data-zoom')).toBe('1');
  });

  it('Decomposition: the demo is shown on the slice with the most foreground, a picture with content, and its slider moves through the slices', async () => {
    await app.nav.show('data');
    await app.data.chooseDemo();
    await app.nav.show('decomposition');
    const demo = await api<DatasetView>('data:inspect', { source: 'demo' });
    const first = demo.cases[0];
    // Foreground per slice counted here, from every axial slice as data:slice gives it.
    const depth = first.size[2];
    const counts: number[] = [];
    for (let z = 0; z < depth; z++) {
      const s = await api<SliceView>('data:slice', { source: 'demo', caseId: first.id, axis: 'axial', index: z });
      const cut = s.range[0] + 0.1 * (s.range[1] - s.range[0]);
      counts.push(s.values.filter((v, i) => i % s.channels === 0 && v > cut).length);
    }
    const best = counts.indexOf(Math.max(...counts));
    const sample = studio.page.getByTestId('sample-slice');
    await expect.poll(() => sample.getAttribute('data-index'), { timeout: 30_000 }).toBe(String(best));
    const canvas = app.decomposition.canvas;
    await expect.poll(async () => isPainted(await canvasPixels(canvas))).toBe(true);
    expect(counts[Math.floor(depth / 2)]).toBeLessThanOrEqual(counts[best]);
    expect(await studio.page.getByTestId('sample-slice-number').textContent()).toBe(`${best + 1} / ${depth}`);
    await studio.screenshot('9-decomposition');
    const shown = (await canvasPixels(canvas)).hash;
    await studio.page.getByTestId('sample-slider').fill(String(best === 0 ? 1 : 0));
    await expect.poll(() => sample.getAttribute('data-index')).toBe(String(best === 0 ? 1 : 0));
    await expect.poll(async () => (await canvasPixels(canvas)).hash).not.toBe(shown);
  });

  it('Results: validates the LIDC run on a cohort of other patients, shows its metrics beside the test split\'s, and writes the run report', async () => {
    const { page } = studio;
    await app.nav.show('runs');
    await app.runs.refresh.click();
    await app.runs.open(runId).click();
    await app.results.waitFor(runId);
    const panel = page.getByTestId('cohort-panel');
    await page.getByTestId('cohort-path').fill(cohortCsv);
    await page.getByTestId('cohort-validate').click();
    await page.locator('[data-testid="cohort-panel"][data-state="ready"]').waitFor({ timeout: 120_000 });
    const runDir = path.join(studio.serve.workspace, 'runs', runId);
    const cohorts = await api<CohortView[]>('runs:cohorts', { id: runId });
    expect(cohorts).toHaveLength(1);
    const onDisk = JSON.parse(fs.readFileSync(path.join(runDir, 'cohorts', path.basename(cohorts[0].csv, '.csv') + '.json'), 'utf8')) as CohortView;
    expect(onDisk.nCases).toBe(24);
    const ev = JSON.parse(fs.readFileSync(path.join(runDir, 'eval.json'), 'utf8'));
    for (const key of ['cnnDnn', 'global', 'average', 'vote', 'local-0']) {
      const row = page.getByTestId(`cohort-row-${key}`);
      expect(Number(await row.locator('[data-col="accuracy"]').getAttribute('data-value'))).toBe(onDisk.metrics!.models[key].accuracy);
      expect(Number(await row.locator('[data-col="auc"]').getAttribute('data-value'))).toBe(onDisk.metrics!.models[key].auc);
      expect(Number(await row.locator('[data-col="testAccuracy"]').getAttribute('data-value'))).toBe(ev.models[key].accuracy);
    }
    expect(await page.getByTestId('cohort-summary').textContent()).toContain('benigno 12, maligno 12');
    expect(fs.existsSync(onDisk.csv)).toBe(true);
    await panel.scrollIntoViewIfNeeded();
    await studio.screenshot('10-results-cohort');

    await page.getByTestId('report-make').click();
    const file = (await page.getByTestId('report-file').textContent())!;
    expect(file).toBe(path.join(runDir, 'report.html'));
    const html = fs.readFileSync(file, 'utf8');
    expect(html).toContain('External validation');
    expect(html).toContain(`${(onDisk.metrics!.models.cnnDnn.accuracy * 100).toFixed(2)}%`);
    // The report in a page of its own (not the app's watched one: it is a file), first page as a screenshot.
    const reportPage = await studio.browser.newPage({ viewport: { width: 1100, height: 1400 } });
    try {
      const requests: string[] = [];
      reportPage.on('request', (q) => requests.push(q.url()));
      await reportPage.goto(`file://${file}`);
      expect(requests.filter((u) => !u.startsWith('data:') && u !== `file://${file}`)).toEqual([]);
      fs.mkdirSync(ARTIFACTS_DIR, { recursive: true });
      await reportPage.screenshot({ path: path.join(ARTIFACTS_DIR, '11-report-first-page.png') });
    } finally {
      await reportPage.close();
    }
  });

  it('Inspect: loads a model exported with ddcnn export (no run folder) and shows its decisions on a scan, those the CLI gives', async () => {
    const { page } = studio;
    const runDir = path.join(studio.serve.workspace, 'runs', runId);
    const model = path.join(tempDir(), 'model');
    const e = await ddcnn(['export', runDir, '--out', model]);
    expect(e.code, e.stderr).toBe(0);
    const scan = path.join(path.dirname(cohortCsv), lidcCohort[0].dir);
    const cli = await ddcnn(['predict', '--model', model, scan, '--json']);
    expect(cli.code, cli.stderr).toBe(0);
    const expected = JSON.parse(cli.stdout) as { cnnDnn: { probs: number[] }; subdomains: unknown[] };
    await app.nav.show('inspect');
    await page.getByTestId('model-folder').fill(model);
    await page.getByTestId('model-scan-path').fill(scan);
    await page.getByTestId('model-predict').click();
    await expect.poll(() => page.getByTestId('case-title').textContent(), { timeout: 60_000 }).toContain('Scan');
    const bars = page.getByTestId('coarse-probs').locator('li');
    expect(await bars.count()).toBe(2);
    for (let c = 0; c < 2; c++) expect(Number(await bars.nth(c).getAttribute('data-value'))).toBe(expected.cnnDnn.probs[c]);
    expect(await page.locator('[data-testid^="subdomain-"][data-confidence]').count()).toBe(expected.subdomains.length);
    await studio.screenshot('12-inspect-exported-model');
  });
});
