// Which channel each method of the contract's Api uses, as two tables (requests, event streams), so that
// a transport can build the whole Api from one generic `call(channel, request)` and one generic
// `subscribe(channel, listener)` (the web client in src-renderer/lib/web-api.ts; the preload could too).
// A new channel needs one line here: the compiler refuses the tables while an Api method has no row, or a
// row names a channel whose request or response type differs from the method's. Types only from the
// contract, so the renderer can import this at run time without pulling in zod.
import type { Api, Channel, DATA_PROGRESS_CHANNEL, Requests, Responses, Result, RUN_EVENT_CHANNEL } from './contract';

/** The Api's request/response methods; the others subscribe to event streams. */
export type CallMethod = { [M in keyof Api]: Api[M] extends (...args: never[]) => Promise<unknown> ? M : never }[keyof Api];
export type EventMethod = Exclude<keyof Api, CallMethod>;

export const API_METHODS = {
  listRuns: 'runs:list',
  getRun: 'runs:get',
  backendInfo: 'backend:info',
  startTraining: 'train:start',
  stopTraining: 'train:stop',
  resumeTraining: 'train:resume',
  deleteRun: 'runs:delete',
  runHistory: 'runs:history',
  runEval: 'runs:eval',
  runCase: 'runs:case',
  predictScan: 'runs:predict',
  validateCohort: 'runs:cohort',
  listCohorts: 'runs:cohorts',
  makeReport: 'runs:report',
  predictWithModel: 'model:predict',
  inspectData: 'data:inspect',
  dataSlice: 'data:slice',
  planPreview: 'plan:preview',
  pickPath: 'dialog:pick',
  executorSettings: 'settings:executor',
} as const satisfies { [M in CallMethod]: Channel };

/** The event channel behind each subscription method (the names main sends on). */
export const API_EVENTS = {
  onRunEvent: 'run:event',
  onDataProgress: 'data:progress',
} as const satisfies { [M in EventMethod]: string } & { onRunEvent: typeof RUN_EVENT_CHANNEL; onDataProgress: typeof DATA_PROGRESS_CHANNEL };

/** The method a channel makes: no argument for channels without a payload. */
export type ChannelMethod<C extends Channel> = [Requests[C]] extends [undefined]
  ? () => Promise<Result<Responses[C]>>
  : (request: Requests[C]) => Promise<Result<Responses[C]>>;

type Mismatched = {
  [M in CallMethod]: ChannelMethod<(typeof API_METHODS)[M]> extends Api[M] ? (Api[M] extends ChannelMethod<(typeof API_METHODS)[M]> ? never : M) : M;
}[CallMethod];

/** Fails to compile, naming the method, when a row of API_METHODS does not fit its Api method. */
const methodsFit: [Mismatched] extends [never] ? true : { mismatched: Mismatched } = true;
