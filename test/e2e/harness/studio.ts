// One browser test's world: `ddcnn serve` on a temp workspace, Chromium, and a watched page opened at
// the printed address. A test file calls openStudio() in beforeAll and close() in afterAll, then drives
// the app through the page objects in test/e2e/pages. Screenshots go to test-artifacts/e2e/<name>.png.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { launchBrowser, watchedPage, type PageWatch } from './browser';
import { startServe, type ServeProcess } from './serve';

export const ARTIFACTS_DIR = path.resolve(import.meta.dirname, '../../../test-artifacts/e2e');

export interface Studio {
  serve: ServeProcess;
  browser: Browser;
  context: BrowserContext;
  page: Page;
  watch: PageWatch;
  /** Saves a full-page screenshot as test-artifacts/e2e/<name>.png and returns its path. */
  screenshot(name: string): Promise<string>;
  /** Stops the browser and the server (as Ctrl-C does), removes the workspace; returns the server's exit code. */
  close(): Promise<number | null>;
}

export async function openStudio(): Promise<Studio> {
  const workspace = fs.mkdtempSync(path.join(os.tmpdir(), 'ddcnn-e2e-'));
  let serve: ServeProcess | undefined;
  let browser: Browser | undefined;
  try {
    [serve, browser] = await Promise.all([startServe(workspace), launchBrowser()]);
    const { context, page, watch } = await watchedPage(browser, serve.origin);
    await page.goto(serve.url);
    const s = serve;
    const b = browser;
    return {
      serve: s,
      browser: b,
      context,
      page,
      watch,
      async screenshot(name) {
        fs.mkdirSync(ARTIFACTS_DIR, { recursive: true });
        const file = path.join(ARTIFACTS_DIR, `${name}.png`);
        await page.screenshot({ path: file, fullPage: true });
        return file;
      },
      async close() {
        await b.close();
        const code = await s.stop();
        fs.rmSync(workspace, { recursive: true, force: true });
        return code;
      },
    };
  } catch (e) {
    await browser?.close();
    await serve?.stop(1000);
    fs.rmSync(workspace, { recursive: true, force: true });
    throw e;
  }
}
