// Helpers for tests that create and train real (small) runs in a temporary workspace.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createRun } from '../../src-main/runs/create-run';
import type { RunConfig } from '../../src-main/runs/run-config';

export function tempWorkspace(prefix = 'ddcnn-test-'): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

/** A small but real MNIST run: 2x2 subdomains, a few hundred training digits. */
export const smallMnist: RunConfig = {
  data: 'mnist',
  grid: [2, 2],
  overlap: 2,
  family: 'vgg',
  width: 8,
  epochs: 3,
  batch: 32,
  learningRate: 2e-3,
  seed: 7,
  global: true,
  limit: 600,
  limitTest: 200,
  // Out-of-fold inputs (the default below 5,000 cases) would train k more trainers per subdomain; the tests of
  // that mode ask for it (test/runs/coarse-inputs.test.ts).
  coarseInputs: 'train',
};

export async function createSmallRun(workspace: string, overrides: Partial<RunConfig> = {}): Promise<string> {
  return createRun(workspace, { ...smallMnist, ...overrides });
}

export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
