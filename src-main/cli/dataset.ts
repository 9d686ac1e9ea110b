// `ddcnn dataset inspect|build`: what a folder or CSV of scans holds (per case: size, spacing, value range,
// modality, warnings; then every skipped entry and why), and building (or reusing) its import cache.
import { Command, InvalidArgumentError } from 'commander';
import path from 'node:path';
import { buildImportCache } from '../data/import/build';
import type { ImportManifest } from '../data/import/import-manifest';
import { classCounts, groupCounts, inspectSource } from '../data/import/inspect';
import type { CaseInfo, InspectReport, SkippedFile } from '../data/import/types';
import { importProgressReporter } from './import-progress';

const int = (name: string) => (v: string) => {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError(`${name} must be a whole number >= 1, got "${v}"`);
  return n;
};

export const shapeArg = (v: string): number[] => {
  const s = v.split('x').map(Number);
  if (s.length < 2 || s.length > 3 || s.some((n) => !Number.isInteger(n) || n < 1)) throw new InvalidArgumentError(`shape must look like 28x28 (HxW) or 24x32x32 (DxHxW), got "${v}"`);
  return s;
};

export const windowArg = (v: string): [number, number] => {
  const w = v.split(',').map((s) => (s.trim() === '' ? NaN : Number(s)));
  if (w.length !== 2 || !w.every(Number.isFinite) || !(w[0] < w[1])) throw new InvalidArgumentError(`window must look like -1000,400 (low,high with low < high), got "${v}"`);
  return [w[0], w[1]];
};

export const spacingArg = (v: string): number[] => {
  const s = v.split('x').map(Number);
  if (s.length < 2 || s.length > 3 || s.some((n) => !(n > 0))) throw new InvalidArgumentError(`spacing must look like 1x1x1 (mm, in the order of --shape), got "${v}"`);
  return s;
};

const num = (v: number): string => String(Number.isInteger(v) ? v : Number(v.toFixed(2)));

/** One line per case: id, size WxHxD, spacing x*y*z mm, value range (HU or stored), modality, warnings. */
export function caseLine(c: CaseInfo): string {
  const size = c.size.join('x') + (c.channels > 1 ? ` (${c.channels} channels)` : '');
  const spacing = c.dims === 2 ? 'spacing n/a' : `${c.spacing.map((s) => s.toFixed(2)).join('x')} mm`;
  const range = `${c.units === 'HU' ? 'HU' : 'stored'} ${num(c.range[0])}..${num(c.range[1])}`;
  const warn = c.warnings.length > 0 ? `  warnings: ${c.warnings.join('; ')}` : '';
  return `  ${c.id}  ${size}  ${spacing}  ${range}  ${c.modality}${warn}`;
}

function skippedLines(skipped: SkippedFile[]): string[] {
  if (skipped.length === 0) return ['skipped: none'];
  return [`skipped (${skipped.length}):`, ...skipped.map((s) => `  ${s.file}: ${s.reason}`)];
}

/** 'groups: 3 (...)': how many patients (or other groups) a run's split keeps apart. */
export function groupsLine(g: InspectReport['groups'], cases: number): string {
  const alone = cases - g.groupedCases;
  const how = g.groupedCases === 0 ? 'no case has a group: each case is its own' : `${g.groupedCases} of ${cases} cases in ${g.count - alone} group(s) (patients or sub-folders)${alone > 0 ? `, ${alone} on their own` : ''}`;
  return `groups: ${g.count} (${how}; a run's split keeps each group in one split)`;
}

export function inspectText(r: InspectReport): string {
  const lines = [
    `source: ${r.source}`,
    `classes: ${r.classes.map((c) => `${c.name} (${c.cases} case${c.cases === 1 ? '' : 's'})`).join(', ') || 'none readable'}`,
    groupsLine(r.groups, r.cases.length),
  ];
  for (const c of r.classes) {
    lines.push('', `class ${c.name}:`);
    for (const info of r.cases.filter((i) => i.label === c.name)) lines.push(caseLine(info));
  }
  lines.push('', ...skippedLines(r.skipped));
  return lines.join('\n');
}

