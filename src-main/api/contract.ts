// The api contract between the UI and the main process (DESIGN.md section 4): channel names, request,
// response and event types, and the schemas every request payload is validated against. The renderer
// imports this module for its types only (`import type`), so it must not depend on Node or on the engine:
// the view types below describe what crosses the wire, and the main side proves at compile time that the
// engine's records and events fit them (see src-main/api/service.ts), so the two cannot drift apart.
import { z } from 'zod';
import { RUN_ID_PATTERN } from '../runs/run-id';
import type { EvalReport, ModelRecord, ModelState, PredictedCase, RunEvent, RunOwner, RunRecord, RunStatus, RunSummary } from '../runs/run-types';
import { executorConfigSchema, type ExecutorConfig } from '../runs/run-config';
import type { EpochSummary } from '../engine/progress';
import type { ImportProgress } from '../data/import/types';
import type { CohortReport } from '../runs/cohort-types';
import { MAX_LISTED_CASES, type DatasetView } from '../data/dataset-view';

// ---------------------------------------------------------------------------------------------------------
// Results and errors

export type ErrorCode =
  /** The payload does not match the request schema, or is too large. */
  | 'invalid_request'
  /** The request did not come from the app's own renderer. */
  | 'forbidden'
  | 'not_found'
  /** Another run is training; one run at a time, since each run uses every core (or GPU). */
  | 'busy'
  /** The request was valid but the work failed (a data set that cannot be read, a full disk...). */
  | 'failed'
  /** The transport cannot do this (a native dialog in web mode). */
  | 'not_supported';

export interface ApiError {
  code: ErrorCode;
  message: string;
}

/** Errors travel as data: thrown Errors lose their message and type when they cross IPC. */
export type Result<T> = { ok: true; value: T } | { ok: false; error: ApiError };

// ---------------------------------------------------------------------------------------------------------
// Request schemas (with size limits: a payload is refused long before it could cost memory or time)

/** The largest request accepted on any channel, counted roughly as JSON bytes. */
export const MAX_PAYLOAD_BYTES = 16 * 1024;

export { RUN_ID_PATTERN };
export const runIdSchema = z.string().max(64).regex(RUN_ID_PATTERN, 'not a run id');

const noPayload = z.undefined();

export const runGetRequestSchema = z.strictObject({ id: runIdSchema });

/** The largest decomposition the app starts: every subdomain is a trainer process, queued on the cores. */
export const MAX_SUBDOMAINS = 64;

/** Spatial rank of the built-in data sets: a decomposition needs one grid entry per spatial axis. */
export const DATA_RANK = { demo: 3, mnist: 2 } as const;

/**
 * A data source: 'demo', 'mnist', or an absolute path to a data set folder, a CSV manifest or an .npz file
 * (or, for runs:predict, a single scan). Paths are checked by the service; here only their form.
 */
export const dataSourceSchema = z.union([
  z.enum(['demo', 'mnist']),
  z.string().min(2).max(4096).refine((p) => p.startsWith('/') || /^[A-Za-z]:[\\/]/.test(p), 'must be an absolute path'),
]);

const spatialShapeSchema = z.array(z.number().int().min(1).max(1024)).min(2).max(3);

