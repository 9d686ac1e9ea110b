// Progress of an import on stderr: a bar with the cases done and the time left on a terminal, a plain line
// every few seconds otherwise (logs, CI), in the style of the run progress (progress.ts).
import cliProgress from 'cli-progress';
import type { ImportProgress } from '../data/import/types';
import { eta } from './progress';

const PHASE: Record<ImportProgress['phase'], string> = { scan: 'scanning', inspect: 'inspecting', build: 'building' };

/** Plain lines at most this often (and at the end of each phase) when stderr is not a terminal. */
const LINE_EVERY_MS = 5000;

export function importProgressReporter(): { onProgress: (p: ImportProgress) => void; close: () => void } {
  const tty = Boolean(process.stderr.isTTY);
  let bar: cliProgress.SingleBar | undefined;
  let phase: ImportProgress['phase'] | undefined;
  let lastLine = 0;
  const onProgress = (p: ImportProgress) => {
    if (p.phase !== phase) {
      bar?.stop();
      bar = undefined;
      phase = p.phase;
      if (p.phase === 'scan') process.stderr.write('scanning the source for cases...\n');
    }
    if (p.phase === 'scan') return;
    const payload = { phase: PHASE[p.phase], left: eta(p.etaSeconds), current: p.current ?? '' };
    if (tty) {
      if (!bar) {
        bar = new cliProgress.SingleBar(
          { stream: process.stderr, format: '{phase} |{bar}| {value}/{total} cases | ETA {left} | {current}', barsize: 24, hideCursor: true, clearOnComplete: false },
          cliProgress.Presets.shades_classic,
        );
        bar.start(p.total, p.done, payload);
      }
      bar.update(p.done, payload);
      return;
    }
    const now = Date.now();
    if (p.done === p.total || now - lastLine >= LINE_EVERY_MS) {
      lastLine = now;
      process.stderr.write(`${payload.phase}: ${p.done}/${p.total} cases, ETA ${payload.left}\n`);
    }
  };
  return { onProgress, close: () => bar?.stop() };
}
