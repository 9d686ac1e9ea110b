// The local executor trains the next model of a slot in the process of the model that finished there, instead
// of starting a new one. Real runs on real MNIST digits, real trainer processes.
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { executeRun, type RunEvent } from '../../src-main/runs/execute-run';
import { forkLauncher, type TrainerLauncher } from '../../src-main/runs/launcher';
import { runLayout } from '../../src-main/runs/layout';
import { createSmallRun, processAlive, tempWorkspace } from '../helpers/runs';

const config = { epochs: 1, limit: 200, limitTest: 100, width: 4 };
const MODELS = ['local-0', 'local-1', 'local-2', 'local-3', 'coarse', 'global'];

/** forkLauncher, keeping the log file and the process of every launch. */
function recording(launches: { log: string; pid: number | undefined }[]): TrainerLauncher {
  return (o) => {
    const proc = forkLauncher(o);
    launches.push({ log: o.logFile, pid: proc.pid });
    return proc;
  };
}

/** The model each trainer's `started` event came from, by process id. */
function startedBy(events: RunEvent[]): Map<string, number> {
  const pids = new Map<string, number>();
  for (const e of events) if (e.type === 'started') pids.set(e.model, e.pid);
  return pids;
}

describe('trainer processes going on to the next model of their slot', () => {
  it('trains six models in the two processes of two slots, each later model writing in its log where its output is', async () => {
    const runDir = await createSmallRun(tempWorkspace(), config);
    const launches: { log: string; pid: number | undefined }[] = [];
    const events: RunEvent[] = [];
    const rec = await executeRun(runDir, { launcher: recording(launches), workers: 2, onEvent: (e) => events.push(e) }).done;
    expect(rec.status, rec.error).toBe('completed');
    expect(MODELS.every((m) => rec.models[m].state === 'done')).toBe(true);
    expect(rec.restarts).toEqual([]);

    const L = runLayout(runDir);
    // Two processes, started for the first two local models.
    expect(launches.map((l) => path.basename(l.log)).sort()).toEqual(['local-0.log', 'local-1.log']);
    const pids = startedBy(events);
    expect(new Set(pids.values())).toEqual(new Set(launches.map((l) => l.pid)));
    for (const model of MODELS.slice(2)) {
      const host = launches.find((l) => l.pid === pids.get(model))!;
      // The model's own log points to the log of the process it trained in, which marks where its output begins.
      expect(fs.readFileSync(L.log(model), 'utf8')).toContain(`${model} trains in process ${host.pid}, started for an earlier model: its output is in ${host.log}`);
      expect(fs.readFileSync(host.log, 'utf8')).toMatch(new RegExp(`--- ${model} \\(model \\d of this process\\) ---`));
    }
    expect(launches.every((l) => !processAlive(l.pid!))).toBe(true);
  });

  it('gives a model trained after others in one process the same outputs, bit for bit, as in a process of its own', async () => {
    // One slot: all six models train one after another in one process. Six slots: each has its own.
    const shared = await createSmallRun(tempWorkspace(), config);
    const ownLaunches: { log: string; pid: number | undefined }[] = [];
    const sharedLaunches: { log: string; pid: number | undefined }[] = [];
    const sharedRec = await executeRun(shared, { launcher: recording(sharedLaunches), workers: 1 }).done;
    const own = await createSmallRun(tempWorkspace(), config);
    const ownRec = await executeRun(own, { launcher: recording(ownLaunches), workers: 6 }).done;
    expect(sharedRec.status, sharedRec.error).toBe('completed');
    expect(ownRec.status, ownRec.error).toBe('completed');
    expect(sharedLaunches).toHaveLength(1);
    expect(ownLaunches).toHaveLength(6);

    const [S, O] = [runLayout(shared), runLayout(own)];
    for (const model of MODELS) {
      for (const split of model.startsWith('local') ? (['train', 'val', 'test'] as const) : (['val', 'test'] as const)) {
        expect(fs.readFileSync(S.probs(model, split)).equals(fs.readFileSync(O.probs(model, split))), `${model} ${split}`).toBe(true);
      }
    }
  });
});
