// A trainer's events as JSON lines in a file of the run folder: how a trainer that runs as a cluster job
// (no IPC channel to the orchestrator) reports started, progress, epoch, checkpoint, done and error. The
// trainer appends; the orchestrator polls from a byte offset (no file watching: inotify does not see writes
// made on another node of a shared filesystem).
import fs from 'node:fs';
import path from 'node:path';
import type { FromTrainer } from './protocol';

export function appendEvent(file: string, e: FromTrainer): void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.appendFileSync(file, JSON.stringify(e) + '\n');
}

/** Reads the complete lines appended to `file` since `offset`; a line still being written is left for later. */
export function eventFollower(file: string, offset = 0) {
  let pos = offset;
  return {
    get offset() {
      return pos;
    },
    /** Calls `cb` for each new event, with the offset just past its line already current. */
    poll(cb: (e: FromTrainer) => void): void {
      let fd: number;
      try {
        fd = fs.openSync(file, 'r');
      } catch {
        return; // not written yet
      }
      try {
        const size = fs.fstatSync(fd).size;
        if (size <= pos) return;
        const buf = Buffer.alloc(size - pos);
        fs.readSync(fd, buf, 0, buf.length, pos);
        let start = 0;
        for (let nl = buf.indexOf(10); nl >= 0; nl = buf.indexOf(10, start)) {
          const line = buf.subarray(start, nl).toString('utf8');
          start = nl + 1;
          pos += Buffer.byteLength(line) + 1;
          let e: FromTrainer;
          try {
            e = JSON.parse(line);
          } catch {
            continue; // a torn line (a trainer killed mid-write); the next one starts clean
          }
          cb(e);
        }
      } finally {
        fs.closeSync(fd);
      }
    },
  };
}

/** The size of `file` now (0 when it does not exist): where a new trainer's events will start. */
export function eventFileEnd(file: string): number {
  return fs.statSync(file, { throwIfNoEntry: false })?.size ?? 0;
}
