// The run report (ddcnn report): self-contained (no script, nothing fetched), its numbers those of eval.json
// and the run's cache, printed to PDF by Chromium, and without any patient identifier: the run is trained on
// real CT slices whose PatientName, PatientID and AccessionNumber are planted strings (as the import's privacy
// test does), validated on a cohort of them, and neither the report nor the cohort's files hold those strings.
import fs from 'node:fs';
import path from 'node:path';
import { chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readCacheManifest } from '../../src-main/data/cache';
import { predictCohort } from '../../src-main/runs/cohort';
import { createRun } from '../../src-main/runs/create-run';
import { executeRun } from '../../src-main/runs/execute-run';
import { forkLauncher } from '../../src-main/runs/launcher';
import { runLayout } from '../../src-main/runs/layout';
import { runReportHtml } from '../../src-main/runs/report';
import { readRunRecord } from '../../src-main/runs/run-record';
import { readEval } from '../../src-main/runs/summary';
import { CHROMIUM_PATH } from '../e2e/harness/browser';
import { ddcnn } from '../helpers/cli';
import { filesBelow, removeTempDirs, tempDir } from '../helpers/import-fixtures';
import { expectNoSecretIn, plantedTagSource } from '../helpers/planted-tags';

afterAll(removeTempDirs);

const ARTIFACTS = path.resolve(import.meta.dirname, '../../test-artifacts/report');

let src: string;
let runDir: string;

beforeAll(async () => {
  src = plantedTagSource(path.join(tempDir(), 'planted'));
  const ws = tempDir();
  runDir = await createRun(ws, { data: src, grid: [2, 1, 1], overlap: 0, family: 'vgg', width: 4, epochs: 2, batch: 4, learningRate: 1e-3, seed: 3, global: true, shape: [4, 16, 16], window: [-1000, 400] });
  const rec = await executeRun(runDir, { launcher: forkLauncher, workers: 2 }).done;
  expect(rec.status, rec.error).toBe('completed');
  // Validated on the planted scans themselves: the cohort's CSV and JSON name cases, so they are checked too.
  await predictCohort(runDir, src, { workers: 2 });
}, 240_000);

describe('ddcnn report', () => {
  it('writes one self-contained HTML file (no script, every image inlined) whose metrics and split counts are those of eval.json and the run cache', async () => {
    const out = path.join(tempDir(), 'r.html');
    const r = await ddcnn(['report', runDir, '--out', out]);
    expect(r.code, r.stderr).toBe(0);
    const html = fs.readFileSync(out, 'utf8');
    expect(html).not.toMatch(/<script/i);
    expect(html).not.toMatch(/(src|href)="(?!data:)/i);
    expect(html).toMatch(/<image href="data:image\/png;base64,/);
    const ev = readEval(runDir);
    const rec = readRunRecord(runDir);
    for (const key of ['cnnDnn', 'global', 'average', 'vote', 'local-0', 'local-1']) expect(html).toContain(`${(ev.models[key].accuracy * 100).toFixed(2)}%`);
    // Split counts per class, counted here from the run's cache manifest.
    const cache = readCacheManifest(runLayout(runDir).cache);
    for (const split of ['train', 'val', 'test'] as const) {
      const labels = cache.splits[split].labels;
      const cells = [labels.length, ...rec.dataset.classes.map((_, c) => labels.filter((y) => y === c).length)].map((n) => `<td>${n}</td>`).join('');
      expect(html).toContain(`<th>${split === 'val' ? 'validation' : split}</th>${cells}`);
    }
    for (const part of ['Confusion matrices', 'ROC curves', 'Training loss per epoch', 'Speed-up', 'Backend and versions', 'External validation', 'Citation']) expect(html).toContain(part);
  });

  it('holds no patient identifier, nor do the cohort\'s CSV and JSON', () => {
    const html = runReportHtml(runDir, readRunRecord(runDir));
    expectNoSecretIn('the report', html);
    const cohortFiles = filesBelow(path.join(runDir, 'cohorts'));
    expect(cohortFiles.some((f) => f.endsWith('.csv'))).toBe(true);
    for (const f of cohortFiles) expectNoSecretIn(f, fs.readFileSync(f, 'latin1'));
  });

  it.runIf(fs.existsSync(CHROMIUM_PATH))('opens in Chromium with no request beyond the file, and prints to a PDF', async () => {
    const out = path.join(tempDir(), 'report.html');
    const r = await ddcnn(['report', runDir, '--out', out, '--pdf']);
    expect(r.code, r.stderr).toBe(0);
    const pdf = fs.readFileSync(out.replace(/\.html$/, '.pdf'));
    expect(pdf.subarray(0, 5).toString('latin1')).toBe('%PDF-');
    expect(pdf.length).toBeGreaterThan(20_000);
    const browser = await chromium.launch({ executablePath: CHROMIUM_PATH, args: ['--headless', '--no-sandbox'] });
    try {
      const page = await browser.newPage({ viewport: { width: 1100, height: 1400 } });
      const requests: string[] = [];
      page.on('request', (q) => requests.push(q.url()));
      await page.goto(`file://${out}`);
      expect(requests.filter((u) => !u.startsWith('data:') && u !== `file://${out}`)).toEqual([]);
      expect(await page.locator('h1').textContent()).toContain('run report');
      fs.mkdirSync(ARTIFACTS, { recursive: true });
      await page.screenshot({ path: path.join(ARTIFACTS, 'planted-tags-report-first-page.png') });
    } finally {
      await browser.close();
    }
  });
});
