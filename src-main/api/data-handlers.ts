// data:inspect and data:slice: what the Data view shows of a data source before any run exists.
// - 'demo', 'mnist' and .npz files are arrays already (values scaled to 0..1 as the models see them): read
//   once, kept for the slider, their cases named `<split>:<index>`;
// - folders and CSV manifests are inspected by the import pipeline (its own worker processes read every
//   scan) with progress events; a case is read for the slice viewer through the same readers, and the last
//   one is kept so that moving the slider does not read it again.
import fs from 'node:fs';
import path from 'node:path';
import type { Dataset, LabeledSplit } from '../engine/types';
import { loadDataset } from '../data/load';
import { inspectSource } from '../data/import/inspect';
import { readCase } from '../data/import/read-case';
import { resolveRecipe, shapeOf } from '../data/import/recipe-defaults';
import { scanSource, type ScanResult } from '../data/import/scan-source';
import type { CaseInfo, ImportProgress } from '../data/import/types';
import type { Volume } from '../data/volume';
import { MAX_LISTED_CASES, type DataInspectRequest, type DataProgressMessage, type DataSliceRequest, type DatasetView, type SliceView } from './contract';
import { ApiFailure } from './result';
import { extractSlice, valueRange } from './slices';

export interface DataHandlerOptions {
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

const ARRAY_SPLITS = ['train', 'val', 'test', 'all'] as const;
type ArraySplit = (typeof ARRAY_SPLITS)[number];

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

const sampleSizeOf = (ds: Dataset) => ds.spatialShape.reduce((a, b) => a * b, ds.channels);

/** [D, H, W] of a data set's samples (D = 1 for images). */
const volumeShape = (ds: Dataset): [number, number, number] => (ds.spatialShape.length === 3 ? [ds.spatialShape[0], ds.spatialShape[1], ds.spatialShape[2]] : [1, ds.spatialShape[0], ds.spatialShape[1]]);

function arrayCaseInfo(ds: Dataset, split: ArraySplit, s: LabeledSplit, i: number): CaseInfo {
  const size = sampleSizeOf(ds);
  const [d, h, w] = volumeShape(ds);
  const info: CaseInfo = {
    id: `${split}:${i}`,
    label: ds.classes[s.y[i]] ?? String(s.y[i]),
    kind: 'npy',
    dims: ds.spatialShape.length === 3 ? 3 : 2,
    size: [w, h, d],
    channels: ds.channels,
    spacing: [1, 1, 1],
    range: valueRange(s.x, i * size, (i + 1) * size),
    units: 'stored',
    modality: 'unknown',
    warnings: [],
  };
  if (split !== 'all') info.split = split;
  if (s.groups) info.group = s.groups[i];
  return info;
}

function arrayDatasetView(source: string, ds: Dataset): DatasetView {
  const counts = new Array<number>(ds.classes.length).fill(0);
  const cases: CaseInfo[] = [];
  let total = 0;
  for (const split of ARRAY_SPLITS) {
    const s = ds.splits[split];
    if (!s) continue;
    for (let i = 0; i < s.y.length; i++) {
      counts[s.y[i]]++;
      if (cases.length < MAX_LISTED_CASES) cases.push(arrayCaseInfo(ds, split, s, i));
    }
    total += s.y.length;
  }
  const view: DatasetView = {
    source,
    name: ds.name,
    dims: ds.spatialShape.length === 3 ? 3 : 2,
    inputShape: ds.spatialShape.slice(),
    channels: ds.channels,
    classes: ds.classes.map((name, c) => ({ name, cases: counts[c] })),
    cases,
    totalCases: total,
    skipped: [],
    units: 'stored',
  };
  if (ds.citation) view.citation = ds.citation;
  return view;
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
  const arrays = lastOne<Dataset>();
  const scans = lastOne<ScanResult>();
  const volumes = lastOne<{ vol: Volume; range: [number, number]; label: string }>();
  const interval = opts.progressIntervalMs ?? 100;

  const loadArrays = (source: string) => arrays.get(source === 'demo' || source === 'mnist' ? source : stamp(source), () => loadDataset(source));

  const progressEmitter = (source: string) => dataProgressEmitter(source, interval, opts.emitDataProgress);

  async function inspect({ source }: DataInspectRequest): Promise<DatasetView> {
    const kind = sourceKind(source);
    if (kind !== 'import') {
      // The last scan read for the slice viewer (a CT series can hold hundreds of MB) is let go.
      volumes.forget();
      try {
        return arrayDatasetView(source, await loadArrays(source));
      } catch (e) {
        throw new ApiFailure('failed', (e as Error).message);
      }
    }
    // A new inspection reads the source afresh, for the slice viewer too (files may have changed); the
    // arrays of a built-in set or .npz are let go (MNIST holds 220 MB).
    scans.forget();
    volumes.forget();
    arrays.forget();
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
      skipped: report.skipped,
      units: report.cases.every((c) => c.units === 'HU') ? 'HU' : 'stored',
    };
  }

  async function arraySlice(req: DataSliceRequest): Promise<SliceView> {
    const m = /^(train|val|test|all):(\d+)$/.exec(req.caseId);
    if (!m) throw new ApiFailure('invalid_request', `${req.caseId}: a case of ${req.source} is named <split>:<index>, e.g. train:0`);
    let ds: Dataset;
    try {
      ds = await loadArrays(req.source);
    } catch (e) {
      throw new ApiFailure('failed', (e as Error).message);
    }
    const split = ds.splits[m[1] as ArraySplit];
    const i = Number(m[2]);
    if (!split) throw new ApiFailure('not_found', `${req.source} has no split '${m[1]}' (it has ${Object.keys(ds.splits).join(', ')})`);
    if (i >= split.y.length) throw new ApiFailure('not_found', `${req.source}: case ${req.caseId} does not exist (split '${m[1]}' holds ${split.y.length})`);
    const size = sampleSizeOf(ds);
    const sample = split.x.subarray(i * size, (i + 1) * size);
    return sliceView(req, sample, volumeShape(ds), ds.channels, [1, 1, 1], ds.spatialShape.length === 3 ? 3 : 2, {
      units: 'stored',
      range: valueRange(sample),
      label: ds.classes[split.y[i]],
    });
  }

  async function importSlice(req: DataSliceRequest): Promise<SliceView> {
    const source = req.source;
    const key = `${stamp(source)}\0${req.caseId}`;
    let got;
    try {
      got = await volumes.get(key, async () => {
        const { cases } = await scans.get(stamp(source), () => scanSource(source));
        const ref = cases.find((c) => c.id === req.caseId);
        if (!ref) throw new ApiFailure('not_found', `${source}: no case ${req.caseId}`);
        const vol = await readCase(ref);
        return { vol, range: valueRange(vol.data), label: ref.label };
      });
    } catch (e) {
      if (e instanceof ApiFailure) throw e;
      throw new ApiFailure('failed', (e as Error).message);
    }
    const { vol, range, label } = got;
    return sliceView(req, vol.data, vol.shape, vol.channels, vol.spacing, vol.dims, { units: vol.units, range, label, fileWindow: vol.fileWindow });
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

  async function slice(req: DataSliceRequest): Promise<SliceView> {
    return sourceKind(req.source) === 'import' ? importSlice(req) : arraySlice(req);
  }

  return { inspect, slice };
}