export const trainStartRequestSchema = z
  .strictObject({
    data: dataSourceSchema,
    grid: z.array(z.number().int().min(1).max(16)).min(2).max(3),
    overlap: z.number().int().min(0).max(16),
    family: z.enum(['vgg', 'resnet']),
    epochs: z.number().int().min(1).max(1000),
    /** Default: 16 below 5,000 training cases, else 64. */
    batch: z.number().int().min(1).max(4096).optional(),
    seed: z.number().int().min(0).max(2 ** 31 - 1),
    global: z.boolean(),
    limit: z.number().int().min(1).max(10_000_000).optional(),
    learningRate: z.number().positive().max(1).optional(),
    /** Trainer processes at a time (default: cores, or GPUs). */
    workers: z.number().int().min(1).max(256).optional(),
    /** Base width of the global model. */
    width: z.number().int().min(1).max(512).optional(),
    /** Input shape of the models ([H,W] or [D,H,W]): the import recipe's shape, or a resampling of an npz. */
    shape: spatialShapeSchema.optional(),
    /** Intensity window of the import recipe, in the source's units (HU for CT). */
    window: z.tuple([z.number(), z.number()]).refine(([lo, hi]) => lo < hi, 'low must be below high').optional(),
    /** Two classes: the class sensitivity, specificity and AUC refer to (default: the training split's minority class). */
    positive: z.string().min(1).max(200).optional(),
    /** Class weighting of every model's loss (default: balanced past a 1.5x imbalance). */
    classWeight: z.enum(['balanced', 'none']).optional(),
    /** The validation criterion whose best epoch each model keeps (default: loss). */
    select: z.enum(['loss', 'auc', 'balanced-accuracy', 'last']).optional(),
    /** Early stopping after this many epochs without improvement. */
    patience: z.number().int().min(1).max(1000).optional(),
    /** The follow-up paper's variants trained after the CNN-DNN: the coherent CNN-DNN and transfer learning. */
    variants: z.array(z.enum(['coherent', 'transfer'])).max(2).optional(),
    /** Augmentation preset (default light for 2D images, none for volumes) and the axes it may mirror. */
    augment: z.enum(['none', 'light', 'strong']).optional(),
    flip: z.array(z.enum(['x', 'y', 'z'])).max(3).optional(),
    /** Learning-rate schedule (default cosine), decoupled weight decay and dropout before the head (default 0). */
    schedule: z.enum(['constant', 'cosine', 'plateau']).optional(),
    weightDecay: z.number().min(0).max(1).optional(),
    dropout: z.number().min(0).max(0.9).optional(),
    /** What the coarse model trains on (default: the local models' outputs on the training split). */
    coarseInputs: z.enum(['train', 'out-of-fold', 'validation']).optional(),
    /** Where the trainers run: this machine (the default) or a Slurm cluster, with its job settings. */
    executor: executorConfigSchema.optional(),
  })
  .refine((r) => !(r.data === 'demo' || r.data === 'mnist') || r.grid.length === DATA_RANK[r.data], {
    path: ['grid'],
    message: 'needs one entry per spatial axis: 3 for demo (volumes), 2 for mnist (images)',
  })
  .refine((r) => r.shape === undefined || r.shape.length === r.grid.length, {
    path: ['shape'],
    message: 'needs as many axes as the grid',
  })
  .refine((r) => r.grid.reduce((a, b) => a * b, 1) >= 2 && r.grid.reduce((a, b) => a * b, 1) <= MAX_SUBDOMAINS, {
    path: ['grid'],
    message: `must give between 2 and ${MAX_SUBDOMAINS} subdomains`,
  });

export const trainStopRequestSchema = z.strictObject({ runId: runIdSchema });

export const trainResumeRequestSchema = z.strictObject({ runId: runIdSchema });
export const runDeleteRequestSchema = z.strictObject({ id: runIdSchema });

export const dataInspectRequestSchema = z.strictObject({ source: dataSourceSchema });

/** Case ids are relative paths (import) or `<split>:<index>` (npz, mnist, demo). */
const caseIdSchema = z.string().min(1).max(4096);

export const dataSliceRequestSchema = z.strictObject({
  source: dataSourceSchema,
  caseId: caseIdSchema,
  /** axial: a D slice (H x W); coronal: an H slice (D x W); sagittal: a W slice (D x H). 2D images: axial, 0. */
  axis: z.enum(['axial', 'coronal', 'sagittal']),
  index: z.number().int().min(0).max(100_000),
});

export const planPreviewRequestSchema = z.strictObject({
  /** The models' input shape ([H,W] or [D,H,W]). */
  shape: spatialShapeSchema,
  channels: z.number().int().min(1).max(4),
  classes: z.number().int().min(2).max(1000),
  grid: z.array(z.number().int().min(1).max(16)).min(2).max(3),
  overlap: z.number().int().min(0).max(16),
  family: z.enum(['vgg', 'resnet']),
  width: z.number().int().min(1).max(512).optional(),
}).refine((r) => r.grid.length === r.shape.length, { path: ['grid'], message: 'needs one entry per axis of shape' });

