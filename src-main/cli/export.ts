// `ddcnn export <run> --out <folder>`: the run's models as one documented folder (src-main/runs/export-model.ts).
import path from 'node:path';
import type { Command } from 'commander';
import { exportRun } from '../runs/export-model';

export function exportCommand(program: Command): void {
  program
    .command('export')
    .description('write a completed run\'s models (local, coarse with its feature scaling, global), its recipe and decomposition as one folder: tfjs layers models plus ddcnn-model.json')
    .argument('<run>', 'run folder')
    .requiredOption('--out <folder>', 'a new or empty folder')
    .option('--json', 'print ddcnn-model.json')
    .action((run: string, o) => {
      const m = exportRun(path.resolve(run), o.out);
      if (o.json) process.stdout.write(JSON.stringify(m) + '\n');
      else process.stdout.write(`exported run ${m.run.id} to ${path.resolve(o.out)}: ${m.models.locals.length} local models, coarse${m.models.global ? ', global' : ''}; predict with: ddcnn predict --model ${o.out} <input>\n`);
    });
}
