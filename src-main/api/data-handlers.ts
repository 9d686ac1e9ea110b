// data:inspect and data:slice: what the Data view shows of a data source before any run exists. Nothing
// heavy is read in this (the Electron main) process:
// - 'demo', 'mnist' and .npz files are arrays already (values scaled to 0..1 as the models see them),
//   loaded in a job process; their cases are named `<split>:<index>`;
// - folders and CSV manifests are inspected by the import pipeline (its own worker processes read every
//   scan) with progress events;
// - a case for the slice viewer is read in a job process, and the last one is kept here so that moving the
//   slider only cuts another slice.
import fs from 'node:fs';
import path from 'node:path';
import { inspectSource } from '../data/import/inspect';
import { resolveRecipe, shapeOf } from '../data/import/recipe-defaults';
import type { CaseInfo, ImportProgress } from '../data/import/types';
import type { ProcessLauncher } from '../runs/launcher';
import { JobError, runJob } from '../runs/run-job';
import { MAX_LISTED_CASES, type DataInspectRequest, type DataProgressMessage, type DataSliceRequest, type DatasetView, type SliceView } from './contract';
import type { CaseVolume } from '../data/data-reading';
import { ApiFailure } from './result';
import { extractSlice, foregroundPerSlice, foregroundThreshold } from './slices';

export interface DataHandlerOptions {
  /** Starts the job processes that load array data sets and read cases. */
  jobs: ProcessLauncher;
  /** The log of those job processes. */
  logFile: string;
  /** Receives the progress of every folder/CSV inspection. */
  emitDataProgress?: (message: DataProgressMessage) => void;
  /** At most one progress message this often (ms), the last one always; 100 by default. */
  progressIntervalMs?: number;
}

/** Progress of one source's import as DataProgressMessages: at most one per interval, and always the last one. */
export function dataProgressEmitter(source: string, intervalMs: number, emit: ((m: DataProgressMessage) => void) | undefined): (p: ImportProgress) => void {
  let last = -Infinity;
  return (progress) => {
    if (!emit) return;
    const now = performance.now();
    if (progress.done < progress.total && now - last < intervalMs) return;
    last = now;
    emit({ source, progress });
  };
}

/** How the service reads a data source: arrays in memory, or an import source (folder, CSV). */
export type SourceKind = 'builtin' | 'npz' | 'import';

/** Throws ApiFailure naming the path: not_found when it is not there, failed when it cannot be read. */
export function requireReadable(file: string): fs.Stats {
  try {
    const stat = fs.statSync(file);
    fs.accessSync(file, fs.constants.R_OK);
    return stat;
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') throw new ApiFailure('not_found', `${file}: not found`);
    if (code === 'EACCES' || code === 'EPERM') throw new ApiFailure('failed', `${file}: permission denied`);
    throw new ApiFailure('failed', `${file}: ${(e as Error).message}`);
  }
}

/**
 * Checks that a source exists and is readable, and says what it is. Throws ApiFailure naming the path:
 * not_found when it is not there, failed when it cannot be read or is neither a folder, a CSV nor an .npz.
 */
export function sourceKind(source: string, accept: { npz?: boolean; import?: boolean } = { npz: true, import: true }): SourceKind {
  if (source === 'demo' || source === 'mnist') return 'builtin';
  const stat = requireReadable(source);
  if (stat.isFile() && /\.npz$/i.test(source) && accept.npz) return 'npz';
  if ((stat.isDirectory() || (stat.isFile() && /\.csv$/i.test(source))) && accept.import) return 'import';
  const wanted = [accept.import && 'a data set folder (one sub-folder per class)', accept.import && 'a .csv manifest', accept.npz && 'an .npz file'].filter(Boolean).join(', ');
  throw new ApiFailure('failed', `${source}: not a data set; expected ${wanted}`);
}

/** The first value of a promise-returning function for a key, kept until a call with another key. */
function lastOne<T>() {
  let kept: { key: string; value: Promise<T> } | undefined;
  return {
    get(key: string, make: () => Promise<T>): Promise<T> {
      if (kept?.key === key) return kept.value;
      const value = make();
      kept = { key, value };
      // A failure is not kept: the next request tries again (the file may have been fixed).
      value.catch(() => {
        if (kept?.value === value) kept = undefined;
      });
      return value;
    },
    forget(): void {
      kept = undefined;
    },
  };
}

/** A file's identity for caching: its path, size and modification time. */
function stamp(file: string): string {
  const s = fs.statSync(file, { throwIfNoEntry: false });
  return s ? `${file}\0${s.size}\0${s.mtimeMs}` : file;
}

/** The shape and channels the import recipe would choose by default; the first case's when the cases disagree. */
function defaultInput(cases: CaseInfo[]): { shape: number[]; channels: number } {
  try {
    const { recipe } = resolveRecipe(cases, {});
    return { shape: recipe.shape, channels: recipe.channels };
  } catch {
    // Mixed sizes (or 2D and 3D): the user must choose a shape; show the first case's, capped like the default.
    const first = shapeOf(cases[0]);
    const cap = cases[0].dims === 2 ? 128 : 64;
    return { shape: first.map((n) => Math.min(n, cap)), channels: cases.some((c) => c.channels >= 3) ? 3 : 1 };
  }
}

