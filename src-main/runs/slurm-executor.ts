// The Slurm executor: every trainer is a batch job that runs the project's own trainer entry with the run
// folder and the model name as its arguments (trainer-entry.ts, file mode). The local models of a
// submission go in as one job array; the coarse model as a job that depends on it (afterok); on a cluster
// the global model is a job of its own that need not wait. Jobs are followed with squeue (scontrol for one
// Slurm no longer lists), and the trainers' events through the JSON-lines files they write in the run
// folder, which must therefore be on a filesystem the compute nodes share (checked first: shared-folder-probe.ts).
import fs from 'node:fs';
import path from 'node:path';
import { entryModule } from '../platform/process-entry';
import { runLayout } from './layout';
import { eventFileEnd, eventFollower } from './event-log';
import { ENDED_STATES, sbatch, scancel, scontrolJob, squeueByName } from './slurm-commands';
import { probeSharedFolder } from './shared-folder-probe';
import type { SlurmSettings } from './run-config';
import type { Executor, JobRecord, JobStatus, Trainer, TrainerEnd, TrainerEvent, TrainerSubmission } from './executor';
import type { FromTrainer } from './protocol';

/** How often squeue and the events files are read. */
const POLL_MS = Number(process.env.DDCNN_SLURM_POLL_MS ?? 1000);
/** How long Slurm may be unreachable before the run's trainers are given up. */
const UNREACHABLE_MS = 120_000;
/** A COMPLETED job whose done file is not visible yet (a shared filesystem's attribute cache) gets this long. */
const DONE_GRACE_MS = 10_000;

/** sbatch options for one trainer's resources, from the run's settings. */
export function resourceArgs(cfg: SlurmSettings): string[] {
  return [
    ...(cfg.partition ? [`--partition=${cfg.partition}`] : []),
    ...(cfg.account ? [`--account=${cfg.account}`] : []),
    ...(cfg.cpusPerModel ? [`--cpus-per-task=${cfg.cpusPerModel}`] : []),
    ...(cfg.memPerModel ? [`--mem=${cfg.memPerModel}`] : []),
    ...(cfg.timeLimit ? [`--time=${cfg.timeLimit}`] : []),
    ...(cfg.gpusPerModel ? [`--gres=gpu:${cfg.gpusPerModel}`] : []),
    ...(cfg.sbatchArgs ?? []),
  ];
}

const shellQuote = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;

/** The batch script every trainer job runs: the trainer entry, with this Node (or Electron as Node). */
function writeTrainerScript(file: string): void {
  const entry = entryModule(import.meta.url, 'trainer-entry');
  const node = [process.execPath, ...entry.execArgv, entry.file].map(shellQuote).join(' ');
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(
    file,
    [
      '#!/bin/sh',
      '# Written by ddcnn: one trainer of this run as a Slurm job. Arguments: the run folder and the model',
      '# (local-%a in a job array: the task id is the subdomain index). Node and the project must be at the',
      '# same paths on the compute nodes as on the submitting host (a shared filesystem).',
      ...(process.versions.electron ? ['export ELECTRON_RUN_AS_NODE=1'] : []),
      `exec ${node} --run-dir "$1" --model "$2"`,
      '',
    ].join('\n'),
    { mode: 0o755 },
  );
}

interface SlurmTrainer extends Trainer {
  id: string;
  /** The array it belongs to and how many tasks that submission had (for afterok on the whole array). */
  array?: { id: string; size: number };
  update(s: JobStatus | undefined): Promise<void>;
  isEnded(): boolean;
}

