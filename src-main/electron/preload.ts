// The preload bridge: exposes the contract's Api as window.ddcnn, one function per capability, and
// nothing else (no ipcRenderer, no Node). It runs sandboxed, so it is bundled as CommonJS and may only
// require 'electron'.
import { contextBridge, ipcRenderer, type IpcRendererEvent } from 'electron';
import type {
  Api,
  Channel,
  DataProgressMessage,
  DATA_PROGRESS_CHANNEL as DataProgressChannel,
  Requests,
  Responses,
  Result,
  RunEventMessage,
  RUN_EVENT_CHANNEL as RunEventChannel,
} from '../api/contract';

// Channel names are spelled out rather than imported: importing contract.ts at run time would pull zod
// and the schemas into the sandboxed preload. The types tie each name to the contract's.
const RUN_EVENT_CHANNEL: typeof RunEventChannel = 'run:event';
const DATA_PROGRESS_CHANNEL: typeof DataProgressChannel = 'data:progress';

function invoke<C extends Channel>(channel: C, request: Requests[C]): Promise<Result<Responses[C]>> {
  const args = request === undefined ? [] : [request];
  return ipcRenderer.invoke(channel, ...args) as Promise<Result<Responses[C]>>;
}

const api: Api = {
  listRuns: () => invoke('runs:list', undefined),
  getRun: (request) => invoke('runs:get', request),
  backendInfo: () => invoke('backend:info', undefined),
  startTraining: (request) => invoke('train:start', request),
  stopTraining: (request) => invoke('train:stop', request),
  resumeTraining: (request) => invoke('train:resume', request),
  deleteRun: (request) => invoke('runs:delete', request),
  runHistory: (request) => invoke('runs:history', request),
  runEval: (request) => invoke('runs:eval', request),
  runCase: (request) => invoke('runs:case', request),
  predictScan: (request) => invoke('runs:predict', request),
  validateCohort: (request) => invoke('runs:cohort', request),
  listCohorts: (request) => invoke('runs:cohorts', request),
  makeReport: (request) => invoke('runs:report', request),
  predictWithModel: (request) => invoke('model:predict', request),
  inspectData: (request) => invoke('data:inspect', request),
  dataSlice: (request) => invoke('data:slice', request),
  planPreview: (request) => invoke('plan:preview', request),
  pickPath: (request) => invoke('dialog:pick', request),
  executorSettings: () => invoke('settings:executor', undefined),
  onRunEvent: (listener) => {
    const handler = (_event: IpcRendererEvent, message: RunEventMessage) => listener(message);
    ipcRenderer.on(RUN_EVENT_CHANNEL, handler);
    return () => void ipcRenderer.removeListener(RUN_EVENT_CHANNEL, handler);
  },
  onDataProgress: (listener) => {
    const handler = (_event: IpcRendererEvent, message: DataProgressMessage) => listener(message);
    ipcRenderer.on(DATA_PROGRESS_CHANNEL, handler);
    return () => void ipcRenderer.removeListener(DATA_PROGRESS_CHANNEL, handler);
  },
};

contextBridge.exposeInMainWorld('ddcnn', api);
