// `ddcnn train --executor slurm` options: refused when malformed or given without the Slurm executor, stored
// in run.json's config when given; a probe job Slurm does not start in time fails the run with its own error
// (against the real one-node cluster); `ddcnn cancel` refuses a run of local processes.
import fs from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { readRunRecord } from '../../src-main/runs/run-record';
import { createSmallRun, tempWorkspace } from '../helpers/runs';
import { ddcnn } from '../helpers/cli';
import { jobsNamed, requireSlurm } from '../helpers/slurm';

const small = ['--data', 'mnist', '--limit', '100', '--limit-test', '50', '--epochs', '1'];

describe('ddcnn train --executor slurm options', () => {
  beforeAll(requireSlurm);

  it('refuses Slurm options without --executor slurm, and malformed ones, naming the option', async () => {
    const ws = tempWorkspace();
    const without = await ddcnn(['train', ...small, '--partition', 'gpu', '--workspace', ws]);
    expect(without.code).toBe(2);
    expect(without.stderr).toContain('--partition is a Slurm option: add --executor slurm');
    const mem = await ddcnn(['train', ...small, '--executor', 'slurm', '--mem-per-model', 'lots', '--workspace', ws]);
    expect(mem.code).toBe(2);
    expect(mem.stderr).toContain('--mem-per-model: a size such as 4G or 1500M');
    // (commander refuses a malformed number itself, with its exit code 1, as for every numeric option)
    const gpus = await ddcnn(['train', ...small, '--executor', 'slurm', '--gpus-per-model', 'two', '--workspace', ws]);
    expect(gpus.code).toBe(1);
    expect(gpus.stderr).toContain('gpus-per-model must be a whole number >= 0');
    expect(fs.existsSync(path.join(ws, 'runs'))).toBe(false);
  });

  it('stores the Slurm settings in run.json, and fails with the probe error when Slurm does not start the probe in time', async () => {
    const ws = tempWorkspace();
    // --begin holds every job of the run (the probe too) for an hour.
    const args = ['--executor', 'slurm', '--partition', 'debug', '--cpus-per-model', '1', '--mem-per-model', '900M', '--time-limit', '5', '--sbatch-arg=--begin=now+1hour', '--sbatch-arg=--comment=ddcnn', '--probe-timeout', '2'];
    const out = await ddcnn(['train', ...small, ...args, '--workspace', ws]);
    expect(out.code).toBe(1);
    const runDir = /run folder: (.+)/.exec(out.stderr)![1].trim();
    expect(out.stderr).toMatch(new RegExp(`Slurm did not run the shared-filesystem probe for ${runDir} within 2 s \\(probe job \\d+: PENDING, BeginTime\\)`));
    const rec = readRunRecord(runDir);
    expect(rec.config.executor).toEqual({ kind: 'slurm', partition: 'debug', cpusPerModel: 1, memPerModel: '900M', timeLimit: '5', sbatchArgs: ['--begin=now+1hour', '--comment=ddcnn'], probeSeconds: 2 });
    expect(rec.status).toBe('failed');
    // The held probe was cancelled, and no trainer was submitted.
    expect([...jobsNamed(`ddcnn-${rec.id}-probe`).values()].filter((s) => s === 'PENDING')).toEqual([]);
    expect(jobsNamed(`ddcnn-${rec.id}`).size).toBe(0);
  });

  it('ddcnn cancel refuses a run of local processes, saying how to stop it', async () => {
    const runDir = await createSmallRun(tempWorkspace(), { limit: 100, limitTest: 50, epochs: 1 });
    const out = await ddcnn(['cancel', runDir]);
    expect(out.code).toBe(1);
    expect(out.stderr).toContain(`run ${path.basename(runDir)} trains with local processes: stop it with Ctrl-C`);
  });
});