export const runCaseRequestSchema = z.strictObject({ id: runIdSchema, index: z.number().int().min(0).max(10_000_000) });
export const runPredictRequestSchema = z.strictObject({ id: runIdSchema, source: dataSourceSchema });
/** An exported model's folder (absolute) and the input to predict. */
export const modelPredictRequestSchema = z.strictObject({ model: dataSourceSchema.refine((m) => m !== 'demo' && m !== 'mnist', 'must be the folder of an exported model'), source: dataSourceSchema });
export const pickPathRequestSchema = z.strictObject({ kind: z.enum(['folder', 'file']) });

export type RunGetRequest = z.infer<typeof runGetRequestSchema>;
export type TrainResumeRequest = z.infer<typeof trainResumeRequestSchema>;
export type RunDeleteRequest = z.infer<typeof runDeleteRequestSchema>;
export type DataInspectRequest = z.infer<typeof dataInspectRequestSchema>;
export type DataSliceRequest = z.infer<typeof dataSliceRequestSchema>;
export type PlanPreviewRequest = z.infer<typeof planPreviewRequestSchema>;
export type RunCaseRequest = z.infer<typeof runCaseRequestSchema>;
export type RunPredictRequest = z.infer<typeof runPredictRequestSchema>;
export type PickPathRequest = z.infer<typeof pickPathRequestSchema>;
export type ModelPredictRequest = z.infer<typeof modelPredictRequestSchema>;
/** Validate a completed run on a cohort: a folder of class folders or a CSV manifest (absolute path). */
export type RunCohortRequest = z.infer<typeof runPredictRequestSchema>;
/** An external cohort's predictions and metrics (the run's cohorts/<name>.json). */
export type CohortView = CohortReport;
/** The run report, written into the run folder as report.html, and its text (self-contained HTML). */
export interface ReportView {
  file: string;
  html: string;
}
export type TrainStartRequest = z.infer<typeof trainStartRequestSchema>;
/** The executor settings last used in this workspace (this machine, or the Slurm cluster's fields). */
export type ExecutorSettingsView = ExecutorConfig;
export type TrainStopRequest = z.infer<typeof trainStopRequestSchema>;

// ---------------------------------------------------------------------------------------------------------
// Responses: the runs on disk, described by the engine's own types (src-main/runs/run-types.ts, which
// imports nothing with Node in it), so that the app and the engine cannot drift apart.

export type { ModelState, RunStatus };
export type ModelRole = ModelRecord['role'];
export type AccuracyView = RunSummary['accuracy'];
export type ModelRecordView = ModelRecord;
export type RunRecordView = RunRecord;
export type RunSummaryView = RunSummary;

export interface RunListItem {
  id: string;
  /** 'unreadable': a folder under runs/ whose run.json cannot be read (see `error`). */
  status: RunStatus | 'unreadable';
  /** Whether this app is training the run now; a 'running' run that is not active was cut off. */
  active: boolean;
  /** Another process (a `ddcnn train`, another app) that is training the run now: it can't be resumed or deleted here. */
  owner?: RunOwner;
  createdAt?: string;
  dataset?: string;
  grid?: number[];
  overlap?: number;
  family?: string;
  /** Test accuracies, for completed runs. */
  accuracy?: AccuracyView;
  error?: string;
}

export interface RunDetails {
  record: RunRecordView;
  /** The results table of a completed run; null before a run completes. */
  summary: RunSummaryView | null;
  active: boolean;
  owner?: RunOwner;
}

export interface BackendView {
  /** 'node-gpu', 'node' (the native tfjs-node packages), 'wasm' or 'cpu'. */
  name: string;
  /** Whether a GPU device is in use. */
  gpu: boolean;
  /** Better backends that could not be used, best first, each with the first line of its error. */
  skipped: { backend: string; reason: string }[];
  /** The same as one line, as the CLI prints it. */
  description: string;
}

export interface TrainStartResponse {
  runId: string;
  /** Every model of the run (local-i, coarse, global), so the UI can show them before they start. */
  models: { name: string; role: ModelRole; params: number }[];
}

