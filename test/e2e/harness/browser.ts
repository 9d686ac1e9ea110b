// Debian's Chromium, driven by playwright-core, for the browser tests: headless, no sandbox (CI runs as
// root), nothing that phones home. Every page is watched: a request to anywhere but the server under test
// is recorded and aborted, and console errors (CSP violations among them) and uncaught exceptions are
// recorded, so that each test can assert the page stayed on 127.0.0.1 and ran cleanly.
import fs from 'node:fs';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';

export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

const ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'];

export async function launchBrowser(): Promise<Browser> {
  if (!fs.existsSync(CHROMIUM_PATH)) {
    throw new Error(`no Chromium at ${CHROMIUM_PATH}: install it (apt-get install chromium, as .ci/run does) or set CHROMIUM_PATH`);
  }
  return chromium.launch({ executablePath: CHROMIUM_PATH, args: ARGS });
}

export interface PageWatch {
  /** URLs the page tried to reach outside the server (aborted). */
  offHost: string[];
  /** Console messages of level error, and uncaught exceptions. */
  errors: string[];
  /** WebSocket URLs the page opened. */
  websockets: string[];
}

/** Whether the page may load `url`: the server itself, or in-page data and blob URLs. */
function allowed(url: string, origin: string): boolean {
  const u = new URL(url);
  if (u.protocol === 'data:' || u.protocol === 'blob:') return true;
  const server = new URL(origin);
  return (u.protocol === 'http:' || u.protocol === 'ws:') && u.hostname === '127.0.0.1' && u.port === server.port;
}

/** A new browser context and page whose traffic and console are watched (see PageWatch). */
export async function watchedPage(browser: Browser, origin: string): Promise<{ context: BrowserContext; page: Page; watch: PageWatch }> {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, serviceWorkers: 'block' });
  const watch: PageWatch = { offHost: [], errors: [], websockets: [] };
  await context.route('**/*', (route) => {
    const url = route.request().url();
    if (allowed(url, origin)) return route.continue();
    watch.offHost.push(url);
    return route.abort('blockedbyclient');
  });
  const page = await context.newPage();
  page.on('request', (r) => {
    if (!allowed(r.url(), origin) && !watch.offHost.includes(r.url())) watch.offHost.push(r.url());
  });
  page.on('websocket', (ws) => {
    watch.websockets.push(ws.url());
    if (!allowed(ws.url(), origin)) watch.offHost.push(ws.url());
  });
  page.on('console', (m) => {
    if (m.type() === 'error') watch.errors.push(`console: ${m.text()}`);
  });
  page.on('pageerror', (e) => watch.errors.push(`uncaught: ${e.message}`));
  return { context, page, watch };
}
