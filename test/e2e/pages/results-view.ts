// Page object of the Results view (src-renderer/components/results/ResultsView.svelte, ConfusionMatrix.svelte,
// DecompositionMap.svelte; test ids listed there): the table of models, the speed-up, the confusion
// matrices with their cases, and the decomposition map.
import type { Locator, Page } from 'playwright-core';

export type ResultColumn = 'accuracy' | 'balancedAccuracy' | 'auc' | 'sensitivity' | 'specificity' | 'bestEpoch' | 'train' | 'wall' | 'params';

export class ResultsViewPage {
  /** data-run-id, data-state = empty|loading|error|pending|ready. */
  readonly root: Locator;
  readonly error: Locator;
  readonly table: Locator;
  readonly rows: Locator;
  /** data-value = global wall / CNN-DNN wall. */
  readonly speedup: Locator;
  readonly speedupTrain: Locator;
  readonly confusionModel: Locator;
  /** data-model = the model whose matrix is shown. */
  readonly confusion: Locator;
  /** data-count = cases of the clicked cell. */
  readonly caseList: Locator;
  readonly caseButtons: Locator;
  /** The SVG map; data-layers. */
  readonly map: Locator;
  readonly mapCells: Locator;
  readonly legend: Locator;

  constructor(private readonly page: Page) {
    this.root = page.getByTestId('results-view');
    this.error = page.getByTestId('results-error');
    this.table = page.getByTestId('results-table');
    this.rows = page.locator('[data-testid^="results-row-"]');
    this.speedup = page.getByTestId('speedup');
    this.speedupTrain = page.getByTestId('speedup-train');
    this.confusionModel = page.getByTestId('confusion-model');
    this.confusion = page.getByTestId('confusion-matrix');
    this.caseList = page.getByTestId('case-list');
    this.caseButtons = page.locator('[data-testid="case-list"] [data-testid^="case-"]');
    this.map = page.getByTestId('decomposition-map');
    this.mapCells = page.locator('[data-testid^="map-subdomain-"]');
    this.legend = page.getByTestId('accuracy-legend');
  }

  /** Waits until the results of `runId` are shown. */
  async waitFor(runId: string, timeout = 30_000): Promise<void> {
    await this.page.locator(`[data-testid="results-view"][data-state="ready"][data-run-id="${runId}"]`).waitFor({ timeout });
  }

  /** A model's row: key = cnnDnn | global | average | vote | local-<i>. */
  row(key: string): Locator {
    return this.page.getByTestId(`results-row-${key}`);
  }

  /** A cell of a model's row (data-value = the raw number, its text as shown). */
  cell(key: string, col: ResultColumn): Locator {
    return this.row(key).locator(`[data-col="${col}"]`);
  }

  /** A cell's 95% interval as shown (data-ci = "low,high"), or null without one. */
  async interval(key: string, col: ResultColumn): Promise<{ ci: number[]; text: string } | null> {
    const span = this.cell(key, col).locator('.ci');
    if ((await span.count()) === 0) return null;
    return { ci: (await span.getAttribute('data-ci'))!.split(',').map(Number), text: (await span.textContent())! };
  }

  /** The raw number of a cell, undefined when it has none. */
  async value(key: string, col: ResultColumn): Promise<number | undefined> {
    const v = await this.cell(key, col).getAttribute('data-value');
    return v === null ? undefined : Number(v);
  }

  /** The button of confusion cell (true t, predicted p); data-count. */
  confusionCell(t: number, p: number): Locator {
    return this.page.getByTestId(`confusion-cell-${t}-${p}`);
  }

  /** The indices of the test cases listed for the clicked cell, in list order. */
  async listedCases(): Promise<number[]> {
    const ids = await this.caseButtons.evaluateAll((els) => els.map((e) => e.getAttribute('data-testid') ?? ''));
    return ids.map((id) => Number(id.slice('case-'.length)));
  }

  /** A test case's button in the cell's list (opens it in Inspect). */
  caseButton(index: number): Locator {
    return this.page.locator(`[data-testid="case-list"] [data-testid="case-${index}"]`);
  }
}
