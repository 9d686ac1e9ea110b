// Peak memory of the current process, for run.json and the benchmark.
import fs from 'node:fs';

/** Peak resident memory of this process in MB (VmHWM on Linux; the current RSS elsewhere). */
export function peakRssMB(): number {
  try {
    const m = /VmHWM:\s+(\d+) kB/.exec(fs.readFileSync('/proc/self/status', 'utf8'));
    if (m) return Number(m[1]) / 1024;
  } catch {
    // not Linux: fall through
  }
  return process.memoryUsage().rss / 2 ** 20;
}
