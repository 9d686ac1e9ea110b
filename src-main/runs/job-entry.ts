// Entry module of a job process (job-protocol.ts): creating a run, predicting with a finished run. Like
// trainer-entry.ts it runs under child_process.fork (CLI, server, tests) and under Electron's
// utilityProcess.fork (desktop app); only the message port differs.
import { createRun } from './create-run';
import { predictCase, predictCaseWithExport } from './predict';
import { predictCohort } from './cohort';
import { initBackend } from '../engine/backend';
import { inspectArrays, MissingCaseError, readCaseVolume } from '../data/data-reading';
import type { FromJob, Job, ToJob } from './job-protocol';
import { onParentMessage, sendToParent } from '../platform/parent-port';

const send = (m: FromJob): Promise<void> => sendToParent(m);

function run(job: Job): Promise<unknown> {
  switch (job.kind) {
    case 'create-run':
      return createRun(job.workspace, job.config, { onImportProgress: (progress) => void send({ type: 'progress', progress }) });
    case 'predict':
      return predictCase(job.runDir, job.source);
    case 'predict-model':
      return predictCaseWithExport(job.model, job.source);
    case 'cohort':
      return predictCohort(job.runDir, job.source, { onProgress: (progress) => void send({ type: 'progress', progress }) });
    case 'inspect-arrays':
      return inspectArrays(job.source);
    case 'read-case':
      return readCaseVolume(job.source, job.sourceKind, job.caseId);
    case 'backend-info':
      return initBackend({ force: job.force });
  }
}

let started = false;

async function onMessage(m: ToJob): Promise<void> {
  if (m?.type !== 'job' || started) return;
  started = true;
  let code = 0;
  try {
    await send({ type: 'result', value: await run(m.job) });
  } catch (e) {
    await send({ type: 'error', message: (e as Error).message ?? String(e), missing: e instanceof MissingCaseError });
    console.error((e as Error).stack ?? String(e));
    code = 1;
  }
  // The parent ends this process once it has the answer (run-job.ts): exiting here could still cut off a
  // large answer in an Electron utility process, whose postMessage gives no sign of completion. This is
  // the fallback for a parent that does not.
  setTimeout(() => process.exit(code), 60_000);
}

onParentMessage((m) => void onMessage(m as ToJob));

// A job whose parent has gone has nobody to answer.
process.on('disconnect', () => process.exit(2));
