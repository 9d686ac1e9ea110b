// Live progress of a run on stderr: one bar per model on a terminal, plain lines otherwise (logs, CI).
import cliProgress from 'cli-progress';
import type { RunEvent } from '../runs/execute-run';
import { describeBackend } from '../engine/backend';

/** Seconds left as `1m05s` or `42s`; `--` while unknown. */
export function eta(seconds: number | undefined): string {
  if (seconds === undefined || !Number.isFinite(seconds)) return '--';
  const s = Math.round(seconds);
  return s >= 60 ? `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s` : `${s}s`;
}

export function progressReporter(quiet = false): { onEvent: (e: RunEvent) => void; close: () => void } {
  const tty = process.stderr.isTTY && !quiet;
  const multi = tty
    ? new cliProgress.MultiBar(
        {
          stream: process.stderr,
          format: '{model} |{bar}| {percentage}% | epoch {epoch}/{epochs} | loss {loss} acc {acc} | {rate}/s | ETA {left} {state}',
          barsize: 24,
          hideCursor: true,
          clearOnComplete: false,
          autopadding: true,
        },
        cliProgress.Presets.shades_classic,
      )
    : undefined;
  const bars = new Map<string, cliProgress.SingleBar>();
  const line = (s: string) => (multi ? multi.log(s + '\n') : quiet ? undefined : process.stderr.write(s + '\n'));
  const bar = (model: string) => {
    let b = bars.get(model);
    if (!b && multi) {
      b = multi.create(1000, 0, { model: model.padEnd(8), epoch: 0, epochs: '?', loss: '-', acc: '-', rate: '-', left: '--', state: '' });
      bars.set(model, b);
    }
    return b;
  };
  const onEvent = (e: RunEvent) => {
    switch (e.type) {
      case 'backend':
        line(`${describeBackend(e.info)}; ${e.executor && e.executor !== 'local' ? `every model a ${e.executor} job` : `${e.workers} trainer process(es) at a time`}`);
        break;
      case 'phase':
        if (e.models.length) line(`stage: ${e.phase} (${e.models.join(', ')})`);
        break;
      case 'launch':
        bar(e.model)?.update({ state: e.attempt > 1 ? `(attempt ${e.attempt})` : '' });
        break;
      case 'progress': {
        const done = (e.epoch + e.batch / e.batches) / e.epochs;
        bar(e.model)?.update(Math.round(done * 1000), {
          epoch: e.epoch + 1,
          epochs: e.epochs,
          loss: e.loss.toFixed(3),
          acc: e.accuracy.toFixed(3),
          rate: Math.round(e.samplesPerSecond),
          left: eta(e.etaSeconds),
        });
        break;
      }
      case 'epoch':
        if (!multi) line(`${e.model}: epoch ${e.epoch}/${e.epochs} loss ${e.loss.toFixed(4)} acc ${e.accuracy.toFixed(4)} val_loss ${e.valLoss.toFixed(4)} val_acc ${e.valAccuracy.toFixed(4)} (${e.seconds.toFixed(1)}s)`);
        break;
      case 'done':
        bar(e.model)?.update(1000, { state: 'done' });
        if (!multi) line(`${e.model}: done in ${e.trainSeconds.toFixed(1)}s (${Math.round(e.samplesPerSecond)} samples/s, ${e.params} parameters)`);
        break;
      case 'restart':
        line(`${e.model}: trainer died (${e.reason}); restarting from its last checkpoint (attempt ${e.attempt})`);
        break;
      case 'job':
        line(`${e.model}: ${e.executor} job ${e.id} ${e.state}${e.node ? ` on ${e.node}` : ''}${e.reason ? ` (${e.reason})` : ''}`);
        break;
      case 'attach':
        line(`${e.model}: re-attached to job ${e.job}, submitted by an earlier execution`);
        break;
      case 'error':
        line(`${e.model}: error: ${e.message.split('\n')[0]}`);
        break;
    }
  };
  return { onEvent, close: () => multi?.stop() };
}