export function slurmExecutor(runDir: string, runId: string, cfg: SlurmSettings): Executor {
  const L = runLayout(runDir);
  const jobName = `ddcnn-${runId}`;
  const script = path.join(L.slurm, 'trainer.sh');
  const active = new Set<SlurmTrainer>();
  let timer: NodeJS.Timeout | undefined;
  let closed = false;
  let failingSince: number | undefined;

  async function pollOnce(): Promise<void> {
    let jobs: Map<string, JobStatus>;
    try {
      jobs = await squeueByName(jobName);
      failingSince = undefined;
    } catch (e) {
      failingSince ??= Date.now();
      if (Date.now() - failingSince < UNREACHABLE_MS) return;
      jobs = new Map();
      for (const t of active) await t.update({ id: t.id, state: 'UNKNOWN', reason: `Slurm unreachable: ${(e as Error).message}` });
      return;
    }
    for (const t of [...active]) {
      const s = jobs.get(t.id) ?? (await scontrolJob(t.id).catch(() => ({ id: t.id, state: 'UNKNOWN' }) as JobStatus));
      await t.update(s);
    }
  }

  function schedule(): void {
    if (closed || timer) return;
    timer = setTimeout(async () => {
      await pollOnce().catch(() => {});
      timer = undefined;
      if (active.size > 0) schedule();
    }, POLL_MS);
  }

  function trainer(sub: TrainerSubmission, id: string, submittedAt: string, eventsOffset: number, initial: JobStatus): SlurmTrainer {
    const listeners: ((e: TrainerEvent) => void)[] = [];
    const emit = (e: TrainerEvent) => listeners.forEach((cb) => cb(e));
    const events = eventFollower(L.events(sub.model), eventsOffset);
    let status = initial;
    let devices: string | undefined;
    let lastError = '';
    let sawDone = false;
    let ended = false;
    let completedAt: number | undefined;
    let resolveEnd!: (e: TrainerEnd) => void;
    const endP = new Promise<TrainerEnd>((r) => (resolveEnd = r));

    const readEvents = () =>
      events.poll((e: FromTrainer) => {
        if (e.type === 'started') devices = e.cudaVisibleDevices;
        if (e.type === 'error') lastError = e.message.split('\n')[0];
        if (e.type === 'done') sawDone = true;
        emit(e);
      });
    /** A trainer that finished while nobody read its events (or whose done event was lost) has its done file. */
    const doneFromFile = (): boolean => {
      if (sawDone) return true;
      const file = L.done(sub.model);
      if (!fs.existsSync(file)) return false;
      const d = JSON.parse(fs.readFileSync(file, 'utf8'));
      sawDone = true;
      emit({ type: 'done', model: sub.model, trainSeconds: d.trainSeconds, params: d.params, peakRssMB: d.peakRssMB, samplesPerSecond: d.samplesPerSecond, bestEpoch: d.bestEpoch, epochsRun: d.epochsRun });
      return true;
    };
    const end = (e: TrainerEnd) => {
      if (ended) return;
      ended = true;
      active.delete(t);
      resolveEnd(e);
    };

    const t: SlurmTrainer = {
      model: sub.model,
      id,
      pid: undefined,
      onEvent: (cb) => void listeners.push(cb),
      ended: endP,
      isEnded: () => ended,
      record: (): JobRecord => ({ executor: 'slurm', ...status, id, submittedAt, eventsOffset: events.offset, ...(devices !== undefined ? { devices } : {}) }),
      async update(s) {
        if (ended) return;
        readEvents();
        const next = s ?? { id, state: 'GONE', reason: 'no longer known to Slurm' };
        if (next.state !== status.state || next.reason !== status.reason || next.node !== status.node) {
          status = next;
          emit({ type: 'job', status });
        }
        if (status.state === 'PENDING' && status.reason === 'DependencyNeverSatisfied') {
          await scancel([id]).catch(() => {});
          return end({ finished: false, dependencyFailed: true, reason: `job ${id} can never start: a job it depends on did not finish`, job: status });
        }
        if (!ENDED_STATES.has(status.state) && s !== undefined && status.state !== 'UNKNOWN') return;
        if (doneFromFile()) return end({ finished: true, reason: 'done', job: status });
        if (status.state === 'COMPLETED' && Date.now() - (completedAt ??= Date.now()) < DONE_GRACE_MS) return;
        const why = [status.reason, lastError].filter(Boolean).join(': ');
        end({ finished: false, reason: `Slurm job ${id} ${status.state}${why ? ` (${why})` : ''} without finishing its model`, job: status });
      },
      stop() {
        if (ended) return;
        void scancel([id])
          .catch(() => {})
          .then(() => {
            readEvents();
            if (doneFromFile()) end({ finished: true, reason: 'done', job: status });
            else end({ finished: false, reason: `Slurm job ${id} cancelled`, job: { ...status, state: 'CANCELLED' } });
          });
      },
    };
    active.add(t);
    schedule();
    return t;
  }

  /** afterok on the whole array when every task of it is waited for, else on the tasks one by one. */
  function dependency(after: Trainer[]): string[] {
    const pending = (after as SlurmTrainer[]).filter((t) => !t.isEnded() || !fs.existsSync(L.done(t.model)));
    if (pending.length === 0) return [];
    const ids: string[] = [];
    const arrays = new Map<string, SlurmTrainer[]>();
    for (const t of pending) {
      if (t.array) arrays.set(t.array.id, [...(arrays.get(t.array.id) ?? []), t]);
      else ids.push(t.id);
    }
    for (const [arrayId, tasks] of arrays) ids.push(...(tasks.length === tasks[0].array!.size ? [arrayId] : tasks.map((t) => t.id)));
    return [`--dependency=afterok:${ids.join(':')}`];
  }

  async function submit(group: TrainerSubmission[], after: Trainer[]): Promise<Trainer[]> {
    if (group.length === 0) return [];
    const submittedAt = new Date().toISOString();
    const offsets = group.map((s) => {
      fs.mkdirSync(path.dirname(L.trainerJob(s.model)), { recursive: true });
      fs.writeFileSync(L.trainerJob(s.model), JSON.stringify(s.job, null, 1));
      return eventFileEnd(L.events(s.model));
    });
    const common = [`--job-name=${jobName}`, '--no-requeue', '--open-mode=append', `--chdir=${runDir}`, ...resourceArgs(cfg), ...dependency(after)];
    const pending: JobStatus = { id: '', state: 'PENDING', reason: 'submitted' };
    if (group.length === 1) {
      const [s] = group;
      const id = await sbatch([...common, `--output=${s.logFile}`, script, runDir, s.model]);
      return [trainer(s, id, submittedAt, offsets[0], { ...pending, id })];
    }
    // A job array: task i trains local-i, its log is logs/local-<i>.log.
    const index = group.map((s) => /^local-(\d+)$/.exec(s.model)?.[1]);
    if (index.some((i) => i === undefined)) throw new Error(`only local models go into one job array, not ${group.map((s) => s.model).join(', ')}`);
    const arrayId = await sbatch([...common, `--array=${index.join(',')}`, `--output=${path.join(L.logs, 'local-%a.log')}`, script, runDir, 'local-%a']);
    return group.map((s, k) => {
      const id = `${arrayId}_${index[k]}`;
      const t = trainer(s, id, submittedAt, offsets[k], { ...pending, id });
      t.array = { id: arrayId, size: group.length };
      return t;
    });
  }

  return {
    kind: 'slurm',
    sharedMachine: false,
    async prepare() {
      writeTrainerScript(script);
      await probeSharedFolder(runDir, { jobName, args: resourceArgs(cfg), timeoutSeconds: cfg.probeSeconds ?? 120 });
    },
    submit,
    async attach(sub, rec) {
      if (rec.executor !== 'slurm') return undefined;
      const s = (await squeueByName(jobName)).get(rec.id) ?? (await scontrolJob(rec.id));
      const alive = s !== undefined && !ENDED_STATES.has(s.state);
      if (!alive && !fs.existsSync(L.done(sub.model))) return undefined;
      const t = trainer(sub, rec.id, rec.submittedAt, rec.eventsOffset ?? 0, s ?? { id: rec.id, state: 'GONE' });
      const array = /^(\d+)_\d+$/.exec(rec.id);
      if (array) t.array = { id: array[1], size: Infinity }; // re-attached tasks are waited for one by one
      return t;
    },
    close() {
      closed = true;
      if (timer) clearTimeout(timer);
    },
  };
}

