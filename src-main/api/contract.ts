// The api contract between the UI and the main process (DESIGN.md section 4): channel names, request,
// response and event types, and the schemas every request payload is validated against. The renderer
// imports this module for its types only (`import type`), so it must not depend on Node or on the engine:
// the view types below describe what crosses the wire, and the main side proves at compile time that the
// engine's records and events fit them (see src-main/api/service.ts), so the two cannot drift apart.
import { z } from 'zod';
import { RUN_ID_PATTERN } from '../runs/run-id';
import type { ModelRecord, ModelState, RunEvent, RunRecord, RunStatus, RunSummary } from '../runs/run-types';

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
  | 'failed';

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

export const trainStartRequestSchema = z
  .strictObject({
    data: z.enum(['demo', 'mnist']),
    grid: z.array(z.number().int().min(1).max(16)).min(2).max(3),
    overlap: z.number().int().min(0).max(16),
    family: z.enum(['vgg', 'resnet']),
    epochs: z.number().int().min(1).max(1000),
    batch: z.number().int().min(1).max(4096),
    seed: z.number().int().min(0).max(2 ** 31 - 1),
    global: z.boolean(),
    limit: z.number().int().min(1).max(10_000_000).optional(),
  })
  .refine((r) => r.grid.length === DATA_RANK[r.data], {
    path: ['grid'],
    message: 'needs one entry per spatial axis: 3 for demo (volumes), 2 for mnist (images)',
  })
  .refine((r) => r.grid.reduce((a, b) => a * b, 1) >= 2 && r.grid.reduce((a, b) => a * b, 1) <= MAX_SUBDOMAINS, {
    path: ['grid'],
    message: `must give between 2 and ${MAX_SUBDOMAINS} subdomains`,
  });

export const trainStopRequestSchema = z.strictObject({ runId: runIdSchema });

export type RunGetRequest = z.infer<typeof runGetRequestSchema>;
export type TrainStartRequest = z.infer<typeof trainStartRequestSchema>;
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
}

export interface Responses {
  'runs:list': RunListItem[];
  'runs:get': RunDetails;
  'backend:info': BackendView;
  'train:start': TrainStartResponse;
  'train:stop': null;
}

export type Channel = keyof Requests;

export const requestSchemas: { [C in Channel]: z.ZodType<Requests[C]> } = {
  'runs:list': noPayload,
  'runs:get': runGetRequestSchema,
  'backend:info': noPayload,
  'train:start': trainStartRequestSchema,
  'train:stop': trainStopRequestSchema,
};

export const CHANNELS = Object.keys(requestSchemas) as Channel[];

/** Main -> renderer: one RunEventMessage per orchestrator event. */
export const RUN_EVENT_CHANNEL = 'run:event';

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
  /** Calls `listener` for every event of every run; returns the function that unsubscribes it. */
  onRunEvent(listener: (message: RunEventMessage) => void): () => void;
}
