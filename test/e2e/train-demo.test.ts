// The app in Debian's Chromium against `ddcnn serve` (web mode), with the real engine: open the printed
// address, see the backend, inspect the built-in demo, set the smallest decomposition (2x1x1, no overlap),
// train one epoch on 40 training volumes without the global model, follow the run to completion (its
// events come only over the WebSocket), find it completed in the Runs view, reload. Throughout, the page
// must not reach beyond 127.0.0.1 nor log a console error (CSP violations are console errors).
// Screenshots: test-artifacts/e2e/train-demo-*.png.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { json, request } from '../helpers/http';
import { openStudio, type Studio } from './harness/studio';
import { StudioPage } from './pages/studio-page';

/** Training on two shared cores (other test files train at the same time under `npm test`). */
const RUN_TIMEOUT_MS = 150_000;

let studio: Studio;
let app: StudioPage;
let runId = '';

beforeAll(async () => {
  studio = await openStudio();
  app = new StudioPage(studio.page);
}, 180_000);

afterAll(async () => {
  if (!studio) return;
  const code = await studio.close();
  // Ctrl-C is how a user stops the server: it must exit cleanly.
  expect(code, studio.serve.output()).toBe(0);
});

afterEach(async ({ task }) => {
  if (task.result?.state === 'fail') {
    const shot = await studio.screenshot(`train-demo-failed-${task.name.replace(/\W+/g, '-').slice(0, 40)}`).catch((e: Error) => e.message);
    console.error(`screenshot: ${shot}\nddcnn serve wrote:\n${studio.serve.output()}`);
  }
  expect(studio.watch.offHost, 'requests that left 127.0.0.1').toEqual([]);
  expect(studio.watch.errors, 'console errors and uncaught exceptions').toEqual([]);
});

describe('web mode in Chromium', () => {
  it('opens with the token, takes it out of the address, and shows the backend', async () => {
    const { page } = studio;
    await expect.poll(() => page.url()).toBe(`${studio.serve.origin}/`);
    await app.header.backendName.waitFor();
    expect(await app.header.backendName.textContent()).toMatch(/^(node-gpu|node|wasm|cpu)/);
    await studio.screenshot('train-demo-start');
  });

  it('trains a tiny demo run to completion, following its events over the WebSocket', async () => {
    await app.nav.show('data');
    await app.data.chooseDemo();
    await app.nav.show('decomposition');
    await app.decomposition.set([2, 1, 1], 0);
    await app.nav.show('training');
    await app.training.set({ family: 'vgg', epochs: 1, limit: 40, global: false });
    await app.training.start.click();

    // The run's status moves on only with its events, which only the WebSocket delivers.
    runId = await app.training.waitForStatus('completed', RUN_TIMEOUT_MS);
    expect(runId).toMatch(/^\d{8}-\d{6}-/);
    expect(await app.training.cards.count()).toBe(3);
    for (const model of ['local-0', 'local-1', 'coarse']) {
      await expect.poll(() => app.training.card(model).getAttribute('data-state'), { timeout: 10_000 }).toBe('done');
    }
    // connect-src 'self' lets the page open its own event socket (and, as the watch shows, nothing else).
    const eventsUrl = new RegExp(`^ws://127\\.0\\.0\\.1:${studio.serve.port}/api/events\\?token=[0-9a-f]{64}$`);
    expect(studio.watch.websockets.length).toBeGreaterThan(0);
    for (const url of studio.watch.websockets) expect(url).toMatch(eventsUrl);
    await studio.screenshot('train-demo-completed');
  }, RUN_TIMEOUT_MS + 60_000);

  it('lists the run as completed, as the server does', async () => {
    expect(runId).not.toBe('');
    await app.nav.show('runs');
    await expect.poll(() => app.runs.row(runId).getAttribute('data-status'), { timeout: 10_000 }).toBe('completed');
    expect(await app.runs.rows.count()).toBe(1);
    expect(Number(await app.runs.accuracy(runId).getAttribute('data-value'))).toBeGreaterThanOrEqual(0);
    expect(await app.runs.accuracy(runId).textContent()).toMatch(/\d+(\.\d+)?\s?%/);
    const listed = json(await request(`${studio.serve.origin}/api/runs`, { headers: { Authorization: `Bearer ${studio.serve.token}` } }));
    expect(listed).toMatchObject({ ok: true, value: [{ id: runId, status: 'completed', active: false, grid: [2, 1, 1], overlap: 0, family: 'vgg' }] });
    await studio.screenshot('train-demo-runs');
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
