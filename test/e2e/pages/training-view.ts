// Page object of the Training view (src-renderer/components/TrainForm.svelte and
// components/training/TrainingView.svelte; test ids listed there): the settings form, Start, and the run
// in progress with one card per model.
import type { Locator, Page } from 'playwright-core';

export interface TrainSettings {
  family?: 'vgg' | 'resnet';
  epochs?: number;
  batch?: number;
  seed?: number;
  /** At most this many training cases. */
  limit?: number;
  /** Whether to train the global model too. */
  global?: boolean;
}

export class TrainingViewPage {
  readonly form: Locator;
  readonly start: Locator;
  readonly formError: Locator;
  /** The run: data-run-id, data-status (created|running|stopping|interrupted|failed|completed), data-phase. */
  readonly run: Locator;
  readonly runError: Locator;
  readonly cancel: Locator;
  readonly cards: Locator;

  constructor(private readonly page: Page) {
    this.form = page.getByTestId('train-form');
    this.start = page.getByTestId('train-start');
    this.formError = page.getByTestId('train-error');
    this.run = page.getByTestId('training-view');
    this.runError = page.getByTestId('run-error');
    this.cancel = page.getByTestId('cancel-run');
    this.cards = page.locator('[data-testid^="model-card-"]');
  }

  /** Fills in the settings given; the others keep what the form shows. */
  async set(s: TrainSettings): Promise<void> {
    const fill = (id: string, v: number | undefined) => (v === undefined ? undefined : this.page.getByTestId(id).fill(String(v)));
    if (s.family) await this.page.getByTestId('train-family').selectOption(s.family);
    await fill('train-epochs', s.epochs);
    await fill('train-batch', s.batch);
    await fill('train-seed', s.seed);
    await fill('train-limit', s.limit);
    if (s.global !== undefined) await this.page.getByTestId('train-global').setChecked(s.global);
  }

  /** The card of a model: local-0.., coarse, global (data-state = queued|running|restarted|done|failed). */
  card(model: string): Locator {
    return this.page.getByTestId(`model-card-${model}`);
  }

  /** Waits until the run shown has `status` and returns its id. */
  async waitForStatus(status: string, timeout: number): Promise<string> {
    const run = this.page.locator(`[data-testid="training-view"][data-status="${status}"]`);
    await run.waitFor({ timeout });
    return (await run.getAttribute('data-run-id')) ?? '';
  }
}
