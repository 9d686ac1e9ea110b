// `ddcnn bench --only import`: import throughput and memory on real CT (must-show 4 of the import issue).
// Two generated data sets of 20 series each, copies of the real 20-slice 512x512 series of
// ../shared/data/ct-dicom, one uncompressed and one JPEG 2000 lossless, every copy in its own case folder
// (all copies share one SeriesInstanceUID, so each folder is one case). Each is inspected, then built
// (--shape 64x64x64 --window -1000,400: one read per case), then built again (the cache is reused).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { buildImportCache } from '../data/import/build';
import { inspectSource } from '../data/import/inspect';
import type { ImportProgress } from '../data/import/types';
import { defaultImportWorkers } from '../data/import/worker-pool';
import { findProjectRoot } from '../data/project-root';
import { peakRssMB } from '../data/peak-memory';

const CT_DICOM = path.resolve(findProjectRoot(import.meta.url), '../shared/data/ct-dicom');
const SERIES = { uncompressed: 'totalsegmentator_example_ct_dicom_uncompressed', jpeg2000: 'totalsegmentator_example_ct_dicom' } as const;
const COPIES = 20;
const RECIPE = { shape: [64, 64, 64], window: [-1000, 400] as [number, number] };

export interface ImportBenchPart {
  series: number;
  slices: number;
  inspectSeconds: number;
  buildSeconds: number;
  reuseSeconds: number;
  inspectSecondsPer100Slices: number;
  buildSecondsPer100Slices: number;
  workerPeakMB: number;
}

export interface ImportBench {
  workers: number;
  recipe: typeof RECIPE;
  uncompressed: ImportBenchPart;
  jpeg2000: ImportBenchPart;
  orchestratorPeakMB: number;
}

function makeDataSet(root: string, series: string): number {
  const from = path.join(CT_DICOM, series);
  const files = fs.readdirSync(from);
  for (let i = 0; i < COPIES; i++) {
    const dir = path.join(root, i % 2 === 0 ? 'even' : 'odd', `series ${String(i).padStart(2, '0')}`);
    fs.mkdirSync(dir, { recursive: true });
    for (const f of files) fs.copyFileSync(path.join(from, f), path.join(dir, f));
  }
  return files.length * COPIES;
}

const round = (v: number, digits = 2) => Number(v.toFixed(digits));

export async function importBench(onProgress?: (p: ImportProgress) => void): Promise<ImportBench> {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'ddcnn-bench-import-'));
  try {
    const parts = {} as Record<keyof typeof SERIES, ImportBenchPart>;
    for (const kind of Object.keys(SERIES) as (keyof typeof SERIES)[]) {
      const src = path.join(root, kind);
      const slices = makeDataSet(src, SERIES[kind]);
      const cacheRoot = path.join(root, `workspace-${kind}`, 'datasets');
      let t = performance.now();
      const report = await inspectSource(src, { onProgress });
      const inspectSeconds = (performance.now() - t) / 1000;
      if (report.cases.length !== COPIES) throw new Error(`import bench: ${report.cases.length} of ${COPIES} series readable: ${JSON.stringify(report.skipped)}`);
      t = performance.now();
      const built = await buildImportCache(src, RECIPE, { cacheRoot, onProgress });
      const buildSeconds = (performance.now() - t) / 1000;
      t = performance.now();
      const again = await buildImportCache(src, RECIPE, { cacheRoot });
      const reuseSeconds = (performance.now() - t) / 1000;
      if (!again.reused) throw new Error('import bench: the second build did not reuse the cache');
      parts[kind] = {
        series: COPIES,
        slices,
        inspectSeconds: round(inspectSeconds),
        buildSeconds: round(buildSeconds),
        reuseSeconds: round(reuseSeconds, 3),
        inspectSecondsPer100Slices: round((inspectSeconds * 100) / slices),
        buildSecondsPer100Slices: round((buildSeconds * 100) / slices),
        workerPeakMB: Math.round(built.manifest.stats.workerPeakMB),
      };
    }
    return { workers: defaultImportWorkers(), recipe: RECIPE, ...parts, orchestratorPeakMB: Math.round(peakRssMB()) };
  } finally {
    fs.rmSync(root, { recursive: true, force: true });
  }
}

export function importBenchMarkdown(r: ImportBench): string[] {
  const row = (name: string, p: ImportBenchPart) =>
    `| ${name} | ${p.series} / ${p.slices} | ${p.inspectSeconds} s (${p.inspectSecondsPer100Slices}) | ${p.buildSeconds} s (**${p.buildSecondsPer100Slices}**) | ${p.reuseSeconds} s | ${p.workerPeakMB} MB |`;
  return [
    '',
    `## import: 512x512 CT series, ${r.workers} worker process(es), recipe ${r.recipe.shape.join('x')} window ${r.recipe.window.join('..')}`,
    '',
    '| series | series / slices | inspect (s per 100 slices) | build (s per 100 slices) | reuse | worker peak |',
    '|---|---|---|---|---|---|',
    row('uncompressed', r.uncompressed),
    row('JPEG 2000 lossless', r.jpeg2000),
    '',
    `Orchestrator peak memory: ${r.orchestratorPeakMB} MB (it holds no raw series; each worker holds one at a time).`,
  ];
}
