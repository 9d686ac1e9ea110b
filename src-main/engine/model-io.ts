// Saving and loading tfjs Layers models in the standard tfjs format (model.json + weights.bin) on the
// local file system. tfjs only ships a file:// handler with tfjs-node, which is optional here, so
// this small handler serves every backend.
import * as tf from '@tensorflow/tfjs';
import fs from 'node:fs';
import path from 'node:path';

const MODEL_JSON = 'model.json';
const WEIGHTS_BIN = 'weights.bin';

/**
 * Writes atomically and durably: a temp file, flushed to the disk, renamed into place, and the folder
 * flushed too, so that neither a killed process nor a power cut leaves a torn or vanished file.
 */
export function writeFileAtomic(file: string, data: string | Uint8Array): void {
  const tmp = `${file}.tmp-${process.pid}`;
  const fd = fs.openSync(tmp, 'w');
  try {
    fs.writeFileSync(fd, data);
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
  fs.renameSync(tmp, file);
  syncFolder(path.dirname(file));
}

/** Flushes a folder's entries (a rename, a new file) to the disk; a no-op where folders cannot be opened (Windows). */
export function syncFolder(dir: string): void {
  let fd: number | undefined;
  try {
    fd = fs.openSync(dir, 'r');
    fs.fsyncSync(fd);
  } catch {
    // Windows cannot open a folder for fsync; NTFS journals the rename itself.
  } finally {
    if (fd !== undefined) fs.closeSync(fd);
  }
}

function weightBytes(data: ArrayBuffer | ArrayBuffer[] | undefined): Uint8Array {
  if (!data) return new Uint8Array(0);
  if (Array.isArray(data)) return new Uint8Array(tf.io.concatenateArrayBuffers(data));
  return new Uint8Array(data);
}

export interface SaveOptions {
  includeOptimizer?: boolean;
  /** Called after each file is written (weights.bin, then model.json); checkpoint tests pause a trainer there. */
  afterFile?: (name: string) => Promise<void>;
}

export async function saveModel(model: tf.LayersModel, dir: string, opts: SaveOptions = {}): Promise<void> {
  fs.mkdirSync(dir, { recursive: true });
  await model.save(
    tf.io.withSaveHandler(async (artifacts) => {
      // Weights first, the manifest last: a model.json on disk always refers to complete weights.
      writeFileAtomic(path.join(dir, WEIGHTS_BIN), weightBytes(artifacts.weightData as ArrayBuffer | ArrayBuffer[] | undefined));
      await opts.afterFile?.(WEIGHTS_BIN);
      const json = {
        format: 'layers-model',
        generatedBy: `TensorFlow.js tfjs-layers v${tf.version.tfjs}`,
        convertedBy: null,
        modelTopology: artifacts.modelTopology,
        trainingConfig: artifacts.trainingConfig,
        weightsManifest: [{ paths: [`./${WEIGHTS_BIN}`], weights: artifacts.weightSpecs }],
      };
      writeFileAtomic(path.join(dir, MODEL_JSON), JSON.stringify(json));
      await opts.afterFile?.(MODEL_JSON);
      return { modelArtifactsInfo: tf.io.getModelArtifactsInfoForJSON(artifacts) };
    }),
    { includeOptimizer: opts.includeOptimizer ?? false },
  );
}

export function modelExists(dir: string): boolean {
  return fs.existsSync(path.join(dir, MODEL_JSON)) && fs.existsSync(path.join(dir, WEIGHTS_BIN));
}

export async function loadModel(dir: string): Promise<tf.LayersModel> {
  const jsonPath = path.join(dir, MODEL_JSON);
  let json: { modelTopology: object; trainingConfig?: tf.io.TrainingConfig; weightsManifest: { weights: tf.io.WeightsManifestEntry[] }[] };
  try {
    json = JSON.parse(fs.readFileSync(jsonPath, 'utf8'));
  } catch (e) {
    throw new Error(`cannot read model ${jsonPath}: ${(e as Error).message}`);
  }
  const bytes = fs.readFileSync(path.join(dir, WEIGHTS_BIN));
  const weightData = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength);
  const weightSpecs = json.weightsManifest.flatMap((g) => g.weights);
  return tf.loadLayersModel(
    tf.io.fromMemory({ modelTopology: json.modelTopology, weightSpecs, weightData, trainingConfig: json.trainingConfig }),
  );
}
