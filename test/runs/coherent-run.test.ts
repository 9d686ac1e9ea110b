// The coherent variants as stages of a run (`--variants coherent,transfer`): Ctrl-C in the coherent stage
// and a resume from its last common checkpoint, a branch killed mid-epoch (the stage restarts from it), transfer learning starting from the run's own trained
// local and coarse models, and both variants in eval.json and the summary.
import fs from 'node:fs';
import { describe, expect, it } from 'vitest';
import { executeRun } from '../../src-main/runs/execute-run';
import { forkLauncher } from '../../src-main/runs/launcher';
import { readRunRecord } from '../../src-main/runs/run-record';
import { runLayout, readF32 } from '../../src-main/runs/layout';
import { readEval, summarizeRun, summaryTable } from '../../src-main/runs/summary';
import { readCacheManifest } from '../../src-main/data/cache';
import { metricsFromProbs } from '../../src-main/engine/metrics';
import { initBackend } from '../../src-main/engine/backend';
import { CoherentGroup, readCommonCheckpoint } from '../../src-main/runs/coherent-parallel';
import { coherentJobs, partLauncher, variantSettings } from '../../src-main/runs/coherent-stage';
import { coherentLayout } from '../../src-main/runs/coherent-protocol';
import { testCase } from '../../src-main/api/run-handlers';
import { decisionRows } from '../../src-renderer/lib/fusion-view';
import { createSmallRun, tempWorkspace } from '../helpers/runs';

const weightsOf = (file: string) => readF32(file);

describe('a run with the coherent variants', () => {
  it('stops in the coherent stage, resumes from its common checkpoint, restarts the stage from it when a branch is killed, starts transfer learning from its own CNN-DNN and reports both variants (table, summary, Inspect)', async () => {
    const runDir = await createSmallRun(tempWorkspace(), { epochs: 2, limit: 240, limitTest: 80, width: 4, global: false, learningRate: 5e-3, variants: ['coherent', 'transfer'], coherentEpochs: 3, transferEpochs: 1 });
    const handle = executeRun(runDir, {
      launcher: forkLauncher,
      workers: 2,
      onEvent: (e) => {
        if (e.type === 'epoch' && e.model === 'coherent' && e.epoch === 1) handle.stop();
      },
    });
    const interrupted = await handle.done;
    expect(interrupted.status, interrupted.error).toBe('interrupted');
    expect(interrupted.variants?.coherent?.state).toBe('queued');
    expect(readCommonCheckpoint(runDir, 'coherent').epochsDone).toBe(1);

    // The resumed execution loses a branch process in the middle of the coherent stage's second epoch: the
    // whole stage restarts on its own from the common checkpoint of epoch 1.
    let branchPid: number | undefined;
    let killed = false;
    const resumed = await executeRun(runDir, {
      launcher: forkLauncher,
      workers: 2,
      onEvent: (e) => {
        if (e.type === 'started' && e.model === 'coherent') branchPid = e.pid;
        if (e.type === 'progress' && e.model === 'coherent' && e.epoch === 1 && e.batch >= 2 && !killed) {
          killed = true;
          process.kill(branchPid!, 'SIGKILL');
        }
      },
    }).done;
    expect(resumed.status, resumed.error).toBe('completed');
    expect(killed).toBe(true);
    expect(resumed.restarts).toEqual([expect.objectContaining({ model: 'coherent', resumedFromEpoch: 1, reason: expect.stringMatching(/local-0 exited with signal SIGKILL/) })]);
    const rec = readRunRecord(runDir);
    expect(rec.variants?.coherent).toMatchObject({ state: 'done', epochsRun: 3, epochs: 3 });
    expect(rec.variants?.transfer).toMatchObject({ state: 'done', epochsRun: 1, learningRate: 5e-4 });
    // Every coherent epoch was completed once: the resume and the restart went on from epoch 1.
    const L = runLayout(runDir);
    const metricLines = fs.readFileSync(L.metrics, 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    expect(metricLines.filter((m) => m.type === 'epoch' && m.model === 'coherent').map((m) => m.epoch)).toEqual([1, 2, 3]);

    // eval.json and the summary: both variants, with the metrics of the probabilities their stages wrote.
    const ev = readEval(runDir);
    const labels = readCacheManifest(L.cache).splits.test.labels;
    for (const v of ['coherent', 'transfer'] as const) {
      const probs = readF32(coherentLayout(runDir, v).probs);
      expect(ev.models[v].accuracy).toBeCloseTo(metricsFromProbs(probs, labels, 10).accuracy, 10);
      expect(ev.samples[0][`${v}Local`]).toHaveLength(4);
    }
    const summary = summarizeRun(runDir, rec, ev);
    expect(summary.accuracy.coherent).toBe(ev.models.coherent.accuracy);
    expect(summary.balancedAccuracy.transfer).toBe(ev.models.transfer.balancedAccuracy);
    expect(summary.seconds.coherent).toBeGreaterThan(0);
    expect(summary.seconds.transferWall).toBeGreaterThan(summary.seconds.transfer!);
    expect(summary.params.coherent).toBe(['local-0', 'local-1', 'local-2', 'local-3', 'coarse'].reduce((s, m) => s + rec.models[m].params, 0));
    expect(summaryTable(rec, ev)).toMatch(/coherent CNN-DNN[\s\S]*transfer learning/);
    // Inspect's test case: both variants' decisions, and their branches' outputs beside the CNN-DNN's locals.
    const shown = testCase(runDir, rec, ev, 0);
    expect(shown.variants?.map((v) => v.key)).toEqual(['coherent', 'transfer']);
    expect(shown.variants![0].subdomains).toEqual(ev.samples[0].coherentLocal);
    expect(shown.variants![1].probs).toEqual(ev.samples[0].transfer);
    expect(decisionRows(shown).map((r) => r.key)).toEqual(['cnnDnn', 'average', 'vote', 'coherent', 'transfer']);
    // The coherent model learned more than chance (10 classes) on 240 digits in 3 epochs.
    expect(ev.models.coherent.accuracy).toBeGreaterThan(0.2);

    // Transfer learning starts from this run's trained local and coarse models, bit for bit.
    expect(variantSettings(rec, 'transfer').learningRate).toBe(5e-4);
    const group = await CoherentGroup.start(coherentJobs(runDir, rec, 'transfer', (await initBackend()).name), partLauncher(forkLauncher));
    try {
      const start = await group.weights();
      ['local-0', 'local-1', 'local-2', 'local-3', 'coarse'].forEach((m, p) => {
        const saved = weightsOf(`${L.model(m)}/weights.bin`);
        const flat = new Float32Array(start[p].reduce((n, w) => n + w.length, 0));
        let at = 0;
        for (const w of start[p]) {
          flat.set(w, at);
          at += w.length;
        }
        expect(flat).toEqual(saved);
      });
    } finally {
      group.close();
    }
  });
});
