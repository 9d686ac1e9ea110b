// The web-mode server behind `ddcnn serve`: the built renderer and the api (HTTP under /api/, run events
// over a WebSocket at /api/events), on 127.0.0.1 only, for whoever holds the access token. Every request
// passes, in order: the Host check (DNS rebinding), the Origin check (foreign pages), then the token.
// No CORS headers are ever sent, so pages of other origins cannot read any answer.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import type { Handlers } from '../api/contract';
import { fail } from '../api/result';
import { contentSecurityPolicy } from '../api/content-security-policy';
import { hostAllowed, newToken, originAllowed, requestToken, tokensEqual } from './auth';
import { createEventHub, refuseUpgrade } from './events';
import { handleApiRequest, sendResult } from './http-api';
import { resolveStatic, sendFile } from './static-files';

/** The only address the server listens on: the machine itself, never the network. */
export const LOOPBACK = '127.0.0.1';
export const EVENTS_PATH = '/api/events';

export interface WebServerOptions {
  handlers: Handlers;
  /** The built renderer: index.html and assets/. */
  rendererDir: string;
  /** 0 picks a free port. */
  port: number;
  /** When `port` is taken, listen on a free one instead of failing. */
  fallbackToFreePort?: boolean;
  /** The access token; a new random one by default (tests pass their own). */
  token?: string;
}

export interface WebServer {
  port: number;
  token: string;
  /** http://127.0.0.1:<port> */
  origin: string;
  /** The address to open: the origin with the token as query parameter. */
  url: string;
  broadcast(channel: string, message: unknown): void;
  /** Closes every socket and stops listening. */
  close(): Promise<void>;
}

/** Headers on every answer, the same policy as the Electron window (src-main/api/content-security-policy.ts). */
const SECURITY_HEADERS: Record<string, string> = {
  // 'self' covers ws:// to the same host and port (CSP level 3), which the event socket uses.
  'Content-Security-Policy': contentSecurityPolicy({ dev: false, delivery: 'header' }),
  'X-Content-Type-Options': 'nosniff',
  // The page's address carries the token until the page removes it: never send it on as a referrer.
  'Referrer-Policy': 'no-referrer',
  'X-Frame-Options': 'DENY',
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Resource-Policy': 'same-origin',
};

function plain(res: http.ServerResponse, status: number, text: string, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'Content-Type': 'text/plain; charset=utf-8', 'Cache-Control': 'no-store', ...headers });
  res.end(`${text}\n`);
}

/**
 * The page cookie lets a reload fetch index.html after the page has taken the token out of its address
 * (the page keeps the token in sessionStorage). It holds its own random key, not the token, and opens
 * index.html only, never the api: cookies go to every port of 127.0.0.1, and index.html holds no data.
 */
function pageCookie(port: number, key: string): { name: string; header: string } {
  const name = `ddcnn-page-${port}`;
  return { name, header: `${name}=${key}; Path=/; HttpOnly; SameSite=Strict` };
}

function cookieValue(header: string | undefined, name: string): string | undefined {
  for (const part of (header ?? '').split(';')) {
    const [k, ...v] = part.trim().split('=');
    if (k === name) return v.join('=');
  }
  return undefined;
}

function listen(server: http.Server, port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const onError = (e: Error) => {
      server.off('listening', onListening);
      reject(e);
    };
    const onListening = () => {
      server.off('error', onError);
      resolve();
    };
    server.once('error', onError);
    server.once('listening', onListening);
    server.listen({ host: LOOPBACK, port, exclusive: true });
  });
}

