// Where a run's trainers run (DESIGN.md section 2, Executors): one small interface between the orchestrator
// and the processes or cluster jobs that train the models. The orchestrator submits trainers, follows their
// events, learns how each ended and stops them; it never knows which executor it drives. Local processes
// (local-executor.ts) and Slurm jobs (slurm-executor.ts) implement it; LSF or PBS would be one more file.
import type { FromTrainer, TrainerJob } from './protocol';

/** A job's state as the executor reports it (Slurm's names; a local process is RUNNING until it exits). */
export type JobState = 'PENDING' | 'RUNNING' | 'COMPLETED' | 'FAILED' | 'CANCELLED' | 'TIMEOUT' | 'NODE_FAIL' | 'OUT_OF_MEMORY' | (string & {});

export interface JobStatus {
  /** The process id (local) or the Slurm job id (`17`, or `17_2` for a task of an array). */
  id: string;
  state: JobState;
  /** Why it is pending or ended (Slurm's reason: Resources, Priority, Dependency, ...). */
  reason?: string;
  /** The node it runs on. */
  node?: string;
}

/** What the orchestrator keeps in run.json to find a trainer again after it closed (see Executor.attach). */
export interface JobRecord extends JobStatus {
  executor: string;
  submittedAt: string;
  /** Where the trainer's events file had been read up to: events before it are already in metrics.jsonl. */
  eventsOffset?: number;
  /** CUDA_VISIBLE_DEVICES as the trainer saw it. */
  devices?: string;
}

export type TrainerEvent = FromTrainer | { type: 'job'; status: JobStatus };

export interface TrainerEnd {
  /** The trainer reported `done`: the model is trained and its outputs are in the run folder. */
  finished: boolean;
  /** It never started because a trainer it had to wait for did not finish (submit's `after`). */
  dependencyFailed?: boolean;
  /** Why it ended without finishing: the trainer's error, its exit code or signal, or the job's state and reason. */
  reason: string;
  /** The job's last state and reason (cluster executors). */
  job?: JobStatus;
}

export interface Trainer {
  readonly model: string;
  /** The process id, while a local trainer runs. */
  readonly pid: number | undefined;
  /** Everything the trainer reports, and (cluster executors) every change of its job's state. */
  onEvent(cb: (e: TrainerEvent) => void): void;
  readonly ended: Promise<TrainerEnd>;
  /** What run.json keeps to re-attach to it (see Executor.attach); undefined where nothing outlives its orchestrator. */
  record(): JobRecord | undefined;
  /** Stops it (a queued one never starts); its checkpoints stay, so a later execution goes on from them. */
  stop(): void;
}

export interface TrainerSubmission {
  model: string;
  job: TrainerJob;
  /** The trainer's stdout and stderr go here (appended). */
  logFile: string;
}

export interface Executor {
  readonly kind: string;
  /**
   * True when trainers share one machine: the global model then waits for the CNN-DNN, so that its time is
   * not shared with other trainers. A cluster gives every job its own allocation, so it need not wait.
   */
  readonly sharedMachine: boolean;
  /** Checks made once per execution before the first submission (Slurm: the shared-filesystem probe). */
  prepare(): Promise<void>;
  /**
   * Submits trainers as one group (Slurm: one job array). They start only once every trainer in `after` has
   * finished; if one of those does not, they end with `dependencyFailed` without having run. Resolves once
   * they are submitted (with their job ids), so that run.json can hold them before anything else happens.
   */
  submit(group: TrainerSubmission[], after: Trainer[]): Promise<Trainer[]>;
  /**
   * A trainer an earlier execution submitted (its record from run.json): followed again while its job is
   * queued or running, or has finished unattended; undefined when it is gone without finishing.
   */
  attach(sub: TrainerSubmission, rec: JobRecord): Promise<Trainer | undefined>;
  /**
   * Stops watching (timers); never ends a job. The local executor ends the processes it holds without a job
   * and resolves when they have exited.
   */
  close(): void | Promise<void>;
}
