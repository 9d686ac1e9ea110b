// Page object of the Runs view (src-renderer/components/runs/RunsView.svelte; test ids listed there):
// every run of the workspace with its status and CNN-DNN accuracy.
import type { Locator, Page } from 'playwright-core';

export class RunsViewPage {
  /** data-count = runs listed. */
  readonly root: Locator;
  readonly refresh: Locator;
  readonly rows: Locator;

  constructor(private readonly page: Page) {
    this.root = page.getByTestId('runs-view');
    this.refresh = page.getByTestId('runs-refresh');
    this.rows = page.locator('[data-testid^="run-row-"]');
  }

  /** A run's row: data-status, data-active. */
  row(runId: string): Locator {
    return this.page.getByTestId(`run-row-${runId}`);
  }

  /** A run's CNN-DNN accuracy cell (data-value = the raw accuracy). */
  accuracy(runId: string): Locator {
    return this.page.getByTestId(`run-acc-${runId}`);
  }
}
