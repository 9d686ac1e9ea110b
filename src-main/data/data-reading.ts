// The reading behind data:inspect and data:slice that must not happen in the Electron main process: loading
// a whole array data set (MNIST, an .npz of hundreds of MB) or decoding a scan (a JPEG 2000 series takes
// seconds). It runs in a job process (src-main/runs/job-entry.ts); the main process keeps only the answer.
import type { Dataset, LabeledSplit } from '../engine/types';
import { loadDataset } from './load';
import { readCase } from './import/read-case';
import { scanSource } from './import/scan-source';
import type { CaseInfo } from './import/types';
import type { Volume } from './volume';
import { MAX_LISTED_CASES, type DatasetView } from './dataset-view';
import { valueRange, volumeRange } from './recipe';

const ARRAY_SPLITS = ['train', 'val', 'test', 'all'] as const;
type ArraySplit = (typeof ARRAY_SPLITS)[number];

/** One case read for the slice viewer: the scan (or the array sample as a volume), its value range and class. */
export interface CaseVolume {
  vol: Volume;
  range: [number, number];
  label: string;
}

/** A case the user asked for that is not there: the api's not_found. */
export class MissingCaseError extends Error {}

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

function viewOfArrays(source: string, ds: Dataset): DatasetView {
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

/** data:inspect of 'demo', 'mnist' or an .npz file: what the arrays hold. */
export async function inspectArrays(source: string): Promise<DatasetView> {
  return viewOfArrays(source, await loadDataset(source));
}

/** Sample `<split>:<index>` of an array data set, as a volume of stored (0..1) values. */
async function arrayCase(source: string, caseId: string): Promise<CaseVolume> {
  const m = /^(train|val|test|all):(\d+)$/.exec(caseId);
  if (!m) throw new MissingCaseError(`${caseId}: a case of ${source} is named <split>:<index>, e.g. train:0`);
  const ds = await loadDataset(source);
  const split = ds.splits[m[1] as ArraySplit];
  const i = Number(m[2]);
  if (!split) throw new MissingCaseError(`${source} has no split '${m[1]}' (it has ${Object.keys(ds.splits).join(', ')})`);
  if (i >= split.y.length) throw new MissingCaseError(`${source}: case ${caseId} does not exist (split '${m[1]}' holds ${split.y.length})`);
  const size = sampleSizeOf(ds);
  const data = split.x.slice(i * size, (i + 1) * size);
  const vol: Volume = {
    data,
    shape: volumeShape(ds),
    channels: ds.channels,
    spacing: [1, 1, 1],
    dims: ds.spatialShape.length === 3 ? 3 : 2,
    modality: 'unknown',
    units: 'stored',
    warnings: [],
  };
  return { vol, range: valueRange(data), label: ds.classes[split.y[i]] };
}

/** One case of an import source (folder or CSV), read with the import's own readers. */
async function importedCase(source: string, caseId: string): Promise<CaseVolume> {
  const { cases } = await scanSource(source);
  const ref = cases.find((c) => c.id === caseId);
  if (!ref) throw new MissingCaseError(`${source}: no case ${caseId}`);
  const vol = await readCase(ref);
  return { vol, range: volumeRange(vol), label: ref.label };
}

/** The case `caseId` of a data source, for the slice viewer. */
export function readCaseVolume(source: string, kind: 'arrays' | 'import', caseId: string): Promise<CaseVolume> {
  return kind === 'import' ? importedCase(source, caseId) : arrayCase(source, caseId);
}
