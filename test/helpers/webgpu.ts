// Whether this machine has a WebGPU adapter for the webgpu tests (a GPU, or Mesa's lavapipe, which
// .ci/run installs), and if not, why: the tests that need one skip only then, saying so.
import { probeAdapter } from '../../src-main/engine/webgpu-backend';
import type { AdapterFacts } from '../../src-main/engine/backend-info';

export async function findAdapter(): Promise<{ adapter: AdapterFacts; skip?: undefined } | { adapter?: undefined; skip: string }> {
  try {
    return { adapter: await probeAdapter() };
  } catch (err) {
    const skip = `skipped: no WebGPU adapter on this machine (${(err as Error).message}); .ci/run installs Mesa's lavapipe for one`;
    console.warn(skip);
    return { skip };
  }
}
