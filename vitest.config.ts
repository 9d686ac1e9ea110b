import { defineConfig } from 'vitest/config';

// Tests train real (small) models; each file runs in its own fork so that the wasm backend and
// the kernels the project registers start clean.
export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // A one-node Slurm cluster for test/runs/slurm-*.test.ts (started only when Slurm is installed).
    globalSetup: ['test/helpers/slurm-cluster.ts'],
    pool: 'forks',
    testTimeout: 120_000,
    hookTimeout: 120_000,
  },
});
