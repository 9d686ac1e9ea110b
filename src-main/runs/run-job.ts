// Runs one job (job-protocol.ts) in its own process and resolves with its answer.
import type { EntryName, ProcessLauncher } from './launcher';
import type { ImportProgress } from '../data/import/types';
import type { FromJob, Job, JobResults, ToJob } from './job-protocol';

const ENTRY: EntryName = 'job-entry';

/** A job's failure; `missing` when what it was asked for does not exist (a case id), not a failure to read. */
export class JobError extends Error {
  constructor(
    message: string,
    readonly missing = false,
  ) {
    super(message);
  }
}

export function runJob<J extends Job>(launch: ProcessLauncher, job: J, logFile: string, onProgress?: (p: ImportProgress) => void): Promise<JobResults[J['kind']]> {
  return new Promise((resolve, reject) => {
    let settled = false;
    const p = launch<ToJob, FromJob>(ENTRY, { env: {}, logFile });
    p.onMessage((m) => {
      if (settled) return;
      if (m?.type === 'progress') onProgress?.(m.progress);
      else if (m?.type === 'result') {
        settled = true;
        resolve(m.value as JobResults[J['kind']]);
        // The job has answered and does nothing more: it waits to be ended, so that its answer is never cut off.
        p.kill();
      } else if (m?.type === 'error') {
        settled = true;
        reject(new JobError(m.message, m.missing));
        p.kill();
      }
    });
    p.onExit((code, signal) => {
      if (settled) return;
      settled = true;
      reject(new Error(`the ${job.kind} process ended (${signal ? `signal ${signal}` : `code ${code}`}) before answering; see ${logFile}`));
    });
    p.send({ type: 'job', job });
  });
}