export async function startWebServer(opts: WebServerOptions): Promise<WebServer> {
  const token = opts.token ?? newToken();
  const pageKey = newToken();
  const hub = createEventHub();
  let port = 0;

  async function onRequest(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    for (const [k, v] of Object.entries(SECURITY_HEADERS)) res.setHeader(k, v);
    if (!hostAllowed(req.headers.host, port)) return plain(res, 403, `forbidden: this server answers to 127.0.0.1:${port} and localhost:${port} only`);
    if (!originAllowed(req.headers.origin, port)) return plain(res, 403, 'forbidden: requests from other origins are refused');
    const url = new URL(req.url ?? '/', `http://${LOOPBACK}:${port}`);
    const authorized = tokensEqual(requestToken(req.headers, url), token);

    if (url.pathname === '/api' || url.pathname.startsWith('/api/')) {
      if (!authorized) {
        res.setHeader('WWW-Authenticate', 'Bearer');
        return sendResult(res, fail('forbidden', 'missing or wrong access token: open the address `ddcnn serve` printed, or send Authorization: Bearer <token>'), 401);
      }
      if (url.pathname === EVENTS_PATH) return plain(res, 426, 'upgrade required: run events come over a WebSocket here', { Upgrade: 'websocket' });
      let name: string;
      try {
        name = decodeURIComponent(url.pathname.slice('/api/'.length));
      } catch {
        return sendResult(res, fail('invalid_request', 'malformed channel name'), 400);
      }
      return handleApiRequest(req, res, name, opts.handlers);
    }

    if (req.method !== 'GET' && req.method !== 'HEAD') return plain(res, 405, 'method not allowed', { Allow: 'GET, HEAD' });
    if (url.pathname === '/' || url.pathname === '/index.html') {
      const cookie = pageCookie(port, pageKey);
      const byCookie = tokensEqual(cookieValue(req.headers.cookie, cookie.name), pageKey);
      if (!authorized && !byCookie) return plain(res, 401, 'missing or wrong access token: open the address `ddcnn serve` printed (http://127.0.0.1:<port>/?token=...)');
      const index = resolveStatic(opts.rendererDir, '/index.html');
      if (!index) return plain(res, 500, `the web UI is not built: ${opts.rendererDir} has no index.html`);
      return sendFile(res, index, req.method, { 'Set-Cookie': cookie.header, 'Cache-Control': 'no-store' });
    }
    const file = resolveStatic(opts.rendererDir, url.pathname);
    if (!file) return plain(res, 404, 'not found');
    sendFile(res, file, req.method);
  }

  function onUpgrade(req: http.IncomingMessage, socket: Duplex, head: Buffer): void {
    socket.on('error', () => socket.destroy());
    if (!hostAllowed(req.headers.host, port)) return refuseUpgrade(socket, 403, 'Forbidden');
    // Browsers let any page open a WebSocket anywhere; the Origin header is what tells them apart.
    if (!originAllowed(req.headers.origin, port)) return refuseUpgrade(socket, 403, 'Forbidden');
    const url = new URL(req.url ?? '/', `http://${LOOPBACK}:${port}`);
    if (!tokensEqual(requestToken(req.headers, url), token)) return refuseUpgrade(socket, 401, 'Unauthorized');
    if (url.pathname !== EVENTS_PATH) return refuseUpgrade(socket, 404, 'Not Found');
    hub.accept(req, socket, head);
  }

  const server = http.createServer((req, res) => {
    onRequest(req, res).catch((e: Error) => {
      if (!res.headersSent) sendResult(res, fail('failed', `internal error: ${e.message}`), 500);
      else res.destroy();
    });
  });
  server.on('upgrade', onUpgrade);
  // Slow clients cannot hold connections open for long.
  server.headersTimeout = 20_000;
  server.requestTimeout = 60_000;

  try {
    await listen(server, opts.port);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'EADDRINUSE' && opts.fallbackToFreePort && opts.port !== 0) await listen(server, 0);
    else if (code === 'EADDRINUSE') throw new Error(`port ${opts.port} on ${LOOPBACK} is in use; choose another with --port, or --port 0 for any free one`);
    else throw e;
  }
  port = (server.address() as AddressInfo).port;
  const origin = `http://${LOOPBACK}:${port}`;

  return {
    port,
    token,
    origin,
    url: `${origin}/?token=${token}`,
    broadcast: (channel, message) => hub.broadcast(channel, message),
    close: () =>
      new Promise<void>((resolve) => {
        hub.close();
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
