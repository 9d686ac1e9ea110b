// Page object of the Decomposition view (src-renderer/components/decomposition/DecompositionView.svelte;
// test ids listed there): the grid, the overlap and the plan drawn from them.
import type { Locator, Page } from 'playwright-core';

export class DecompositionViewPage {
  readonly root: Locator;
  readonly overlap: Locator;
  readonly canvas: Locator;
  readonly error: Locator;

  constructor(private readonly page: Page) {
    this.root = page.getByTestId('decomposition-view');
    this.overlap = page.getByTestId('overlap-input');
    this.canvas = page.getByTestId('grid-canvas');
    this.error = page.getByTestId('plan-error');
  }

  /** Sets nx, ny (and nz for volumes) and the overlap, and waits for the plan of that many subdomains. */
  async set(grid: number[], overlap: number): Promise<void> {
    const axes = ['x', 'y', 'z'];
    for (let a = 0; a < grid.length; a++) await this.page.getByTestId(`grid-n${axes[a]}`).fill(String(grid[a]));
    await this.overlap.fill(String(overlap));
    const n = grid.reduce((p, k) => p * k, 1);
    await this.page.locator(`[data-testid="decomposition-view"][data-state="ready"][data-subdomains="${n}"]`).waitFor();
  }
}
