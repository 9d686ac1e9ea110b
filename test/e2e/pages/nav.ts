// Page object of the navigation (src-renderer/App.svelte): one tab per view, and the current run.
import type { Locator, Page } from 'playwright-core';

export type ViewId = 'data' | 'decomposition' | 'training' | 'results' | 'inspect' | 'runs';

export class NavBar {
  readonly root: Locator;
  /** The tab panel; its data-view attribute is the view shown. */
  readonly panel: Locator;
  /** The current run (data-run-id), once there is one. */
  readonly currentRun: Locator;

  constructor(private readonly page: Page) {
    this.root = page.getByTestId('nav');
    this.panel = page.getByTestId('view-panel');
    this.currentRun = page.getByTestId('current-run');
  }

  tab(view: ViewId): Locator {
    return this.page.getByTestId(`nav-${view}`);
  }

  /** Shows a view and waits until its panel is there. */
  async show(view: ViewId): Promise<void> {
    await this.tab(view).click();
    await this.page.locator(`[data-testid="view-panel"][data-view="${view}"]`).waitFor();
  }
}
