// How long a first-time user waits, measured once by hand (it takes minutes, so it is not part of the
// test suite; the name does not end in .test.ts):
//
//   npx tsx test/e2e/first-run-timing.ts [--build]
//
// 1. (--build) The first `ddcnn serve` after a clone or an edit of the UI builds the web UI first: timed
//    here by building it into a temporary folder, exactly as the server does.
// 2. From spawning `ddcnn serve` (fresh workspace) to the page being ready in Chromium: the address
//    printed, the page loaded, the backend shown and the built-in demo inspected (the Data view's default).
// 3. From clicking "Start training" with every setting as the form shows it by default (the demo, 2x2x2
//    with overlap 2, VGG, its default epochs, batch and learning rate, all training cases, the global
//    baseline) to the run completed.
// Prints the numbers and writes them to test-artifacts/e2e/timing.json (with a screenshot of the finished
// run, timing-completed.png).
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import { launchBrowser, watchedPage } from './harness/browser';
import { startServe } from './harness/serve';
import { ARTIFACTS_DIR } from './harness/studio';
import { StudioPage } from './pages/studio-page';

const ROOT = path.resolve(import.meta.dirname, '../..');
const RUN_LIMIT_MS = 60 * 60_000;
const seconds = (ms: number) => Math.round(ms / 100) / 10;

/** Builds the web UI into a temporary folder as `ddcnn serve` does when out/renderer is stale; its seconds. */
async function timeBuild(): Promise<number> {
  const out = fs.mkdtempSync(path.join(os.tmpdir(), 'ddcnn-ui-build-'));
  const tsx = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;
  const t0 = performance.now();
  await new Promise<void>((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', tsx, path.join(ROOT, 'src-main/server/build-renderer-entry.ts'), out], { cwd: ROOT, stdio: 'inherit' });
    child.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`the UI build failed (exit code ${code})`))));
  });
  const s = seconds(performance.now() - t0);
  fs.rmSync(out, { recursive: true, force: true });
  return s;
}

async function main(): Promise<void> {
  const result: Record<string, unknown> = { machine: `${os.cpus().length} cores, ${os.cpus()[0]?.model ?? 'unknown CPU'}, ${Math.round(os.totalmem() / 2 ** 30)} GiB`, date: new Date().toISOString() };
  if (process.argv.includes('--build')) {
    result.uiBuildSeconds = await timeBuild();
    console.log(`first start after a clone or a UI edit: the web UI builds in ${result.uiBuildSeconds} s`);
  }

  // The user's browser is open already: Chromium starts before the clock does.
  const browser = await launchBrowser();
  const workspace = fs.mkdtempSync(path.join(os.tmpdir(), 'ddcnn-timing-'));
  const t0 = performance.now();
  const serve = await startServe(workspace);
  const tAddress = performance.now();
  try {
    const { page, watch } = await watchedPage(browser, serve.origin);
    const app = new StudioPage(page);
    await page.goto(serve.url);
    const tLoaded = performance.now();
    await app.header.backendName.waitFor({ timeout: 120_000 });
    await page.locator('[data-testid="data-view"][data-state="ready"][data-source="demo"]').waitFor({ timeout: 120_000 });
    const tReady = performance.now();
    result.serveToAddressSeconds = seconds(tAddress - t0);
    result.serveToPageLoadedSeconds = seconds(tLoaded - t0);
    result.serveToPageReadySeconds = seconds(tReady - t0);
    console.log(`ddcnn serve → address printed ${result.serveToAddressSeconds} s, page loaded ${result.serveToPageLoadedSeconds} s, ready (backend shown, demo inspected) ${result.serveToPageReadySeconds} s`);

    await app.nav.show('training');
    await app.training.start.waitFor();
    const form = {
      decomposition: (await page.getByTestId('train-decomposition').textContent())?.replace(/\s+/g, ' ').trim().replace(/^Decomposition:\s*/, '').replace(/\s*Change decomposition$/, ''),
      family: await page.getByTestId('train-family').inputValue(),
      epochs: Number(await page.getByTestId('train-epochs').inputValue()),
      batch: (await page.getByTestId('train-batch').inputValue()) || 'automatic',
      learningRate: (await page.getByTestId('train-lr').inputValue()) || 'automatic',
      trainingCases: (await page.getByTestId('train-limit').inputValue()) || 'all',
      global: await page.getByTestId('train-global').isChecked(),
    };
    result.defaultSettings = form;
    console.log(`default settings: ${JSON.stringify(form)}`);

    const tStart = performance.now();
    await app.training.start.click();
    const runId = await app.training.waitForStatus('completed', RUN_LIMIT_MS);
    const tDone = performance.now();
    result.runId = runId;
    result.startToCompletedSeconds = seconds(tDone - tStart);
    result.serveToCompletedSeconds = seconds(tDone - t0);
    result.backend = (await app.training.backendName.textContent())?.trim();
    const rec = JSON.parse(fs.readFileSync(path.join(workspace, 'runs', runId, 'run.json'), 'utf8')) as { timings: Record<string, number>; dataset: { nTrain: number; nTest: number } };
    const ev = JSON.parse(fs.readFileSync(path.join(workspace, 'runs', runId, 'eval.json'), 'utf8')) as { models: Record<string, { accuracy: number }> };
    result.runTimings = rec.timings;
    result.dataset = { nTrain: rec.dataset.nTrain, nTest: rec.dataset.nTest };
    result.accuracy = Object.fromEntries(['cnnDnn', 'global', 'average', 'vote'].filter((k) => ev.models[k]).map((k) => [k, ev.models[k].accuracy]));
    result.pageErrors = watch.errors;
    result.offHostRequests = watch.offHost;
    fs.mkdirSync(ARTIFACTS_DIR, { recursive: true });
    await page.screenshot({ path: path.join(ARTIFACTS_DIR, 'timing-completed.png'), fullPage: true });
    console.log(`Start → run completed ${result.startToCompletedSeconds} s (backend ${result.backend}); ddcnn serve → finished demo run ${result.serveToCompletedSeconds} s`);
  } finally {
    await browser.close();
    await serve.stop();
    fs.rmSync(workspace, { recursive: true, force: true });
  }
  fs.mkdirSync(ARTIFACTS_DIR, { recursive: true });
  const file = path.join(ARTIFACTS_DIR, 'timing.json');
  fs.writeFileSync(file, `${JSON.stringify(result, null, 2)}\n`);
  console.log(`wrote ${file}`);
}

await main();
