// `ddcnn report <run> [--out report.html] [--pdf]`: the run's self-contained HTML report (src-main/runs/report.ts),
// and a PDF of it printed by Chromium.
import path from 'node:path';
import type { Command } from 'commander';
import { writeFileAtomic } from '../engine/model-io';
import { runReportHtml } from '../runs/report';
import { printPdf } from '../runs/report-pdf';
import { readRunRecord } from '../runs/run-record';

export function reportCommand(program: Command): void {
  program
    .command('report')
    .description('write a completed run\'s report: one self-contained HTML file (settings, data and split, decomposition, metrics with intervals, confusion matrices, ROC and training curves, timings, backend, cohorts, citation)')
    .argument('<run>', 'run folder')
    .option('--out <file.html>', 'where to write it (default: <run>/report.html)')
    .option('--pdf', 'also print it to a PDF beside it, with Chromium')
    .action(async (run: string, o) => {
      const runDir = path.resolve(run);
      const out = path.resolve(o.out ?? path.join(runDir, 'report.html'));
      writeFileAtomic(out, runReportHtml(runDir, readRunRecord(runDir)));
      process.stdout.write(`report: ${out}\n`);
      if (o.pdf) {
        const pdf = out.replace(/\.html?$/i, '') + '.pdf';
        await printPdf(runReportHtml(runDir, readRunRecord(runDir)), pdf);
        process.stdout.write(`pdf: ${pdf}\n`);
      }
    });
}
