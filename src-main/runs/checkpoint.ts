// A model's checkpoint, all or nothing: the weights (with the optimizer's state), model.json and the
// training state of one epoch are written into a folder of their own, flushed, and made current by the
// rename of one small pointer file. A trainer killed at any moment leaves either the previous complete
// checkpoint or the new one, never weights of one epoch with the state of another.
//
// models/<name>/checkpoint.json        {"epoch": 3, "folder": "epoch-3"}: the current checkpoint
// models/<name>/checkpoints/epoch-3/   model.json, weights.bin, optimizer.bin/.json, best.bin/.json, state.json
import fs from 'node:fs';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { loadModel, modelExists, saveModel, syncFolder, writeFileAtomic } from '../engine/model-io';
import type { EpochSummary } from './protocol';
import type { BestEpoch } from '../engine/model-selection';

export interface CheckpointState {
  epochsDone: number;
  trainSeconds: number;
  history: EpochSummary[];
  /** The best epoch so far by the run's selection criterion; its weights are best.bin. */
  best?: BestEpoch;
}

/** What a checkpoint holds beside the model: the optimizer's state, and the best epoch's weights. */
export interface CheckpointTensors {
  optimizer: NamedTensor[];
  best?: tf.Tensor[];
}

/** A tensor with its name, as tfjs's optimizers give their state (getWeights). */
type NamedTensor = { name: string; tensor: tf.Tensor };

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

/** Tensors as one binary file plus its weight specs (tfjs's own encoding), in their order. */
export async function writeTensors(dir: string, name: string, tensors: NamedTensor[]): Promise<void> {
  const { data, specs } = await tf.io.encodeWeights(tensors);
  writeFileAtomic(path.join(dir, `${name}.bin`), new Uint8Array(data));
  writeFileAtomic(path.join(dir, `${name}.json`), JSON.stringify(specs));
}

export function readTensors(dir: string, name: string): NamedTensor[] | undefined {
  const bin = path.join(dir, `${name}.bin`);
  if (!fs.existsSync(bin)) return undefined;
  const specs = JSON.parse(fs.readFileSync(path.join(dir, `${name}.json`), 'utf8')) as tf.io.WeightsManifestEntry[];
  const bytes = fs.readFileSync(bin);
  const map = tf.io.decodeWeights(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength), specs);
  return specs.map((s) => ({ name: s.name, tensor: map[s.name] }));
}

/** Writes the checkpoint of `state.epochsDone` and makes it current; older checkpoints are removed afterwards. */
export async function writeCheckpoint(modelDir: string, model: tf.LayersModel, state: CheckpointState, tensors: CheckpointTensors): Promise<void> {
  const epoch = state.epochsDone;
  const folder = `epoch-${epoch}`;
  const dir = path.join(modelDir, FOLDERS, folder);
  // A folder of this epoch can only be left from a trainer killed before its switch: it is not current.
  fs.rmSync(dir, { recursive: true, force: true });
  await saveModel(model, dir, { afterFile: (name) => pauseAt(modelDir, name, epoch) });
  await writeTensors(dir, 'optimizer', tensors.optimizer);
  if (tensors.best) await writeTensors(dir, 'best', tensors.best.map((tensor, i) => ({ name: `w${i}`, tensor })));
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

/** The current checkpoint's model, training state, optimizer state and best weights, if there is one. */
export async function readCheckpoint(modelDir: string): Promise<({ model: tf.LayersModel; state: CheckpointState } & CheckpointTensors) | undefined> {
  const dir = currentCheckpoint(modelDir);
  if (!dir) return undefined;
  const state = JSON.parse(fs.readFileSync(path.join(dir, STATE), 'utf8')) as CheckpointState;
  return { model: await loadModel(dir), state, optimizer: readTensors(dir, 'optimizer') ?? [], best: readTensors(dir, 'best')?.map((t) => t.tensor) };
}
