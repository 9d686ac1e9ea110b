import os from 'node:os';
import { defineConfig } from 'vitest/config';

// Tests train real (small) models; each file runs in its own fork so that the wasm backend and
// the kernels the project registers start clean.
export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // A one-node Slurm cluster for test/runs/slurm-*.test.ts (started only when Slurm is installed).
    globalSetup: ['test/helpers/slurm-cluster.ts'],
    pool: 'forks',
    // At least two files at once, even on 2 cores (vitest's default there is one): a file keeps the cores
    // only partly busy while its trainer processes start, Slurm schedules or a browser renders. Measured
    // here on 2 cores: 655 s one at a time, 431 s two at a time, the same 775 tests passing.
    maxWorkers: Math.max(2, os.availableParallelism() - 1),
    testTimeout: 120_000,
    hookTimeout: 120_000,
  },
});
