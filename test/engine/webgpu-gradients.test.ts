// Gradient checks, webgpu against cpu, of every layer type the model zoo uses: the cases of
// ../helpers/zoo-gradient-cases.ts (the same ones wasm is checked on), run through the webgpu backend
// that initBackend sets up (Dawn's Node bindings; here Mesa's lavapipe, a software Vulkan driver, where
// no GPU is present). Tolerance 1e-4 on the normwise relative error of every gradient tensor.
// The largest error of each case is written to test-artifacts/webgpu-gradients.md.
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectSameGradients, ZOO_GRADIENT_CASES } from '../helpers/zoo-gradient-cases';
import { findAdapter } from '../helpers/webgpu';
import { initBackend } from '../../src-main/engine/backend';
import { adapterLabel } from '../../src-main/engine/webgpu-backend';

const found = await findAdapter();
const errors: { group: string; title: string; error: number }[] = [];

describe.skipIf(found.skip !== undefined)(`webgpu gradients against cpu ${found.skip ?? ''}`, () => {
  beforeAll(async () => {
    expect((await initBackend({ force: 'webgpu' })).name).toBe('webgpu');
  });

  for (const c of ZOO_GRADIENT_CASES) {
    it(`${c.group}: ${c.title}`, async () => {
      errors.push({ group: c.group, title: c.title, error: await expectSameGradients('webgpu', c) });
    });
  }

  afterAll(() => {
    if (errors.length === 0) return;
    const table = [
      `Gradient checks, webgpu on ${adapterLabel(found.adapter!)} against cpu: largest normwise relative error over each case's gradients (tolerance 1e-4)`,
      '',
      '| layer type | case | max relative error |',
      '|---|---|---|',
      ...errors.map((e) => `| ${e.group} | ${e.title} | ${e.error.toExponential(2)} |`),
    ].join('\n');
    console.log(table);
    fs.mkdirSync('test-artifacts', { recursive: true });
    fs.writeFileSync(path.join('test-artifacts', 'webgpu-gradients.md'), table + '\n');
  });
});