export function createDataHandlers(opts: DataHandlerOptions) {
  const volumes = lastOne<CaseVolume>();
  const interval = opts.progressIntervalMs ?? 100;

  const progressEmitter = (source: string) => dataProgressEmitter(source, interval, opts.emitDataProgress);

  /** A job's failure as the api's error: not_found for a missing case, failed otherwise. */
  const apiFailure = (e: unknown) => (e instanceof JobError && e.missing ? new ApiFailure('not_found', e.message) : new ApiFailure('failed', (e as Error).message));

  async function inspect({ source }: DataInspectRequest): Promise<DatasetView> {
    const kind = sourceKind(source);
    // A new inspection reads the source afresh, for the slice viewer too (files may have changed), and
    // lets go of the last scan read (a CT series can hold hundreds of MB).
    volumes.forget();
    if (kind !== 'import') {
      try {
        return await runJob(opts.jobs, { kind: 'inspect-arrays', source }, opts.logFile);
      } catch (e) {
        throw apiFailure(e);
      }
    }
    let report;
    try {
      report = await inspectSource(source, { onProgress: progressEmitter(source) });
    } catch (e) {
      throw new ApiFailure('failed', (e as Error).message);
    }
    if (report.cases.length === 0) throw new ApiFailure('failed', `${source}: no readable case${report.skipped[0] ? ` (${report.skipped[0].file}: ${report.skipped[0].reason})` : ''}`);
    const input = defaultInput(report.cases);
    return {
      source,
      name: path.basename(source).replace(/\.csv$/i, ''),
      dims: input.shape.length === 3 ? 3 : 2,
      inputShape: input.shape,
      channels: input.channels,
      classes: report.classes,
      cases: report.cases.slice(0, MAX_LISTED_CASES),
      totalCases: report.cases.length,
      groups: report.groups,
      skipped: report.skipped,
      units: report.cases.every((c) => c.units === 'HU') ? 'HU' : 'stored',
    };
  }

  async function slice(req: DataSliceRequest): Promise<SliceView> {
    const kind = sourceKind(req.source) === 'import' ? 'import' : 'arrays';
    if (kind === 'arrays' && !/^(train|val|test|all):\d+$/.test(req.caseId)) {
      throw new ApiFailure('invalid_request', `${req.caseId}: a case of ${req.source} is named <split>:<index>, e.g. train:0`);
    }
    const key = `${stamp(req.source)}\0${req.caseId}`;
    let got: CaseVolume;
    try {
      got = await volumes.get(key, () => runJob(opts.jobs, { kind: 'read-case', source: req.source, sourceKind: kind, caseId: req.caseId }, opts.logFile));
    } catch (e) {
      throw apiFailure(e);
    }
    const { vol, range, label } = got;
    const view = sliceView(req, vol.data, vol.shape, vol.channels, vol.spacing, vol.dims, { units: vol.units, range, label, fileWindow: vol.fileWindow });
    view.foreground = foregroundOf(got, req.axis);
    return view;
  }

  /** Foreground per slice of a cached volume along an axis, counted once per volume and axis. */
  const foregrounds = new WeakMap<CaseVolume, Partial<Record<DataSliceRequest['axis'], number[]>>>();
  function foregroundOf(got: CaseVolume, axis: DataSliceRequest['axis']): number[] {
    const known = foregrounds.get(got) ?? {};
    foregrounds.set(got, known);
    return (known[axis] ??= foregroundPerSlice(got.vol.data, got.vol.shape, got.vol.channels, axis, foregroundThreshold(got.range)));
  }

  function sliceView(
    req: DataSliceRequest,
    data: ArrayLike<number>,
    shape: [number, number, number],
    channels: number,
    spacing: [number, number, number],
    dims: 2 | 3,
    extra: Pick<SliceView, 'units' | 'range' | 'label' | 'fileWindow'>,
  ): SliceView {
    if (dims === 2 && req.axis !== 'axial') throw new ApiFailure('invalid_request', `${req.caseId} is a 2D image: it has only the axial view`);
    let s;
    try {
      s = extractSlice(data, shape, channels, spacing, req.axis, req.index);
    } catch (e) {
      throw new ApiFailure('not_found', `${req.caseId}: ${(e as Error).message}`);
    }
    const view: SliceView = {
      caseId: req.caseId,
      axis: req.axis,
      index: req.index,
      count: s.count,
      width: s.width,
      height: s.height,
      channels,
      values: Array.from(s.values),
      pixelSpacing: s.pixelSpacing,
      units: extra.units,
      range: extra.range,
    };
    if (extra.fileWindow) view.fileWindow = { ...extra.fileWindow };
    if (extra.label !== undefined) view.label = extra.label;
    return view;
  }

  return { inspect, slice };
}
