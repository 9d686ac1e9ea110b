// The runs of the workspace and the run this app is training: the list (Runs view), the live view of the
// run in progress built from run events (Training view), and the actions on runs: start, cancel, resume,
// delete. One instance for the app, connected once to the api's run events.
import type { Api, RunEventMessage, RunListItem, TrainStartRequest } from '../../src-main/api/contract';
import { applyRunEvent, isTraining, trainingFromRecord, trainingFromStart, type TrainingView } from './training';

class Runs {
  list = $state<RunListItem[]>([]);
  loading = $state(false);
  error = $state<string | null>(null);
  /** The run in progress (or the last one this app trained or resumed). */
  training = $state<TrainingView | null>(null);
  /** train:start is answering: the run is being created (the data set loaded, scans imported). */
  starting = $state(false);
  actionError = $state<string | null>(null);
  /** Called when a run this app follows ends (to show its results). */
  onFinished: ((runId: string) => void) | null = null;

  #api: Api | null = null;
  // Events that arrive while train:start is still answering belong to a run whose id is not known yet.
  #pending: RunEventMessage[] = [];

  get busy(): boolean {
    return this.starting || isTraining(this.training);
  }

  /** Subscribes to run events and loads the list; returns the unsubscribe function. */
  connect(api: Api): () => void {
    this.#api = api;
    const unsubscribe = api.onRunEvent((m) => this.#onEvent(m));
    void this.load();
    return unsubscribe;
  }

  get #a(): Api {
    if (!this.#api) throw new Error('runs store used before connect()');
    return this.#api;
  }

  async load(): Promise<void> {
    this.loading = true;
    const r = await this.#a.listRuns();
    this.loading = false;
    if (!r.ok) {
      this.error = r.error.message;
      return;
    }
    this.list = r.value;
    this.error = null;
    // A run this app is training (the page was reloaded during it): follow it again.
    const active = r.value.find((run) => run.active);
    if (active && this.training === null && !this.starting) await this.#showRecord(active.id);
  }

  /** Shows a run's models as its record has them (after a reload, or to settle states when it ends). */
  async #showRecord(runId: string): Promise<void> {
    const r = await this.#a.getRun({ id: runId });
    if (!r.ok) {
      this.actionError = r.error.message;
      return;
    }
    if (this.training === null || this.training.runId === runId) this.training = trainingFromRecord(r.value.record, this.training ?? undefined);
  }

  #onEvent(m: RunEventMessage): void {
    if (this.starting) {
      this.#pending.push(m);
      return;
    }
    if (this.training?.runId !== m.runId) return;
    this.training = applyRunEvent(this.training, m.event);
    // The run's status on disk changes when training begins ('backend') and when it ends ('finished').
    if (m.event.type === 'backend') void this.load();
    if (m.event.type === 'finished') {
      void this.#showRecord(m.runId);
      void this.load();
      this.onFinished?.(m.runId);
    }
  }

  #follow(runId: string, view: TrainingView): void {
    this.training = view;
    const early = this.#pending.filter((m) => m.runId === runId);
    this.#pending = [];
    for (const m of early) this.#onEvent(m);
    void this.load();
  }

  async start(request: TrainStartRequest): Promise<string | null> {
    this.starting = true;
    this.actionError = null;
    const r = await this.#a.startTraining(request);
    this.starting = false;
    if (!r.ok) {
      this.#pending = [];
      this.actionError = r.error.message;
      return null;
    }
    this.#follow(r.value.runId, trainingFromStart(r.value));
    return r.value.runId;
  }

  async cancel(): Promise<void> {
    const t = this.training;
    if (!t || !isTraining(t)) return;
    this.training = { ...t, status: 'stopping' };
    const r = await this.#a.stopTraining({ runId: t.runId });
    // 'not_found': the run ended on its own meanwhile; its 'finished' event settles the view.
    if (!r.ok && r.error.code !== 'not_found') this.actionError = r.error.message;
  }

  async resume(runId: string): Promise<boolean> {
    this.actionError = null;
    this.starting = true;
    const r = await this.#a.resumeTraining({ runId });
    this.starting = false;
    if (!r.ok) {
      this.#pending = [];
      this.actionError = r.error.message;
      return false;
    }
    this.#follow(runId, trainingFromStart(r.value));
    // The models that were done before keep their state: the record says which.
    void this.#showRecord(runId);
    return true;
  }

  async remove(runId: string): Promise<boolean> {
    this.actionError = null;
    const r = await this.#a.deleteRun({ id: runId });
    if (!r.ok) {
      this.actionError = r.error.message;
      return false;
    }
    if (this.training?.runId === runId) this.training = null;
    await this.load();
    return true;
  }
}

export const runs = new Runs();
