// The renderer's only way to the app: an object implementing the contract's Api. In the Electron app the
// preload bridge puts it on window.ddcnn; in a browser (web mode, `ddcnn serve`) it is the HTTP and
// WebSocket client of web-api.ts. The choice is made once, at start-up.
import type { Api } from '../../src-main/api/contract';
import { createWebApi } from './web-api';

declare global {
  interface Window {
    /** Set by src-main/electron/preload.ts; absent when the page is opened outside the app. */
    ddcnn?: Api;
  }
}

let webApi: Api | undefined;

export function getApi(): Api {
  if (window.ddcnn) return window.ddcnn;
  if (location.protocol === 'http:' || location.protocol === 'https:') {
    webApi ??= createWebApi({ location, history, storage: sessionStorage, fetch: fetch.bind(window), WebSocket });
    return webApi;
  }
  throw new Error('The DD-CNN Studio api is not available: open this page in the DD-CNN Studio app, or through `ddcnn serve`.');
}
