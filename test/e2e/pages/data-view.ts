// Page object of the Data view (src-renderer/components/data/DataView.svelte; test ids listed there):
// the source, its inspection, the summary of what it holds, and the slice viewer.
import type { Locator, Page } from 'playwright-core';

export type ViewerAxis = 'axial' | 'coronal' | 'sagittal';
export type WindowPreset = 'lung' | 'mediastinum' | 'bone' | 'brain' | 'file' | 'range' | 'custom';

export class DataViewPage {
  readonly root: Locator;
  readonly demo: Locator;
  readonly mnist: Locator;
  readonly path: Locator;
  readonly pathInput: Locator;
  readonly browseFolder: Locator;
  readonly browseFile: Locator;
  readonly inspect: Locator;
  readonly error: Locator;
  /** data-name, data-dims, data-total of the inspected data set. */
  readonly summary: Locator;
  readonly total: Locator;
  /** data-value = the default input shape (DxHxW or HxW). */
  readonly shape: Locator;
  readonly spacing: Locator;
  /** data-value = HU | stored. */
  readonly units: Locator;
  /** data-class, data-cases. */
  readonly classRows: Locator;
  /** data-count = skipped files. */
  readonly skippedCount: Locator;
  readonly skippedRows: Locator;
  /** data-count = cases listed (after the class filter). */
  readonly caseList: Locator;
  /** data-case-id, data-axis, data-index, data-count, data-painted. */
  readonly viewer: Locator;
  readonly viewerCanvas: Locator;
  readonly viewerSlider: Locator;
  readonly viewerSliceNumber: Locator;
  readonly viewerInfo: Locator;
  readonly viewerError: Locator;

  constructor(private readonly page: Page) {
    this.root = page.getByTestId('data-view');
    this.demo = page.getByTestId('source-demo');
    this.mnist = page.getByTestId('source-mnist');
    this.path = page.getByTestId('source-path');
    this.pathInput = page.getByTestId('path-input');
    this.browseFolder = page.getByTestId('browse-folder');
    this.browseFile = page.getByTestId('browse-file');
    this.inspect = page.getByTestId('inspect-button');
    this.error = page.getByTestId('data-error');
    this.summary = page.getByTestId('dataset-summary');
    this.total = page.getByTestId('dataset-total');
    this.shape = page.getByTestId('dataset-shape');
    this.spacing = page.getByTestId('dataset-spacing');
    this.units = page.getByTestId('dataset-units');
    this.classRows = page.getByTestId('class-row');
    this.skippedCount = page.getByTestId('skipped-count');
    this.skippedRows = page.getByTestId('skipped-row');
    this.caseList = page.getByTestId('dataset-case-list');
    this.viewer = page.getByTestId('slice-viewer');
    this.viewerCanvas = page.getByTestId('viewer-canvas');
    this.viewerSlider = page.getByTestId('viewer-slider');
    this.viewerSliceNumber = page.getByTestId('viewer-slice-number');
    this.viewerInfo = page.getByTestId('viewer-info');
    this.viewerError = page.getByTestId('viewer-error');
  }

  /** Chooses the built-in demo (the view inspects the built-in sets by itself) and waits for its summary. */
  async chooseDemo(timeout = 60_000): Promise<void> {
    await this.demo.check();
    await this.page.locator('[data-testid="data-view"][data-state="ready"][data-source="demo"]').waitFor({ timeout });
  }

  /** Chooses "a folder, CSV or .npz", types `source` (web mode has no dialog), inspects it and waits for its summary. */
  async inspectPath(source: string, timeout = 120_000): Promise<void> {
    await this.path.check();
    await this.pathInput.fill(source);
    await this.inspect.click();
    await this.page.locator(`[data-testid="data-view"][data-state="ready"][data-source="${source}"]`).waitFor({ timeout });
  }

  /** A class's row of the cases-per-class table (data-cases). */
  classRow(name: string): Locator {
    return this.page.locator(`[data-testid="class-row"][data-class="${name}"]`);
  }

  /** A case's button in the case list (its text: id, class and size W×H×D). */
  caseButton(id: string): Locator {
    return this.page.locator(`[data-testid="dataset-case"][data-case-id="${id}"]`);
  }

  /** Shows a case in the slice viewer and waits until its first slice is painted. */
  async showCase(id: string, timeout = 60_000): Promise<void> {
    await this.caseButton(id).click();
    await this.page.locator(`[data-testid="slice-viewer"][data-case-id="${id}"][data-painted="true"]`).waitFor({ timeout });
  }

  axisButton(axis: ViewerAxis): Locator {
    return this.page.getByTestId(`viewer-axis-${axis}`);
  }

  windowButton(preset: WindowPreset): Locator {
    return this.page.getByTestId(`viewer-window-${preset}`);
  }

  /** Switches the viewer to `axis` and waits for the viewer to say so. */
  async setAxis(axis: ViewerAxis): Promise<void> {
    await this.axisButton(axis).click();
    await this.page.locator(`[data-testid="slice-viewer"][data-axis="${axis}"]`).waitFor();
  }

  /** Moves the slice slider to `index` (0-based) and waits for the viewer to say so. */
  async setSlice(index: number): Promise<void> {
    await this.viewerSlider.fill(String(index));
    await this.page.locator(`[data-testid="slice-viewer"][data-index="${index}"]`).waitFor();
  }

  /** Applies a display window preset and waits until its button is pressed. */
  async setWindow(preset: WindowPreset): Promise<void> {
    await this.windowButton(preset).click();
    await this.page.locator(`[data-testid="viewer-window-${preset}"][aria-pressed="true"]`).waitFor();
  }
}