function buildSummary(dir: string, reused: boolean, m: ImportManifest) {
  const counts = classCounts(m.cases.map((c) => ({ label: m.classes[c.label] })));
  // Not the manifest itself: its groupKey stays in the cache.
  return { dir, reused, source: m.source, fingerprint: m.fingerprint, recipe: m.recipe, recipeNotes: m.recipeNotes, classes: counts, cases: m.cases.length, groups: groupCounts(m.cases), skipped: m.skipped, stats: m.stats, createdAt: m.createdAt };
}

function buildText(s: ReturnType<typeof buildSummary>): string {
  const r = s.recipe;
  const lines = [
    s.reused ? `reusing the import cache ${s.dir} (sources and options unchanged since ${s.createdAt}; nothing was read)` : `built the import cache ${s.dir}`,
    `source: ${s.source}`,
    `recipe: shape ${r.shape.join('x')}, window ${r.window[0]}..${r.window[1]}, ${r.channels} channel(s)${r.spacing ? `, spacing ${r.spacing.join('x')} mm then crop/pad` : ''}`,
    ...s.recipeNotes.map((n) => `  ${n}`),
    `cases: ${s.cases} (${s.classes.map((c) => `${c.name} ${c.cases}`).join(', ')})`,
    groupsLine(s.groups, s.cases),
  ];
  if (!s.reused) lines.push(`import: ${s.stats.seconds.toFixed(1)} s, ${s.stats.slices} slices, ${s.stats.reads} read(s) per case, ${s.stats.workers} worker(s), worker peak ${Math.round(s.stats.workerPeakMB)} MB`);
  lines.push(...skippedLines(s.skipped));
  return lines.join('\n');
}

export function datasetCommand(program: Command): void {
  const dataset = program.command('dataset').description('inspect a folder or CSV of scans, or build its import cache');

  dataset
    .command('inspect')
    .description('list the cases per class (size, spacing, value range, modality, warnings) and every skipped file with its reason')
    .argument('<source>', 'a folder with one sub-folder per class, or a CSV manifest path,label[,group][,split]')
    .option('--workers <n>', 'import worker processes (default: cores, at most 4)', int('workers'))
    .option('--json', 'print the report as one JSON object')
    .action(async (source: string, o) => {
      const progress = importProgressReporter();
      try {
        const report = await inspectSource(path.resolve(source), { workers: o.workers, onProgress: progress.onProgress });
        progress.close();
        process.stdout.write((o.json ? JSON.stringify(report) : inspectText(report)) + '\n');
      } finally {
        progress.close();
      }
    });

  dataset
    .command('build')
    .description('preprocess every case into the import cache <workspace>/datasets/<name>-<fingerprint> (reused when nothing changed)')
    .argument('<source>', 'a folder with one sub-folder per class, or a CSV manifest path,label[,group][,split]')
    .option('--shape <shape>', 'output shape DxHxW (volumes) or HxW (2D images); required when cases differ in size', shapeArg)
    .option('--window <low,high>', 'intensity window, clipped and scaled to 0..1 (default -1000,400 for HU, else the data range)', windowArg)
    .option('--spacing <mm>', 'resample to this voxel size (order of --shape), then crop/pad to --shape', spacingArg)
    .option('--workspace <dir>', 'folder holding datasets/ (default: the current folder)', process.cwd())
    .option('--workers <n>', 'import worker processes (default: cores, at most 4)', int('workers'))
    .option('--json', 'print a summary as one JSON object')
    .action(async (source: string, o) => {
      const progress = importProgressReporter();
      try {
        const built = await buildImportCache(
          path.resolve(source),
          { shape: o.shape, window: o.window, spacing: o.spacing },
          { cacheRoot: path.join(path.resolve(o.workspace), 'datasets'), workers: o.workers, onProgress: progress.onProgress },
        );
        progress.close();
        const summary = buildSummary(built.dir, built.reused, built.manifest);
        process.stdout.write((o.json ? JSON.stringify(summary) : buildText(summary)) + '\n');
      } finally {
        progress.close();
      }
    });
}
