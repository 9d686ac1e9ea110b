// The contract's Api in web mode (`ddcnn serve`, src-main/server): every request method is one
// POST /api/<channel> and every event stream (run events, data progress) arrives over one WebSocket at
// /api/events, both built from the channel tables in src-main/api/methods.ts. Requests carry the access
// token that web-token.ts takes from the page's address, and ask for the channel's answers with status 200
// (RESULT_STATUS_HEADER): an error Result is an answer here, and a browser logs every error status as a
// console error. There is no native file dialog in a browser: pickPath answers not_supported without
// asking the server, and the views let the user type the path.
import type { Api, Channel, Requests, Responses, Result } from '../../src-main/api/contract';
import { API_EVENTS, API_METHODS, type CallMethod, type EventMethod } from '../../src-main/api/methods';
import { decodeWire, encodeWire, RESULT_STATUS_ALWAYS_200, RESULT_STATUS_HEADER } from '../../src-main/api/wire';
import { takeToken, type TokenEnvironment } from './web-token';

const RECONNECT_MIN_MS = 500;
const RECONNECT_MAX_MS = 5_000;

/** What the web client needs from the browser, passed in so that tests can give their own (plain structural types, as in web-token.ts, so that Node tests compile it too). */
export interface WebEnvironment extends TokenEnvironment {
  location: { href: string; host: string; protocol: string };
  fetch: typeof fetch;
  WebSocket: typeof WebSocket;
}

function isResult(v: unknown): v is Result<unknown> {
  if (v === null || typeof v !== 'object') return false;
  const r = v as { ok?: unknown; error?: { code?: unknown; message?: unknown } };
  return r.ok === true ? 'value' in r : r.ok === false && typeof r.error?.code === 'string' && typeof r.error.message === 'string';
}

const unreachable = (channel: string, why: string): Result<never> => ({
  ok: false,
  error: { code: 'failed', message: `${channel}: the DD-CNN Studio server cannot be reached (${why}); is \`ddcnn serve\` still running?` },
});

/** One api request over HTTP; every outcome, a dead server included, comes back as a Result. */
export function httpCaller(env: Pick<WebEnvironment, 'fetch'>, token: string) {
  return async function call<C extends Channel>(channel: C, request: Requests[C]): Promise<Result<Responses[C]>> {
    let payload: string | undefined;
    try {
      payload = request === undefined ? undefined : encodeWire(request);
    } catch (e) {
      return { ok: false, error: { code: 'invalid_request', message: `${channel}: ${(e as Error).message}` } };
    }
    let res: Response;
    try {
      // `cache` is the browser's (Node's RequestInit type lacks it, and Node's fetch ignores it).
      const init: RequestInit & { cache?: 'no-store' } = {
        method: 'POST',
        headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json', [RESULT_STATUS_HEADER]: RESULT_STATUS_ALWAYS_200 },
        body: payload,
        cache: 'no-store',
        credentials: 'omit',
      };
      res = await env.fetch(`/api/${encodeURIComponent(channel)}`, init);
    } catch (e) {
      return unreachable(channel, (e as Error).message);
    }
    let text: string;
    try {
      text = await res.text();
    } catch (e) {
      return unreachable(channel, (e as Error).message);
    }
    let body: unknown;
    try {
      body = decodeWire(text);
    } catch {
      body = undefined;
    }
    if (isResult(body)) return body as Result<Responses[C]>;
    if (res.status === 401) {
      return { ok: false, error: { code: 'forbidden', message: `${channel}: the server refused the access token; open the address \`ddcnn serve\` printed when it started` } };
    }
    return { ok: false, error: { code: 'failed', message: `${channel}: unexpected answer ${res.status} ${res.statusText}: ${text.slice(0, 200)}` } };
  };
}

/**
 * The event streams: one WebSocket while anyone listens, carrying frames `{ channel, message }`, reopened
 * (with growing pauses) when it drops, for example while the server restarts. Events sent while it was
 * down are not replayed; the run list and runs:get still show each run's state.
 */
export function eventStream(env: Pick<WebEnvironment, 'location' | 'WebSocket'>, token: string) {
  const listeners = new Map<string, Set<(message: unknown) => void>>();
  let socket: WebSocket | null = null;
  let retry: ReturnType<typeof setTimeout> | null = null;
  let delay = RECONNECT_MIN_MS;
  const listening = () => [...listeners.values()].some((set) => set.size > 0);

  function open() {
    retry = null;
    const scheme = env.location.protocol === 'https:' ? 'wss' : 'ws';
    const ws = new env.WebSocket(`${scheme}://${env.location.host}/api/events?token=${encodeURIComponent(token)}`);
    socket = ws;
    ws.onopen = () => (delay = RECONNECT_MIN_MS);
    ws.onmessage = (e: MessageEvent) => {
      if (typeof e.data !== 'string') return;
      let frame: { channel?: unknown; message?: unknown };
      try {
        frame = decodeWire(e.data) as typeof frame;
      } catch (err) {
        console.warn(`ignored a malformed event from the server: ${(err as Error).message}`);
        return;
      }
      const set = typeof frame?.channel === 'string' ? listeners.get(frame.channel) : undefined;
      for (const l of [...(set ?? [])]) l(frame.message);
    };
    ws.onclose = () => {
      if (socket !== ws) return;
      socket = null;
      if (!listening()) return;
      retry = setTimeout(open, delay);
      delay = Math.min(delay * 2, RECONNECT_MAX_MS);
    };
  }

  function close() {
    if (retry) clearTimeout(retry);
    retry = null;
    const ws = socket;
    socket = null;
    ws?.close();
  }

  /** Calls `listener` for every message on `channel`; returns the function that unsubscribes it. */
  return function subscribe(channel: string, listener: (message: unknown) => void): () => void {
    let set = listeners.get(channel);
    if (!set) listeners.set(channel, (set = new Set()));
    set.add(listener);
    if (!socket && !retry) open();
    return () => {
      set.delete(listener);
      if (!listening()) close();
    };
  };
}

/** dialog:pick in a browser: a page cannot open a native dialog on the machine that runs the server. */
export const NO_DIALOG: Result<never> = {
  ok: false,
  error: { code: 'not_supported', message: 'no file dialog in the browser (web mode): type the absolute path of the folder or file instead' },
};

/** The Api over `ddcnn serve`; throws when the page was opened without the token. */
export function createWebApi(env: WebEnvironment): Api {
  const token = takeToken(env);
  if (!token) throw new Error('No access token: open the address that `ddcnn serve` printed (http://127.0.0.1:<port>/?token=...).');
  const call = httpCaller(env, token);
  const subscribe = eventStream(env, token);
  const calls = Object.entries(API_METHODS).map(([method, channel]) => [method, (request?: unknown) => call(channel, request as Requests[typeof channel])]);
  const events = Object.entries(API_EVENTS).map(([method, channel]) => [method, (listener: (message: unknown) => void) => subscribe(channel, listener)]);
  // The tables in methods.ts are checked against Api at compile time; here each row becomes a function.
  const api = Object.fromEntries([...calls, ...events]) as Pick<Api, CallMethod> & Pick<Api, EventMethod>;
  return { ...api, pickPath: async () => NO_DIALOG };
}
