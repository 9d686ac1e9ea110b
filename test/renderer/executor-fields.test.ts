// The Training form's "Run on" fields to the api's executor settings and back.
import { describe, expect, it } from 'vitest';
import { EMPTY_CLUSTER, executorFromFields, fieldsFromExecutor } from '../../src-renderer/lib/executor-fields';
import { requestSchemas, type ExecutorSettingsView } from '../../src-main/api/contract';

describe('executor fields of the Training form', () => {
  it('sends only the filled-in Slurm fields, with the extra sbatch arguments split at spaces', () => {
    const cfg = executorFromFields('slurm', { ...EMPTY_CLUSTER, partition: ' gpu ', gpusPerModel: 1, memPerModel: '8G', sbatchArgs: ' --qos=short  --constraint=a100 ' });
    expect(cfg).toEqual({ kind: 'slurm', partition: 'gpu', gpusPerModel: 1, memPerModel: '8G', sbatchArgs: ['--qos=short', '--constraint=a100'] });
    // What the form sends is what main accepts.
    const base = { data: 'mnist', grid: [2, 2], overlap: 2, family: 'vgg', epochs: 1, batch: 8, seed: 1, global: true };
    expect(requestSchemas['train:start'].safeParse({ ...base, executor: cfg }).success).toBe(true);
  });

  it('sends this machine as {kind: local} whatever the cluster fields hold', () => {
    expect(executorFromFields('local', { ...EMPTY_CLUSTER, partition: 'gpu' })).toEqual({ kind: 'local' });
  });

  it('fills the form back from remembered settings', () => {
    const cfg: ExecutorSettingsView = { kind: 'slurm', account: 'lab', cpusPerModel: 4, timeLimit: '1:00:00', sbatchArgs: ['--qos=short'] };
    const { runOn, fields } = fieldsFromExecutor(cfg);
    expect(runOn).toBe('slurm');
    expect(fields).toEqual({ ...EMPTY_CLUSTER, account: 'lab', cpusPerModel: 4, timeLimit: '1:00:00', sbatchArgs: '--qos=short' });
    expect(executorFromFields(runOn, fields)).toEqual(cfg);
    expect(fieldsFromExecutor({ kind: 'local' })).toEqual({ runOn: 'local', fields: EMPTY_CLUSTER });
  });
});
