// The renderer's only way to the app: an object implementing the contract's Api. In the Electron app the
// preload bridge puts it on window.ddcnn; web mode (later) will return a WebSocket-backed Api from here.
import type { Api } from '../../src-main/api/contract';

declare global {
  interface Window {
    /** Set by src-main/electron/preload.ts; absent when the page is opened outside the app. */
    ddcnn?: Api;
  }
}

export function getApi(): Api {
  const api = window.ddcnn;
  if (!api) throw new Error('The DD-CNN Studio api is not available: open this page in the DD-CNN Studio app.');
  return api;
}