export type { DatasetView };
export { MAX_LISTED_CASES };

/** One 2D slice of a case, in the source's units, for the slice viewer (the window is applied in the view). */
export interface SliceView {
  caseId: string;
  axis: 'axial' | 'coronal' | 'sagittal';
  index: number;
  /** Slices along this axis. */
  count: number;
  width: number;
  height: number;
  channels: number;
  /** width * height * channels values, row by row. */
  values: number[];
  /** mm per pixel along width and height, for the aspect ratio. */
  pixelSpacing: [number, number];
  units: 'HU' | 'stored';
  /** Smallest and largest value of the whole case (for the 'from data' window). */
  range: [number, number];
  fileWindow?: { center: number; width: number };
  label?: string;
  /** Per slice along this axis, the voxels above a tenth of the value range: where the content is. */
  foreground?: number[];
}

/** The decomposition and model sizes of a planned run, for the Decomposition view. */
export interface PlanView {
  subdomains: { index: number; start: number[]; end: number[]; size: number[]; params: number }[];
  globalParams: number;
  localWidth: number;
  globalWidth: number;
  coarseParams: number;
}

/** Every model's epoch history (metrics.jsonl), for the curves of a reopened run. */
export interface RunHistory {
  models: Record<string, EpochSummary[]>;
}

/** eval.json of a completed run: metrics with their intervals and, per test sample, every model's probabilities. */
export type EvalView = EvalReport;

/** One input of a run (a test case or a new scan) with every model's decision, for the Inspect view. */
export type CaseView = PredictedCase;

/** Progress of a data inspection (long for big folders), keyed by its source. */
export interface DataProgressMessage {
  source: string;
  progress: ImportProgress;
}

// ---------------------------------------------------------------------------------------------------------
// Events: the orchestrator's RunEvent (src-main/runs/execute-run.ts), keyed by run id

/** The orchestrator's events, with the backend described in one line, and the end of an execution. */
export type RunEventView =
  | Exclude<RunEvent, { type: 'backend' }>
  | (Extract<RunEvent, { type: 'backend' }> & { description: string })
  /** Sent once when a run's execution ends, whatever the outcome. */
  | { type: 'finished'; status: RunStatus; error?: string };

export interface RunEventMessage {
  runId: string;
  event: RunEventView;
}

// ---------------------------------------------------------------------------------------------------------
// Channels

export interface Requests {
  'runs:list': undefined;
  'runs:get': RunGetRequest;
  'backend:info': undefined;
  'train:start': TrainStartRequest;
  'train:stop': TrainStopRequest;
  'train:resume': TrainResumeRequest;
  'runs:delete': RunDeleteRequest;
  'runs:history': RunGetRequest;
  'runs:eval': RunGetRequest;
  'runs:case': RunCaseRequest;
  'runs:predict': RunPredictRequest;
  'runs:cohort': RunCohortRequest;
  'runs:cohorts': RunGetRequest;
  'runs:report': RunGetRequest;
  'model:predict': ModelPredictRequest;
  'data:inspect': DataInspectRequest;
  'data:slice': DataSliceRequest;
  'plan:preview': PlanPreviewRequest;
  /** A native open dialog (the app only; web mode answers not_supported: type the path instead). */
  'dialog:pick': PickPathRequest;
  'settings:executor': undefined;
}

export interface Responses {
  'runs:list': RunListItem[];
  'runs:get': RunDetails;
  'backend:info': BackendView;
  'train:start': TrainStartResponse;
  'train:stop': null;
  'train:resume': TrainStartResponse;
  'runs:delete': null;
  'runs:history': RunHistory;
  'runs:eval': EvalView;
  'runs:case': CaseView;
  'runs:predict': CaseView;
  'runs:cohort': CohortView;
  'runs:cohorts': CohortView[];
  'runs:report': ReportView;
  'model:predict': CaseView;
  'data:inspect': DatasetView;
  'data:slice': SliceView;
  'plan:preview': PlanView;
  /** The chosen path, or null when the dialog was cancelled. */
  'dialog:pick': string | null;
  'settings:executor': ExecutorSettingsView;
}

