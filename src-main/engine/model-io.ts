// Saving and loading tfjs Layers models in the standard tfjs format (model.json + weights.bin) on the
// local file system. tfjs only ships a file:// handler with tfjs-node, which is optional here, so
// this small handler serves every backend.
import * as tf from '@tensorflow/tfjs';
import fs from 'node:fs';
import path from 'node:path';

const MODEL_JSON = 'model.json';
const WEIGHTS_BIN = 'weights.bin';

/** Writes atomically (temp file + rename) so that a trainer killed mid-save never leaves a torn checkpoint. */
export function writeFileAtomic(file: string, data: string | Uint8Array): void {
  const tmp = `${file}.tmp-${process.pid}`;
  fs.writeFileSync(tmp, data);
  fs.renameSync(tmp, file);
}

function weightBytes(data: ArrayBuffer | ArrayBuffer[] | undefined): Uint8Array {
  if (!data) return new Uint8Array(0);
  if (Array.isArray(data)) return new Uint8Array(tf.io.concatenateArrayBuffers(data));
  return new Uint8Array(data);
}

export async function saveModel(model: tf.LayersModel, dir: string, opts: { includeOptimizer?: boolean } = {}): Promise<void> {
  fs.mkdirSync(dir, { recursive: true });
  await model.save(
    tf.io.withSaveHandler(async (artifacts) => {
      // Weights first, the manifest last: a model.json on disk always refers to complete weights.
      writeFileAtomic(path.join(dir, WEIGHTS_BIN), weightBytes(artifacts.weightData as ArrayBuffer | ArrayBuffer[] | undefined));
      const json = {
        format: 'layers-model',
        generatedBy: `TensorFlow.js tfjs-layers v${tf.version.tfjs}`,
        convertedBy: null,
        modelTopology: artifacts.modelTopology,
        trainingConfig: artifacts.trainingConfig,
        weightsManifest: [{ paths: [`./${WEIGHTS_BIN}`], weights: artifacts.weightSpecs }],
      };
      writeFileAtomic(path.join(dir, MODEL_JSON), JSON.stringify(json));
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
