// `ddcnn bench --only backends`: training samples/s of the reference net (MNIST digits) and of a 3D
// net (the zoo's VGG on 24x32x32 volumes, the LIDC benchmark's shape) on every compute backend that
// loads here, side by side. Each backend runs in its own child process (this CLI again, with
// --backend), since a process holds one backend, and tfjs-node-gpu binds its GPU at start.
import { spawn } from 'node:child_process';
import { BACKEND_NAMES, describeBackend, initBackend } from '../engine/backend';
import { architecture } from '../engine/architecture';
import { buildModel } from '../engine/model-builder';
import { deviceLabel } from '../engine/gpu-devices';
import { measureTraining, referenceNet } from '../engine/throughput';
import { loadDataset } from '../data/load';
import * as tf from '@tensorflow/tfjs';
import { adam } from '../engine/adam';

export interface NetMeasure {
  samplesPerSecond: number;
  batches: number;
  seconds: number;
}

export interface BackendBench {
  backend: string;
  /** Why the backend could not be measured (it did not load, or a measurement failed). */
  error?: string;
  description?: string;
  device?: string;
  referenceNet?: NetMeasure;
  net3d?: NetMeasure & { shape: number[]; width: number; batch: number };
}

/** The 3D net: the zoo's VGG (the global model's family and width for volumes) on LIDC-sized inputs. */
const NET_3D = { family: 'vgg' as const, spatialShape: [24, 32, 32], channels: 1, classes: 2, width: 8 };
const BATCH_3D = 16;

/** Measures both nets on the backend of this process (forced to `name`). */
export async function measureBackendHere(name: string, seconds: number): Promise<BackendBench> {
  const info = await initBackend({ force: name });
  const row: BackendBench = { backend: name, description: describeBackend(info), device: deviceLabel(info) };
  const round = (m: NetMeasure): NetMeasure => ({ samplesPerSecond: Math.round(m.samplesPerSecond * 10) / 10, batches: m.batches, seconds: Math.round(m.seconds * 10) / 10 });

  const mnist = (await loadDataset('mnist')).splits.train!;
  const ref = referenceNet();
  row.referenceNet = round(await measureTraining(ref, mnist.x, mnist.y, { sampleShape: [28, 28, 1], classes: 10, batch: 64, batches: 1000, warmup: 3, seconds }));
  ref.dispose();

  // Synthetic volumes: a step's cost does not depend on the values, only on the shapes.
  const arch = architecture(NET_3D);
  const model = buildModel(arch, 1);
  model.compile({ optimizer: adam(1e-3), loss: 'categoricalCrossentropy', metrics: ['accuracy'] });
  const n = BATCH_3D * 4;
  const voxels = NET_3D.spatialShape.reduce((a, b) => a * b, 1);
  const x = Float32Array.from({ length: n * voxels }, (_, i) => ((i * 2654435761) % 1000) / 1000);
  const y = Int32Array.from({ length: n }, (_, i) => i % 2);
  const m3 = await measureTraining(model, x, y, { sampleShape: [...NET_3D.spatialShape, 1], classes: 2, batch: BATCH_3D, batches: 1000, warmup: 2, seconds });
  model.dispose();
  row.net3d = { ...round(m3), shape: NET_3D.spatialShape, width: NET_3D.width, batch: BATCH_3D };
  return row;
}

/** Runs `ddcnn bench --only backends --backend <name> --json` for every backend, one after another. */
export async function benchBackends(o: { seconds: number; onStart?: (backend: string) => void }): Promise<BackendBench[]> {
  const rows: BackendBench[] = [];
  for (const name of BACKEND_NAMES) {
    o.onStart?.(name);
    rows.push(await inChild(name, o.seconds));
  }
  return rows;
}

function inChild(name: string, seconds: number): Promise<BackendBench> {
  return new Promise((resolve) => {
    const args = [...process.execArgv, process.argv[1], 'bench', '--only', 'backends', '--backend', name, '--seconds', String(seconds), '--json'];
    const child = spawn(process.execPath, args, { env: { ...process.env, DDCNN_BACKEND: name }, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (err += d));
    child.on('close', (code) => {
      const last = out.trim().split('\n').at(-1) ?? '';
      try {
        resolve(JSON.parse(last) as BackendBench);
      } catch {
        const reason = err.split('\n').filter((l) => l.trim() !== '' && !l.startsWith('Warning:')).at(-1) ?? `exited with code ${code}`;
        resolve({ backend: name, error: reason.trim() });
      }
    });
  });
}

/** The side-by-side table. */
export function backendsMarkdown(rows: BackendBench[]): string[] {
  const rate = (m?: NetMeasure) => (m === undefined ? '-' : `${m.samplesPerSecond} (${m.batches} batches, ${m.seconds} s)`);
  const lines = ['', '## Compute backends: training samples/s, one process each', ''];
  lines.push('| backend | device | reference net, MNIST 28x28, batch 64 | 3D VGG 24x32x32 width 8, batch 16 |', '|---|---|---|---|');
  for (const r of rows) {
    if (r.error !== undefined) lines.push(`| ${r.backend} | not measured: ${r.error.replace(/\|/g, '/')} | - | - |`);
    else lines.push(`| ${r.backend} | ${r.device} | ${rate(r.referenceNet)} | ${rate(r.net3d)} |`);
  }
  return lines;
}