export type Channel = keyof Requests;

export const requestSchemas: { [C in Channel]: z.ZodType<Requests[C]> } = {
  'runs:list': noPayload,
  'runs:get': runGetRequestSchema,
  'backend:info': noPayload,
  'train:start': trainStartRequestSchema,
  'train:stop': trainStopRequestSchema,
  'train:resume': trainResumeRequestSchema,
  'runs:delete': runDeleteRequestSchema,
  'runs:history': runGetRequestSchema,
  'runs:eval': runGetRequestSchema,
  'runs:case': runCaseRequestSchema,
  'runs:predict': runPredictRequestSchema,
  'runs:cohort': runPredictRequestSchema,
  'runs:cohorts': runGetRequestSchema,
  'runs:report': runGetRequestSchema,
  'model:predict': modelPredictRequestSchema,
  'data:inspect': dataInspectRequestSchema,
  'data:slice': dataSliceRequestSchema,
  'plan:preview': planPreviewRequestSchema,
  'dialog:pick': pickPathRequestSchema,
  'settings:executor': noPayload,
};

export const CHANNELS = Object.keys(requestSchemas) as Channel[];

/** Main -> renderer: one RunEventMessage per orchestrator event. */
export const RUN_EVENT_CHANNEL = 'run:event';
/** Main -> renderer: DataProgressMessages while a data source is inspected or imported. */
export const DATA_PROGRESS_CHANNEL = 'data:progress';

/** What the main side implements, one function per channel. */
export type Handlers = { [C in Channel]: (request: Requests[C]) => Promise<Responses[C]> };

/**
 * The one interface the renderer talks to: the Electron preload bridge (window.ddcnn) today, a WebSocket
 * client in web mode later. One function per capability.
 */
export interface Api {
  listRuns(): Promise<Result<RunListItem[]>>;
  getRun(request: RunGetRequest): Promise<Result<RunDetails>>;
  backendInfo(): Promise<Result<BackendView>>;
  startTraining(request: TrainStartRequest): Promise<Result<TrainStartResponse>>;
  stopTraining(request: TrainStopRequest): Promise<Result<null>>;
  resumeTraining(request: TrainResumeRequest): Promise<Result<TrainStartResponse>>;
  deleteRun(request: RunDeleteRequest): Promise<Result<null>>;
  runHistory(request: RunGetRequest): Promise<Result<RunHistory>>;
  runEval(request: RunGetRequest): Promise<Result<EvalView>>;
  runCase(request: RunCaseRequest): Promise<Result<CaseView>>;
  predictScan(request: RunPredictRequest): Promise<Result<CaseView>>;
  /** Predicts every case of a cohort with a completed run (progress: onDataProgress, keyed by the cohort's path). */
  validateCohort(request: RunCohortRequest): Promise<Result<CohortView>>;
  /** The cohorts a run was validated on, newest first. */
  listCohorts(request: RunGetRequest): Promise<Result<CohortView[]>>;
  /** An exported model's (ddcnn export) decisions on one input, for the Inspect view, without a run. */
  predictWithModel(request: ModelPredictRequest): Promise<Result<CaseView>>;
  /** Writes the run's report into its folder (report.html) and answers it. */
  makeReport(request: RunGetRequest): Promise<Result<ReportView>>;
  inspectData(request: DataInspectRequest): Promise<Result<DatasetView>>;
  dataSlice(request: DataSliceRequest): Promise<Result<SliceView>>;
  planPreview(request: PlanPreviewRequest): Promise<Result<PlanView>>;
  pickPath(request: PickPathRequest): Promise<Result<string | null>>;
  /** Where this workspace's last run trained (remembered per workspace): the Training form's "Run on". */
  executorSettings(): Promise<Result<ExecutorSettingsView>>;
  /** Calls `listener` for every event of every run; returns the function that unsubscribes it. */
  onRunEvent(listener: (message: RunEventMessage) => void): () => void;
  /** Calls `listener` for every progress message of a data inspection; returns the unsubscribe function. */
  onDataProgress(listener: (message: DataProgressMessage) => void): () => void;
}
