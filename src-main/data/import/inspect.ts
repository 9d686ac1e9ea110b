// `ddcnn dataset inspect`: the facts of every case of a source (size, spacing, value range, units,
// modality, warnings), the classes with their readable cases, and every skipped entry with its reason.
// Each case is read once, in the worker pool; nothing is written anywhere.

import { randomBytes } from 'node:crypto';
import { dirname, resolve } from 'node:path';
import { stat } from 'node:fs/promises';
import type { CaseJob } from './import-protocol';
import { classesOf, scanSource, type ScanResult } from './scan-source';
import { runImportJobs, type CaseOutcome, type ImportWorkerLauncher, type PoolReport } from './worker-pool';
import type { CaseInfo, ImportProgress, InspectReport, SkippedFile } from './types';

export interface ImportRunOptions {
  /** Worker processes (default min(cores, 4)). */
  workers?: number;
  onProgress?: (p: ImportProgress) => void;
  /** How workers start (default child_process.fork; the app passes a utilityProcess adapter). */
  launcher?: ImportWorkerLauncher;
}

/** The folder that case ids and skipped files are relative to: the source folder, or the CSV's folder. */
export async function sourceRoot(source: string): Promise<{ root: string; kind: 'folder' | 'csv' }> {
  const isDir = await stat(source).then((s) => s.isDirectory(), () => false);
  return isDir ? { root: source, kind: 'folder' } : { root: dirname(source), kind: 'csv' };
}

/**
 * The readable cases (with their position in `scan.cases`) and the full skipped list: the scan's, every case
 * that failed, and one entry per class left without a readable case.
 */
export function collectOutcomes(kind: 'folder' | 'csv', scan: ScanResult, outcomes: CaseOutcome[]): { infos: { at: number; info: CaseInfo }[]; skipped: SkippedFile[] } {
  const infos: { at: number; info: CaseInfo }[] = [];
  const skipped = scan.skipped.slice();
  outcomes.forEach((o, at) => {
    if (o.info) infos.push({ at, info: o.info });
    else if (o.skipped) skipped.push(o.skipped);
  });
  skipped.push(...emptyClasses(kind, scan.cases, infos.map((i) => i.info)));
  return { infos, skipped };
}

/** One skipped entry per class that had cases but none of them readable. */
export function emptyClasses(kind: 'folder' | 'csv', cases: { label: string }[], readable: { label: string }[]): SkippedFile[] {
  const have = new Set(readable.map((c) => c.label));
  return classesOf(cases)
    .filter((c) => !have.has(c))
    .map((c) => ({ file: c, reason: kind === 'folder' ? `class folder ${c} has no readable case` : `label ${c} has no readable case` }));
}

/** How many units a split keeps together: each group once, each case without one on its own. */
export function groupCounts(infos: { group?: string }[]): InspectReport['groups'] {
  const grouped = infos.filter((i) => i.group !== undefined);
  return { count: new Set(grouped.map((i) => i.group)).size + infos.length - grouped.length, groupedCases: grouped.length };
}

export function classCounts(infos: { label: string }[]): InspectReport['classes'] {
  return classesOf(infos).map((name) => ({ name, cases: infos.filter((i) => i.label === name).length }));
}

/** Reads every case of a scan once in the worker pool, without building anything. */
export async function inspectScan(abs: string, scan: ScanResult, opts: ImportRunOptions): Promise<{ report: InspectReport; pool: PoolReport; infos: { at: number; info: CaseInfo }[] }> {
  const { root, kind } = await sourceRoot(abs);
  const jobs: CaseJob[] = scan.cases.map((ref, index) => ({ index, ref, root }));
  const pool = await runImportJobs(jobs, { workers: opts.workers, launcher: opts.launcher, phase: 'inspect', onProgress: opts.onProgress });
  const { infos, skipped } = collectOutcomes(kind, scan, pool.outcomes);
  const cases = infos.map((i) => i.info);
  return { report: { source: abs, classes: classCounts(cases), cases, groups: groupCounts(cases), skipped }, pool, infos };
}

/** Scans a data set folder or CSV and reads every case: the report of `ddcnn dataset inspect`. */
export async function inspectSource(source: string, opts: ImportRunOptions = {}): Promise<InspectReport> {
  const abs = resolve(source);
  opts.onProgress?.({ phase: 'scan', done: 0, total: 0 });
  // A key for this report only, never stored: its groups count patients, and mean nothing outside it.
  const scan = await scanSource(abs, { groupKey: randomBytes(32) });
  return (await inspectScan(abs, scan, opts)).report;
}
