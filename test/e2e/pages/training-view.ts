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

/** The few DOM names the in-page recorder uses (the tests compile without the DOM types). */
interface PageElement {
  getAttribute(name: string): string | null;
  matches(selector: string): boolean;
  querySelectorAll(selector: string): Iterable<PageElement>;
}

interface InPage {
  __cardStates?: Record<string, string[]>;
  __cardObserver?: { disconnect(): void };
  Element: abstract new () => PageElement;
  document: { body: unknown; querySelectorAll(selector: string): Iterable<PageElement> };
  MutationObserver: new (
    callback: (records: { type: string; target: unknown; oldValue: string | null; addedNodes: Iterable<unknown> }[]) => void,
  ) => { observe(target: unknown, options: object): void; disconnect(): void };
}

export class TrainingViewPage {
  readonly form: Locator;
  readonly start: Locator;
  readonly formError: Locator;
  /** The run: data-run-id, data-status (created|running|stopping|interrupted|failed|completed), data-phase. */
  readonly run: Locator;
  readonly runError: Locator;
  /** The Training view's "Cancel run" (the only cancel button of the Training tab). */
  readonly cancel: Locator;
  readonly cards: Locator;
  readonly backendName: Locator;
  readonly backendDescription: Locator;
  /** The whole run's <progress>; runEta: its text (percent and ETA). */
  readonly runProgress: Locator;
  readonly runEta: Locator;
  /** data-phase = local|coarse|global|evaluate. */
  readonly stage: Locator;

  constructor(private readonly page: Page) {
    this.form = page.getByTestId('train-form');
    this.start = page.getByTestId('train-start');
    this.formError = page.getByTestId('train-error');
    this.run = page.getByTestId('training-view');
    this.runError = page.getByTestId('run-error');
    this.cancel = page.getByTestId('cancel-run');
    this.cards = page.locator('[data-testid^="model-card-"]');
    this.backendName = page.getByTestId('backend-name');
    this.backendDescription = page.getByTestId('backend-description');
    this.runProgress = page.getByTestId('run-progress');
    this.runEta = page.getByTestId('run-eta');
    this.stage = page.getByTestId('run-stage');
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

  /** A model's loss/accuracy chart (data-points = epochs drawn); present once it has a point. */
  chart(model: string): Locator {
    return this.page.getByTestId(`model-chart-${model}`);
  }

  /** A model's <progress> and its ETA / training-time text. */
  modelProgress(model: string): Locator {
    return this.page.getByTestId(`model-progress-${model}`);
  }

  modelEta(model: string): Locator {
    return this.page.getByTestId(`model-eta-${model}`);
  }

  /**
   * Starts recording, in the page, every state each model card shows from now on (a MutationObserver on
   * the cards' data-state, old values included, so no state shown is missed between two polls).
   */
  async recordCardStates(): Promise<void> {
    await this.page.evaluate(() => {
      const g = globalThis as unknown as InPage;
      g.__cardObserver?.disconnect();
      g.__cardStates = {};
      const states = g.__cardStates;
      const push = (name: string, state: string | null) => {
        if (state === null) return;
        const list = (states[name] ??= []);
        if (list[list.length - 1] !== state) list.push(state);
      };
      const CARD = '[data-testid^="model-card-"]';
      const nameOf = (el: PageElement) => (el.getAttribute('data-testid') ?? '').slice('model-card-'.length);
      const observer = new g.MutationObserver((records) => {
        for (const r of records) {
          if (r.type === 'attributes' && r.target instanceof g.Element && r.target.matches(CARD)) {
            push(nameOf(r.target), r.oldValue);
            push(nameOf(r.target), r.target.getAttribute('data-state'));
          } else {
            for (const n of r.addedNodes) {
              if (!(n instanceof g.Element)) continue;
              for (const el of [...(n.matches(CARD) ? [n] : []), ...n.querySelectorAll(CARD)]) push(nameOf(el), el.getAttribute('data-state'));
            }
          }
        }
      });
      observer.observe(g.document.body, { subtree: true, childList: true, attributes: true, attributeOldValue: true, attributeFilter: ['data-state'] });
      g.__cardObserver = observer;
    });
  }

  /** The states each card showed since recordCardStates(), in order, with the state it shows now last. */
  async recordedCardStates(): Promise<Record<string, string[]>> {
    return this.page.evaluate(() => {
      const g = globalThis as unknown as InPage;
      const out: Record<string, string[]> = {};
      for (const [name, list] of Object.entries(g.__cardStates ?? {})) out[name] = [...list];
      for (const el of g.document.querySelectorAll('[data-testid^="model-card-"]')) {
        const name = (el.getAttribute('data-testid') ?? '').slice('model-card-'.length);
        const list = (out[name] ??= []);
        const now = el.getAttribute('data-state');
        if (now !== null && list[list.length - 1] !== now) list.push(now);
      }
      return out;
    });
  }

  /** Waits until the run shown has `status` and returns its id. */
  async waitForStatus(status: string, timeout: number): Promise<string> {
    const run = this.page.locator(`[data-testid="training-view"][data-status="${status}"]`);
    await run.waitFor({ timeout });
    return (await run.getAttribute('data-run-id')) ?? '';
  }
}
