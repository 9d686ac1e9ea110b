// Page object of the Runs view (src-renderer/components/runs/RunsView.svelte and RunCompare.svelte; test
// ids listed there): every run of the workspace with its status and CNN-DNN accuracy; open, compare and
// delete (with its confirm step).
import type { Locator, Page } from 'playwright-core';

export class RunsViewPage {
  /** data-count = runs listed. */
  readonly root: Locator;
  readonly refresh: Locator;
  readonly rows: Locator;
  readonly actionError: Locator;
  readonly compareButton: Locator;
  /** The comparison (RunCompare.svelte); compareTable: data-run-a, data-run-b. */
  readonly compare: Locator;
  readonly compareTable: Locator;
  readonly compareRows: Locator;

  constructor(private readonly page: Page) {
    this.root = page.getByTestId('runs-view');
    this.refresh = page.getByTestId('runs-refresh');
    this.rows = page.locator('[data-testid^="run-row-"]');
    this.actionError = page.getByTestId('runs-action-error');
    this.compareButton = page.getByTestId('compare-button');
    this.compare = page.getByTestId('compare');
    this.compareTable = page.getByTestId('compare-table');
    this.compareRows = page.locator('[data-testid^="compare-row-"]');
  }

  /** A run's row: data-status, data-active. */
  row(runId: string): Locator {
    return this.page.getByTestId(`run-row-${runId}`);
  }

  /** A run's CNN-DNN accuracy cell (data-value = the raw accuracy). */
  accuracy(runId: string): Locator {
    return this.page.getByTestId(`run-acc-${runId}`);
  }

  status(runId: string): Locator {
    return this.page.getByTestId(`run-status-${runId}`);
  }

  open(runId: string): Locator {
    return this.page.getByTestId(`run-open-${runId}`);
  }

  compareBox(runId: string): Locator {
    return this.page.getByTestId(`run-compare-${runId}`);
  }

  /** A row of the comparison (key from lib/run-compare.ts; data-better = a|b). */
  compareRow(key: string): Locator {
    return this.page.getByTestId(`compare-row-${key}`);
  }

  /** "Delete", then the confirm step's "Delete for good" or "Keep". */
  delete(runId: string): Locator {
    return this.page.getByTestId(`run-delete-${runId}`);
  }

  deleteConfirm(runId: string): Locator {
    return this.page.getByTestId(`run-delete-confirm-${runId}`);
  }

  deleteKeep(runId: string): Locator {
    return this.page.getByTestId(`run-delete-keep-${runId}`);
  }
}
