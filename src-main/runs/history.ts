// Every model's epoch history from a run's metrics.jsonl: what the Training view's curves and the run
// report's training curves show.
import fs from 'node:fs';
import type { EpochSummary } from '../engine/progress';
import { runLayout } from './layout';

/** The api's RunHistory (contract.ts), which keeps its own copy of this shape: the contract imports no Node module. */
export interface RunHistory {
  models: Record<string, EpochSummary[]>;
}

/** Every model's epochs from metrics.jsonl, in epoch order; a resumed model's repeated epoch keeps its last line. */
export function readHistory(runDir: string): RunHistory {
  let text: string;
  try {
    text = fs.readFileSync(runLayout(runDir).metrics, 'utf8');
  } catch (e) {
    // A run that has not trained yet has no metrics.
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return { models: {} };
    throw e;
  }
  const byModel = new Map<string, Map<number, EpochSummary>>();
  for (const line of text.split('\n')) {
    if (!line.trim()) continue;
    let m: Record<string, unknown>;
    try {
      m = JSON.parse(line);
    } catch {
      continue; // a line cut off by a crash
    }
    if (m.type !== 'epoch' || typeof m.model !== 'string' || typeof m.epoch !== 'number') continue;
    const num = (k: string) => (typeof m[k] === 'number' ? (m[k] as number) : Number.NaN);
    const epochs = byModel.get(m.model) ?? new Map<number, EpochSummary>();
    epochs.set(m.epoch, { epoch: m.epoch, loss: num('loss'), accuracy: num('accuracy'), valLoss: num('valLoss'), valAccuracy: num('valAccuracy'), seconds: num('seconds') });
    byModel.set(m.model, epochs);
  }
  const models: RunHistory['models'] = {};
  for (const [model, epochs] of byModel) models[model] = [...epochs.values()].sort((a, b) => a.epoch - b.epoch);
  return { models };
}

