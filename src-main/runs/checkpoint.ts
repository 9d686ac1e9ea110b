// A model's checkpoint, all or nothing: the weights (with the optimizer's state), model.json and the
// training state of one epoch are written into a folder of their own, flushed, and made current by the
// rename of one small pointer file. A trainer killed at any moment leaves either the previous complete
// checkpoint or the new one, never weights of one epoch with the state of another.
//
// models/<name>/checkpoint.json        {"epoch": 3, "folder": "epoch-3"}: the current checkpoint
// models/<name>/checkpoints/epoch-3/   model.json, weights.bin, state.json
import fs from 'node:fs';
import path from 'node:path';
import type * as tf from '@tensorflow/tfjs';
import { loadModel, modelExists, saveModel, syncFolder, writeFileAtomic } from '../engine/model-io';
import type { EpochSummary } from './protocol';

export interface CheckpointState {
  epochsDone: number;
  trainSeconds: number;
  history: EpochSummary[];
}

const POINTER = 'checkpoint.json';
const FOLDERS = 'checkpoints';
const STATE = 'state.json';

/**
 * Test hook: DDCNN_CHECKPOINT_PAUSE=<point>@<epoch> makes the trainer stop dead at that point of writing
 * that epoch's checkpoint (after weights.bin, model.json or state.json; before or after the switch), after
 * leaving a marker file, so that a test can kill it exactly there; once per model. Unset in normal use.
 */
async function pauseAt(modelDir: string, point: string, epoch: number): Promise<void> {
  if (process.env.DDCNN_CHECKPOINT_PAUSE !== `${point}@${epoch}`) return;
  // Once only: the restarted trainer inherits the same environment and must go on.
  const marker = path.join(modelDir, 'checkpoint-paused');
  if (fs.existsSync(marker)) return;
  fs.writeFileSync(marker, point);
  await new Promise(() => setInterval(() => {}, 60_000));
}

/** The folder of the current checkpoint, or undefined when the model has none yet. */
export function currentCheckpoint(modelDir: string): string | undefined {
  let pointer: { folder?: unknown };
  try {
    pointer = JSON.parse(fs.readFileSync(path.join(modelDir, POINTER), 'utf8'));
  } catch {
    return undefined;
  }
  if (typeof pointer.folder !== 'string' || !/^epoch-\d+$/.test(pointer.folder)) return undefined;
  const dir = path.join(modelDir, FOLDERS, pointer.folder);
  return modelExists(dir) && fs.existsSync(path.join(dir, STATE)) ? dir : undefined;
}

/** Writes the checkpoint of `state.epochsDone` and makes it current; older checkpoints are removed afterwards. */
export async function writeCheckpoint(modelDir: string, model: tf.LayersModel, state: CheckpointState): Promise<void> {
  const epoch = state.epochsDone;
  const folder = `epoch-${epoch}`;
  const dir = path.join(modelDir, FOLDERS, folder);
  // A folder of this epoch can only be left from a trainer killed before its switch: it is not current.
  fs.rmSync(dir, { recursive: true, force: true });
  await saveModel(model, dir, { includeOptimizer: true, afterFile: (name) => pauseAt(modelDir, name, epoch) });
  writeFileAtomic(path.join(dir, STATE), JSON.stringify(state));
  await pauseAt(modelDir, STATE, epoch);
  syncFolder(path.join(modelDir, FOLDERS));
  await pauseAt(modelDir, 'switch', epoch);
  writeFileAtomic(path.join(modelDir, POINTER), JSON.stringify({ epoch, folder }));
  await pauseAt(modelDir, 'switched', epoch);
  for (const old of fs.readdirSync(path.join(modelDir, FOLDERS))) {
    if (old !== folder) fs.rmSync(path.join(modelDir, FOLDERS, old), { recursive: true, force: true });
  }
}

/** The current checkpoint's model (with its optimizer state) and training state, if there is one. */
export async function readCheckpoint(modelDir: string): Promise<{ model: tf.LayersModel; state: CheckpointState } | undefined> {
  const dir = currentCheckpoint(modelDir);
  if (!dir) return undefined;
  const state = JSON.parse(fs.readFileSync(path.join(dir, STATE), 'utf8')) as CheckpointState;
  return { model: await loadModel(dir), state };
}
