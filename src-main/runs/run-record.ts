// run.json: everything needed to reopen, resume, compare or predict with a run.
import fs from 'node:fs';
import { writeFileAtomic } from '../engine/model-io';
import { runLayout } from './layout';
import type { ModelRecord, ModelState, RestartRecord, RunRecord, RunStatus } from './run-types';

export const RUN_SCHEMA_VERSION = 1;

export type { ModelRecord, ModelState, RestartRecord, RunRecord, RunStatus };

export function readRunRecord(runDir: string): RunRecord {
  const file = runLayout(runDir).runJson;
  let rec: RunRecord;
  try {
    rec = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (e) {
    throw new Error(`${file}: not a readable run (${(e as Error).message})`);
  }
  if (rec.schemaVersion !== RUN_SCHEMA_VERSION) throw new Error(`${file}: run schema version ${rec.schemaVersion} is not supported (expected ${RUN_SCHEMA_VERSION})`);
  return rec;
}

export function writeRunRecord(runDir: string, rec: RunRecord): void {
  rec.updatedAt = new Date().toISOString();
  writeFileAtomic(runLayout(runDir).runJson, JSON.stringify(rec, null, 1));
}
