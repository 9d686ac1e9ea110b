// Where a run keeps its files: <workspace>/runs/<run-id>/ (DESIGN.md section 4).
import fs from 'node:fs';
import path from 'node:path';
import type { SplitName } from '../engine/types';

export const runLayout = (runDir: string) => ({
  runJson: path.join(runDir, 'run.json'),
  evalJson: path.join(runDir, 'eval.json'),
  metrics: path.join(runDir, 'metrics.jsonl'),
  logs: path.join(runDir, 'logs'),
  cache: path.join(runDir, 'cache'),
  model: (name: string) => path.join(runDir, 'models', name),
  probs: (name: string, split: SplitName) => path.join(runDir, 'models', name, `probs-${split}.f32`),
  done: (name: string) => path.join(runDir, 'models', name, 'done.json'),
  coarseScaling: path.join(runDir, 'models', 'coarse', 'feature-scaling.json'),
  log: (name: string) => path.join(runDir, 'logs', `${name}.log`),
  /** Trainers that run as cluster jobs: each one's job (what an IPC start message carries) and its events. */
  trainerJob: (name: string) => path.join(runDir, 'jobs', `${name}.json`),
  events: (name: string) => path.join(runDir, 'events', `${name}.jsonl`),
  /** Batch scripts and probe files of the Slurm executor. */
  slurm: path.join(runDir, 'slurm'),
  /** Left by `ddcnn cancel`: an attached orchestrator stops instead of resubmitting the cancelled jobs. */
  cancelRequest: path.join(runDir, 'cancel-requested'),
});

export function readF32(file: string): Float32Array {
  const b = fs.readFileSync(file);
  return new Float32Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength));
}
