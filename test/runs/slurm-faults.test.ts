// Faults of Slurm jobs against the real one-node cluster: a killed job is resubmitted from its checkpoint,
// `ddcnn cancel` cancels every job of a run without any being resubmitted, and a run folder the node cannot
// see is refused before any trainer is submitted, with the shared-filesystem probe's error.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { executeRun, type RunEvent } from '../../src-main/runs/execute-run';
import { forkLauncher } from '../../src-main/runs/launcher';
import { readRunRecord } from '../../src-main/runs/run-record';
import { createSmallRun, tempWorkspace } from '../helpers/runs';
import { ddcnn } from '../helpers/cli';
import { jobsNamed, NODE_PRIVATE_DIR, requireSlurm, waitFor } from '../helpers/slurm';
import { runLayout } from '../../src-main/runs/layout';

type JobEvent = Extract<RunEvent, { type: 'job' }>;

describe('Slurm job faults', () => {
  beforeAll(requireSlurm);

  it('resubmits a local model whose job was killed with scancel --batch --signal=KILL from its checkpoint, and the run completes', async () => {
    const runDir = await createSmallRun(tempWorkspace(), { epochs: 4, limit: 600, limitTest: 100, global: false, executor: { kind: 'slurm' } });
    const events: RunEvent[] = [];
    const run = executeRun(runDir, { launcher: forkLauncher, onEvent: (e) => events.push(e) });
    // Kill local-1's job as soon as its events file shows the first checkpoint, while it trains the next epochs
    // (watched here every 50 ms: the orchestrator reads the file only about once a second).
    const eventsFile = runLayout(runDir).events('local-1');
    await waitFor('local-1 to checkpoint', () => fs.existsSync(eventsFile) && fs.readFileSync(eventsFile, 'utf8').includes('"type":"checkpoint"'), 90_000, 50);
    const killed = readRunRecord(runDir).models['local-1'].job!.id;
    // --batch: SIGKILL to the job's batch process, which is the trainer (its script execs it). Without it Slurm
    // treats a KILL for a job without steps as a cancel: SIGTERM first, SIGKILL only after KillWait.
    execFileSync('scancel', ['--batch', '--signal=KILL', killed]);
    // It was killed mid-run: its model was not finished.
    expect(fs.existsSync(runLayout(runDir).done('local-1'))).toBe(false);
    const rec = await run.done;
    expect(rec.status, rec.error).toBe('completed');
    const onDisk = readRunRecord(runDir);
    expect(onDisk.restarts).toHaveLength(1);
    const [restart] = onDisk.restarts;
    expect(restart).toMatchObject({ model: 'local-1', job: { id: killed } });
    expect(['CANCELLED', 'FAILED']).toContain(restart.job!.state);
    expect(restart.reason).toContain(`Slurm job ${killed}`);
    expect(restart.resumedFromEpoch).toBeGreaterThanOrEqual(1);
    // A new job (not part of the array any more) trained the remaining epochs from the checkpoint.
    const m = onDisk.models['local-1'];
    expect(m).toMatchObject({ state: 'done', attempts: 2, job: { state: 'COMPLETED' } });
    expect(m.job!.id).not.toBe(killed);
    const starts = events.filter((e): e is Extract<RunEvent, { type: 'started' }> => e.type === 'started' && e.model === 'local-1');
    expect(starts.map((s) => s.resumedFromEpoch)).toEqual([0, restart.resumedFromEpoch]);
    const afterRestart = events.slice(events.indexOf(starts[1])).filter((e): e is Extract<RunEvent, { type: 'epoch' }> => e.type === 'epoch' && e.model === 'local-1');
    expect(afterRestart.map((e) => e.epoch)).toEqual([2, 3, 4].slice(restart.resumedFromEpoch! - 1));
    // The coarse model waited for the resubmitted job too, and ran once.
    expect(onDisk.models.coarse).toMatchObject({ state: 'done', attempts: 1 });
  });

  it('ddcnn cancel cancels every job of a running run, and none is resubmitted', async () => {
    const runDir = await createSmallRun(tempWorkspace(), { epochs: 6, limit: 400, limitTest: 100, executor: { kind: 'slurm' } });
    const id = path.basename(runDir);
    let cancel: Promise<{ code: number; stdout: string; stderr: string }> | undefined;
    const events: RunEvent[] = [];
    const rec = await executeRun(runDir, {
      launcher: forkLauncher,
      onEvent: (e) => {
        events.push(e);
        if (e.type === 'epoch' && !cancel) cancel = ddcnn(['cancel', runDir]);
      },
    }).done;
    const out = await cancel!;
    expect(out.code, out.stderr).toBe(0);
    expect(rec.status).toBe('interrupted');
    expect(rec.restarts).toHaveLength(0);
    // Every job the run submitted is known to Slurm as ended, none pending or running, none submitted twice.
    const jobs = jobsNamed(`ddcnn-${id}`);
    expect([...jobs.values()].filter((s) => s === 'PENDING' || s === 'RUNNING')).toEqual([]);
    const submitted = new Set(events.filter((e): e is JobEvent => e.type === 'job').map((e) => e.id));
    expect(submitted.size).toBe(6);
    expect(out.stdout).toMatch(/cancelled jobs /);
    for (const m of Object.values(rec.models)) expect(m.state === 'done' || m.state === 'queued').toBe(true);
    expect(Object.values(rec.models).some((m) => m.state === 'queued')).toBe(true);
  });

  it('refuses a run folder the compute node cannot see, naming it, before submitting any trainer', async () => {
    fs.mkdirSync(NODE_PRIVATE_DIR, { recursive: true });
    const ws = fs.mkdtempSync(path.join(NODE_PRIVATE_DIR, 'ws-'));
    const runDir = await createSmallRun(ws, { epochs: 1, limit: 100, limitTest: 50, executor: { kind: 'slurm', probeSeconds: 30 } });
    const rec = await executeRun(runDir, { launcher: forkLauncher }).done;
    expect(rec.status).toBe('failed');
    expect(rec.error).toContain(`the run folder ${runDir} is not shared with the Slurm compute nodes`);
    expect(rec.error).toMatch(/probe job \d+ \(FAILED/);
    expect(rec.error).toContain('--workspace');
    expect(jobsNamed(`ddcnn-${path.basename(runDir)}`).size).toBe(0);
    expect(Object.values(rec.models).every((m) => m.state === 'queued' && m.job === undefined)).toBe(true);
    fs.rmSync(ws, { recursive: true, force: true });
  });
});
