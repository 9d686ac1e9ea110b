// Where a workspace's runs train, remembered per workspace (<workspace>/executor-settings.json): the
// Training form opens with the choice ("this machine" or "Slurm cluster") and the cluster's job settings
// of the last run started there, so a group's partition and account are typed once.
import fs from 'node:fs';
import path from 'node:path';
import { writeFileAtomic } from '../engine/model-io';
import { executorConfigSchema, type ExecutorConfig } from '../runs/run-config';
import { ApiFailure } from './result';

const fileOf = (workspace: string) => path.join(workspace, 'executor-settings.json');

export function readExecutorSettings(workspace: string): ExecutorConfig {
  const file = fileOf(workspace);
  if (!fs.existsSync(file)) return { kind: 'local' };
  let raw: unknown;
  try {
    raw = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (e) {
    throw new ApiFailure('failed', `${file}: not readable JSON (${(e as Error).message}); delete it to start from "this machine"`);
  }
  const parsed = executorConfigSchema.safeParse(raw);
  if (!parsed.success) throw new ApiFailure('failed', `${file}: not executor settings (${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')})`);
  return parsed.data;
}

export function rememberExecutorSettings(workspace: string, cfg: ExecutorConfig): void {
  fs.mkdirSync(workspace, { recursive: true });
  writeFileAtomic(fileOf(workspace), JSON.stringify(cfg, null, 1));
}
