// Page object of the Decomposition view (src-renderer/components/decomposition/DecompositionView.svelte;
// test ids listed there): the grid, the overlap and the plan drawn from them.
import type { Locator, Page } from 'playwright-core';

export interface ShownPlan {
  globalParams: number;
  localParamsTotal: number;
  coarseParams: number;
  /** One per subdomain, in index order: its parameter count and its size per axis joined by 'x'. */
  subdomains: { params: number; size: string }[];
}

export class DecompositionViewPage {
  readonly root: Locator;
  readonly overlap: Locator;
  readonly canvas: Locator;
  readonly error: Locator;
  /** data-value = the models' input shape (DxHxW or HxW). */
  readonly inputShape: Locator;
  readonly globalParams: Locator;
  readonly localParamsTotal: Locator;
  readonly coarseParams: Locator;
  readonly subdomainRows: Locator;
  readonly zRanges: Locator;

  constructor(private readonly page: Page) {
    this.root = page.getByTestId('decomposition-view');
    this.overlap = page.getByTestId('overlap-input');
    this.canvas = page.getByTestId('grid-canvas');
    this.error = page.getByTestId('plan-error');
    this.inputShape = page.getByTestId('plan-input-shape');
    this.globalParams = page.getByTestId('global-params');
    this.localParamsTotal = page.getByTestId('local-params-total');
    this.coarseParams = page.getByTestId('coarse-params');
    this.subdomainRows = page.locator('[data-testid^="plan-subdomain-"]');
    this.zRanges = page.locator('[data-testid^="z-range-"]');
  }

  /** Sets nx, ny (and nz for volumes) and the overlap, and waits for the plan of that many subdomains. */
  async set(grid: number[], overlap: number): Promise<void> {
    const axes = ['x', 'y', 'z'];
    for (let a = 0; a < grid.length; a++) await this.page.getByTestId(`grid-n${axes[a]}`).fill(String(grid[a]));
    await this.overlap.fill(String(overlap));
    const n = grid.reduce((p, k) => p * k, 1);
    await this.page.locator(`[data-testid="decomposition-view"][data-state="ready"][data-subdomains="${n}"]`).waitFor();
    // The plan of this very grid and overlap: one table row per subdomain (the request waits 120 ms).
    await this.page.locator(`[data-testid="plan-subdomain-${n - 1}"]`).waitFor();
  }

  /** The numbers the view shows for the plan. */
  async shown(): Promise<ShownPlan> {
    const num = async (l: Locator) => Number(await l.getAttribute('data-value'));
    const rows = await this.subdomainRows.evaluateAll((els) => els.map((e) => ({ params: Number(e.getAttribute('data-params')), size: e.getAttribute('data-size') ?? '' })));
    return { globalParams: await num(this.globalParams), localParamsTotal: await num(this.localParamsTotal), coarseParams: await num(this.coarseParams), subdomains: rows };
  }
}
