// Peak resident memory of the current process, as import workers, trainers and the run orchestrator report
// it. In the data layer, the lowest one, so that every layer above can use it (DESIGN.md section 2).
import { readFileSync, writeFileSync } from 'node:fs';

/** VmHWM in MB on Linux; the current RSS elsewhere (the best a portable process can tell). */
export function peakRssMB(): number {
  try {
    const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync('/proc/self/status', 'utf8'));
    if (m) return Number(m[1]) / 1024;
  } catch {
    // not Linux
  }
  return process.memoryUsage().rss / 2 ** 20;
}

/**
 * Starts the peak over from the current RSS (Linux: clear_refs 5 resets VmHWM), so that a process that does
 * one piece of work after another reports each one's own peak. Elsewhere there is nothing to reset.
 */
export function resetPeakRss(): void {
  try {
    writeFileSync('/proc/self/clear_refs', '5');
  } catch {
    // not Linux, or a kernel that does not allow it: the peak stays the process's
  }
}