/** The jobs of a Slurm run as Slurm sees them now (for `ddcnn status`); models without a live job keep run.json's. */
export async function slurmJobStates(runId: string, jobs: Record<string, JobRecord | undefined>): Promise<Record<string, JobStatus | undefined>> {
  const live = await squeueByName(`ddcnn-${runId}`);
  return Object.fromEntries(Object.entries(jobs).map(([model, j]) => [model, j && j.executor === 'slurm' ? (live.get(j.id) ?? j) : j]));
}

/**
 * Cancels every job of a Slurm run (`ddcnn cancel`, the app's Cancel): the recorded ones and, by the run's job
 * name, any submitted but not yet recorded. The cancel request left in the run folder tells an orchestrator
 * still following the run to stop rather than resubmit them.
 */
export async function cancelSlurmRun(runDir: string, runId: string, jobs: (JobRecord | undefined)[]): Promise<string[]> {
  fs.writeFileSync(runLayout(runDir).cancelRequest, new Date().toISOString() + '\n');
  const ids = jobs.flatMap((j) => (j && j.executor === 'slurm' && !ENDED_STATES.has(j.state) ? [j.id] : []));
  await scancel(ids, { name: `ddcnn-${runId}` });
  await scancel([], { name: `ddcnn-${runId}-probe` });
  return ids;
}
