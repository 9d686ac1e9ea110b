// The api over Electron IPC: every channel of the contract is answered by ipcMain.handle after two checks,
// in this order: the sender is the app's own top-level page, and the payload passes the channel's schema
// (src-main/api/dispatch.ts). Answers are Result values, so failures reach the UI as data.
import { ipcMain, type IpcMainInvokeEvent, type WebContents } from 'electron';
import { CHANNELS, DATA_PROGRESS_CHANNEL, RUN_EVENT_CHANNEL, type DataProgressMessage, type Handlers, type RunEventMessage } from '../api/contract';
import { dispatch } from '../api/dispatch';
import { fail } from '../api/result';
import { isTrustedSender, type RendererLocation } from './security';

function senderFrame(event: IpcMainInvokeEvent) {
  // senderFrame is null once the frame has navigated away or been destroyed.
  const frame = event.senderFrame;
  return frame ? { url: frame.url, isMainFrame: frame.parent === null } : null;
}

export function registerIpc(handlers: Handlers, renderer: RendererLocation): void {
  for (const channel of CHANNELS) {
    ipcMain.handle(channel, (event, ...args: unknown[]) => {
      if (!isTrustedSender(senderFrame(event), renderer)) return fail('forbidden', `${channel}: the request did not come from the app's own page`);
      return dispatch(channel, args, handlers);
    });
  }
}

/** Sends a message on an event channel to the window, if it is still there to receive it. */
function eventSender<M>(channel: string, target: () => WebContents | undefined): (m: M) => void {
  return (m) => {
    const wc = target();
    if (wc && !wc.isDestroyed()) wc.send(channel, m);
  };
}

/** Sends a run event to the window, if it is still there to receive it. */
export function runEventSender(target: () => WebContents | undefined): (m: RunEventMessage) => void {
  return eventSender(RUN_EVENT_CHANNEL, target);
}

/** Sends the progress of a data inspection to the window. */
export function dataProgressSender(target: () => WebContents | undefined): (m: DataProgressMessage) => void {
  return eventSender(DATA_PROGRESS_CHANNEL, target);
}
