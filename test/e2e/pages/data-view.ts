// Page object of the Data view (src-renderer/components/data/DataView.svelte; test ids listed there):
// the source, its inspection and the summary of what it holds.
import type { Locator, Page } from 'playwright-core';

export class DataViewPage {
  readonly root: Locator;
  readonly demo: Locator;
  readonly mnist: Locator;
  readonly path: Locator;
  readonly pathInput: Locator;
  readonly inspect: Locator;
  readonly error: Locator;
  /** data-name, data-dims, data-total of the inspected data set. */
  readonly summary: Locator;

  constructor(private readonly page: Page) {
    this.root = page.getByTestId('data-view');
    this.demo = page.getByTestId('source-demo');
    this.mnist = page.getByTestId('source-mnist');
    this.path = page.getByTestId('source-path');
    this.pathInput = page.getByTestId('path-input');
    this.inspect = page.getByTestId('inspect-button');
    this.error = page.getByTestId('data-error');
    this.summary = page.getByTestId('dataset-summary');
  }

  /** Chooses the built-in demo (the view inspects the built-in sets by itself) and waits for its summary. */
  async chooseDemo(timeout = 60_000): Promise<void> {
    await this.demo.check();
    await this.page.locator('[data-testid="data-view"][data-state="ready"][data-source="demo"]').waitFor({ timeout });
  }
}
