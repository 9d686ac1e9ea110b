// Page object of the Inspect view (src-renderer/components/inspect/InspectView.svelte, ConfidenceMap.svelte,
// ProbBars.svelte; test ids listed there): a test case or a new scan with its confidence map, the
// decisions of every model and each subdomain's probabilities.
import type { Locator, Page } from 'playwright-core';

export interface Bars {
  /** The class the list marks as decided. */
  decision: number;
  /** One per class: the raw probability (data-value) and the text shown. */
  bars: { cls: number; value: number; text: string }[];
}

export class InspectViewPage {
  /** data-run-id, data-case (the input shown: test:<i> or the scan's path). */
  readonly root: Locator;
  readonly error: Locator;
  readonly caseIndex: Locator;
  readonly caseList: Locator;
  readonly scanPath: Locator;
  readonly scanBrowseFile: Locator;
  readonly scanPredict: Locator;
  readonly caseTitle: Locator;
  /** data-value = the true class's index. */
  readonly trueLabel: Locator;
  readonly classSelect: Locator;
  readonly opacity: Locator;
  readonly sliceSlider: Locator;
  /** The canvas: data-painted, data-case, data-slice, data-class, data-opacity. */
  readonly map: Locator;
  readonly legend: Locator;
  readonly subdomainDetail: Locator;

  constructor(private readonly page: Page) {
    this.root = page.getByTestId('inspect-view');
    this.error = page.getByTestId('inspect-error');
    this.caseIndex = page.getByTestId('case-index');
    this.caseList = page.getByTestId('inspect-case-list');
    this.scanPath = page.getByTestId('scan-path');
    this.scanBrowseFile = page.getByTestId('scan-browse-file');
    this.scanPredict = page.getByTestId('scan-predict');
    this.caseTitle = page.getByTestId('case-title');
    this.trueLabel = page.getByTestId('true-label');
    this.classSelect = page.getByTestId('class-select');
    this.opacity = page.getByTestId('opacity-slider');
    this.sliceSlider = page.getByTestId('slice-slider');
    this.map = page.getByTestId('confidence-map');
    this.legend = page.getByTestId('confidence-legend');
    this.subdomainDetail = page.getByTestId('subdomain-detail');
  }

  /** Waits until the confidence map of `input` (test:<i> or a scan's path) is painted. */
  async waitForCase(input: string, timeout = 60_000): Promise<void> {
    await this.page.locator(`[data-testid="confidence-map"][data-painted="true"][data-case="${input}"]`).waitFor({ timeout });
  }

  /** A subdomain's button in the list (data-confidence, data-on-slice, aria-pressed). */
  subdomain(index: number): Locator {
    return this.page.getByTestId(`subdomain-${index}`);
  }

  /** A decision row: key = cnnDnn | average | vote | global (data-correct). */
  decision(key: string): Locator {
    return this.page.getByTestId(`decision-${key}`);
  }

  /** The probability bars of a list (coarse-probs, average-probs, vote-probs, global-probs) or of a locator holding one. */
  async bars(which: string | Locator): Promise<Bars> {
    const list = typeof which === 'string' ? this.page.getByTestId(which) : which.locator('ol.bars');
    const decision = Number(await list.getAttribute('data-decision'));
    const bars = await list.locator('li').evaluateAll((els) =>
      els.map((e) => ({ cls: Number(e.getAttribute('data-class')), value: Number(e.getAttribute('data-value')), text: e.querySelector('.val')?.textContent?.trim() ?? '' })),
    );
    return { decision, bars };
  }

  /** Types a scan's path and asks the run for its decisions. */
  async predict(scan: string): Promise<void> {
    await this.scanPath.fill(scan);
    await this.scanPredict.click();
  }
}
