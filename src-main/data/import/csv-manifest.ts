// The CSV manifest of an import: one row per case, `path,label[,group][,split]`, paths relative to the CSV.
// Parsed strictly at the header (a wrong header is almost always the wrong file) and leniently per row (a
// bad row is skipped with its line number and the rest of the data set still imports).

import { readFile } from 'node:fs/promises';
import { parse } from 'csv-parse/sync';
import { DataFileError, fileSystemError } from '../errors';
import type { CaseSplit, SkippedFile } from './types';

export interface ManifestRow {
  /** 1-based line of the row in the CSV, for messages. */
  line: number;
  /** The path as written (relative to the CSV's folder, or absolute). */
  path: string;
  label: string;
  group?: string;
  split?: CaseSplit;
}

const COLUMNS = ['path', 'label', 'group', 'split'] as const;
const SPLIT_NAMES: Record<string, CaseSplit> = { train: 'train', training: 'train', val: 'val', valid: 'val', validation: 'val', test: 'test', testing: 'test' };

/**
 * Reads and checks a manifest; rows with an empty path or label, an unknown split or the wrong field count go
 * to `skipped`. Throws when the split column is filled on some rows only.
 */
export async function readCsvManifest(csv: string, opts: { labelsOptional?: boolean } = {}): Promise<{ rows: ManifestRow[]; skipped: SkippedFile[] }> {
  let text: string;
  try {
    text = await readFile(csv, 'utf8');
  } catch (err) {
    throw fileSystemError(csv, err);
  }
  let records: { info: { lines: number }; record: string[] }[];
  try {
    records = parse(text, { bom: true, trim: true, skip_empty_lines: true, relax_column_count: true, info: true }) as unknown as typeof records;
  } catch (err) {
    throw new DataFileError(csv, `not a valid CSV file (${(err as Error).message})`);
  }
  if (records.length === 0) throw new DataFileError(csv, 'the manifest is empty; expected a header row path,label[,group][,split] and one row per case');
  const header = records[0].record.map((h) => h.toLowerCase());
  const unknown = header.filter((h) => !(COLUMNS as readonly string[]).includes(h));
  const duplicate = header.filter((h, i) => header.indexOf(h) !== i);
  // A cohort to predict (opts.labelsOptional) may come without labels: a path column alone, or empty labels.
  if (!header.includes('path') || (!header.includes('label') && !opts.labelsOptional) || unknown.length > 0 || duplicate.length > 0) {
    const found = records[0].record.map((h) => `'${h}'`).join(',');
    throw new DataFileError(csv, `bad header row ${found}: expected the columns path,${opts.labelsOptional ? '[label]' : 'label'} and optionally group and split (in any order)`);
  }
  const col = (name: string) => header.indexOf(name);
  const skipped: SkippedFile[] = [];
  const rows: ManifestRow[] = [];
  for (const { info, record } of records.slice(1)) {
    const line = info.lines;
    const path = record[col('path')] ?? '';
    const where = path || `row at line ${line}`;
    if (record.length !== header.length) {
      skipped.push({ file: where, reason: `line ${line} of ${csv} has ${record.length} fields; the header has ${header.length}` });
      continue;
    }
    const label = col('label') >= 0 ? record[col('label')] : '';
    if (!path) {
      skipped.push({ file: where, reason: `line ${line} of ${csv} has an empty path` });
      continue;
    }
    if (!label && !opts.labelsOptional) {
      skipped.push({ file: path, reason: `line ${line} of ${csv} has an empty label` });
      continue;
    }
    const row: ManifestRow = { line, path, label };
    if (col('group') >= 0 && record[col('group')]) row.group = record[col('group')];
    if (col('split') >= 0 && record[col('split')]) {
      const split = SPLIT_NAMES[record[col('split')].toLowerCase()];
      if (!split) {
        skipped.push({ file: path, reason: `line ${line} of ${csv}: unknown split '${record[col('split')]}' (expected train, val or test)` });
        continue;
      }
      row.split = split;
    }
    rows.push(row);
  }
  checkSplitsOnEveryRow(csv, rows);
  return { rows, skipped };
}

/**
 * The split column fixes the splits only when every row has one: a column filled on some rows is an error
 * that names the rows without one, rather than a split silently made up for every row.
 */
function checkSplitsOnEveryRow(csv: string, rows: ManifestRow[]): void {
  const without = rows.filter((r) => r.split === undefined);
  if (without.length === 0 || without.length === rows.length) return;
  const shown = without.slice(0, 10).map((r) => `line ${r.line} (${r.path})`).join(', ');
  const more = without.length > 10 ? ` and ${without.length - 10} more` : '';
  throw new DataFileError(csv, `the split column is filled on ${rows.length - without.length} of ${rows.length} rows; ${shown}${more} ha${without.length === 1 ? 's' : 've'} no split (give every row a split, or none to let the run split)`);
}
