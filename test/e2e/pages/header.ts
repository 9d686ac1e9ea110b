// Page object of the title bar (src-renderer/components/Header.svelte): the compute backend line.
import type { Locator, Page } from 'playwright-core';

export class HeaderBar {
  readonly root: Locator;
  /** The backend's name, e.g. "wasm" or "node-gpu (GPU)". */
  readonly backendName: Locator;
  readonly backendError: Locator;

  constructor(page: Page) {
    this.root = page.locator('header').filter({ has: page.getByRole('heading', { name: 'DD-CNN Studio' }) });
    this.backendName = this.root.locator('.backend .name');
    this.backendError = this.root.locator('.backend .error');
  }
}
