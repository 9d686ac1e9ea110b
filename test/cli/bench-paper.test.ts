// The paper benchmark's report (src-main/cli/bench-paper.ts): each case's table carries the run summary's
// numbers, and each claim's verdict follows from them; a case that could not run says why.
import { describe, expect, it } from 'vitest';
import { PAPER_CASES, paperClaims, paperMarkdown } from '../../src-main/cli/bench-paper';
import type { RunSummary } from '../../src-main/runs/summary';

function summary(acc: { global: number; cnnDnn: number; average: number; vote: number; coherent: number; transfer: number }): RunSummary {
  return {
    runId: 'r1',
    runDir: '/w/runs/r1',
    status: 'completed',
    backend: 'wasm',
    dataset: { name: 'MNIST', inputShape: [28, 28, 1], classes: Array.from({ length: 10 }, (_, i) => String(i)), nTrain: 3000, nVal: 600, nTest: 1000, splitMethod: 'official' },
    decomposition: { grid: [2, 2], overlap: 2 },
    accuracy: { ...acc, local: [0.8, 0.7, 0.75, 0.85] },
    balancedAccuracy: { ...acc, local: [0.8, 0.7, 0.75, 0.85] },
    seconds: { global: 40, globalWall: 50, localMax: 10, localSum: 40, localWall: 20, coarse: 1, cnnDnnWall: 25, totalWall: 200, coherent: 30, coherentWall: 35, transfer: 20, transferWall: 24 },
    params: {},
    restarts: 0,
  };
}

describe('the paper benchmark report', () => {
  it('tables every model with the summary\'s accuracy and wall time, and judges each claim from those numbers', () => {
    const s = summary({ global: 0.9, cnnDnn: 0.93, average: 0.91, vote: 0.92, coherent: 0.94, transfer: 0.95 });
    const md = paperMarkdown([{ case: 'mnist-2x2-overlap2', settings: PAPER_CASES.find((c) => c.name === 'mnist-2x2-overlap2')!.config, summary: s }]).join('\n');
    expect(md).toContain('| global | 90.0% | 50.0 s |');
    expect(md).toContain('| mean of local models | 77.5% | 20.0 s |');
    expect(md).toContain('| CNN-DNN | 93.0% | 25.0 s |');
    expect(md).toContain('| coherent CNN-DNN | 94.0% | 35.0 s |');
    expect(md).toContain('| transfer learning | 95.0% | 24.0 s |');
    expect(md).toContain('3 epochs, batch 64');
    expect(paperClaims(s)).toMatch(/coarse beats averaging and voting: held.*transfer beats CNN-DNN: held.*CNN-DNN as good or better.*ratio 0\.50/);
    const worse = summary({ global: 0.95, cnnDnn: 0.91, average: 0.92, vote: 0.9, coherent: 0.9, transfer: 0.9 });
    expect(paperClaims(worse)).toMatch(/coarse beats averaging and voting: did not hold.*transfer beats CNN-DNN: did not hold.*global better/);
  });

  it('judges the claims by AUC as well for two classes', () => {
    const s = summary({ global: 0.8, cnnDnn: 0.75, average: 0.7, vote: 0.7, coherent: 0.8, transfer: 0.76 });
    s.dataset.classes = ['a', 'b'];
    s.auc = { global: 0.85, cnnDnn: 0.8, average: 0.82, vote: 0.81, local: [0.7, 0.7, 0.7, 0.7], coherent: 0.86, transfer: 0.83 };
    expect(paperClaims(s)).toMatch(/coarse beats averaging and voting: held \(75\.0% vs 70\.0% \/ 70\.0%\); by AUC did not hold \(0\.800 vs 0\.820 \/ 0\.810\)/);
    expect(paperClaims(s)).toMatch(/transfer beats CNN-DNN: held .*; by AUC held \(0\.830 vs 0\.800\)/);
    expect(paperClaims(s)).toMatch(/AUC 0\.800 vs 0\.850 \(global better\)/);
  });

  it('says why a case was not measured', () => {
    const md = paperMarkdown([{ case: 'lidc-2x2x2', settings: PAPER_CASES.find((c) => c.name === 'lidc-2x2x2')!.config, error: 'no such file' }]).join('\n');
    expect(md).toContain('### lidc-2x2x2');
    expect(md).toContain('Not measured: no such file');
  });
});
