// The data source the user chose (the built-in demo, MNIST, or a folder / CSV / .npz by path), what
// data:inspect said about it, and where the slice viewer stands: kept here so that leaving the Data view
// and coming back shows the same thing, and so that the Decomposition view and the training form use the
// chosen source.
import type { Api, DataProgressMessage, DatasetView } from '../../src-main/api/contract';
import { runSettings } from './run-settings.svelte';
import type { DisplayWindow, WindowChoice } from './slice-render';

export type SourceChoice = 'demo' | 'mnist' | 'path';
export type Axis = 'axial' | 'coronal' | 'sagittal';

class DataSource {
  choice = $state<SourceChoice>('demo');
  /** The typed or picked path (used when choice is 'path'). */
  path = $state('');
  /** False once the transport said it has no native dialog (web mode): the path is typed. */
  dialogSupported = $state(true);

  /** The last inspected source's description. */
  dataset = $state<DatasetView | null>(null);
  inspecting = $state(false);
  progress = $state<DataProgressMessage['progress'] | null>(null);
  error = $state<string | null>(null);

  /** The slice viewer: the case shown, the class filter of the case list, axis, slice and window. */
  caseId = $state<string | null>(null);
  classFilter = $state('');
  axis = $state<Axis>('axial');
  /** null: the middle slice. */
  sliceIndex = $state<number | null>(null);
  /** null: the default (the file's window, else the data's range). */
  windowChoice = $state<WindowChoice | null>(null);
  custom = $state<DisplayWindow>({ width: 400, level: 40 });

  /** The source as the api takes it, or null when no path is given. */
  get source(): string | null {
    if (this.choice !== 'path') return this.choice;
    const p = this.path.trim();
    return p === '' ? null : p;
  }

  /** Whether the chosen source is imported scans (a folder or CSV), where a shape and a window apply. */
  get isImport(): boolean {
    return this.choice === 'path' && this.source !== null && !/\.npz$/i.test(this.source);
  }

  #token = 0;

  /** Inspects the chosen source; progress arrives through api.onDataProgress while folders are read. */
  async inspect(api: Api): Promise<void> {
    const source = this.source;
    if (source === null) {
      this.error = 'Type or choose the path of a data set folder, a CSV manifest or an .npz file first.';
      return;
    }
    const token = ++this.#token;
    this.inspecting = true;
    this.progress = null;
    this.error = null;
    const unsubscribe = api.onDataProgress((m) => {
      if (token === this.#token && m.source === source) this.progress = m.progress;
    });
    try {
      const r = await api.inspectData({ source });
      if (token !== this.#token) return;
      if (!r.ok) {
        this.error = r.error.message;
        return;
      }
      const changed = this.dataset?.source !== r.value.source;
      this.dataset = r.value;
      runSettings.fit(r.value);
      if (changed || !r.value.cases.some((c) => c.id === this.caseId)) {
        this.caseId = r.value.cases[0]?.id ?? null;
        this.sliceIndex = null;
        this.classFilter = '';
        this.windowChoice = null;
      }
    } finally {
      unsubscribe();
      if (token === this.#token) this.inspecting = false;
    }
  }

  /** Inspects the chosen source unless its description is there already (or on its way). */
  ensureInspected(api: Api): void {
    if (this.inspecting || this.source === null) return;
    if (this.dataset?.source === this.source) return;
    void this.inspect(api);
  }

  /** The native dialog; in web mode it remembers that paths are typed instead. */
  async browse(api: Api, kind: 'folder' | 'file'): Promise<void> {
    const r = await api.pickPath({ kind });
    if (!r.ok) {
      if (r.error.code === 'not_supported') this.dialogSupported = false;
      else this.error = r.error.message;
      return;
    }
    if (r.value === null) return;
    this.choice = 'path';
    this.path = r.value;
    await this.inspect(api);
  }
}

export const dataSource = new DataSource();
