// The api's channels over HTTP, for requests the server has already authenticated: POST /api/<channel>
// with the request as a JSON body, GET /api/<channel> for channels without a payload, and short names for
// the common reads (GET /api/runs). Every request goes through the same `dispatch` as Electron IPC
// (schema, size limit, handler, Result), and every answer is a Result, with an HTTP status that says
// the same for clients that look only at the status. The web client asks (RESULT_STATUS_HEADER) for the
// channel's answers with status 200 whatever the Result says, since browsers log every error status as a
// console error; refusals of the request itself (token, origin, method, size, content type, malformed
// JSON, no such channel) keep their status for every client.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { CHANNELS, MAX_PAYLOAD_BYTES, type Channel, type ErrorCode, type Handlers, type Result } from '../api/contract';
import { dispatch } from '../api/dispatch';
import { fail } from '../api/result';
import { decodeWire, encodeWire, RESULT_STATUS_ALWAYS_200, RESULT_STATUS_HEADER } from '../api/wire';

/**
 * The most bytes read from a request body. Above MAX_PAYLOAD_BYTES (which dispatch checks on the decoded
 * value), since JSON spends bytes on quotes, escapes and base64; low enough that a huge body costs
 * nothing: it is refused from its Content-Length, or as soon as it passes this many bytes.
 */
export const MAX_BODY_BYTES = 4 * MAX_PAYLOAD_BYTES;

/** Short names for reads a person types into curl or a browser. */
const ALIASES: Record<string, Channel> = { runs: 'runs:list', backend: 'backend:info' };

const STATUS: Record<ErrorCode, number> = { invalid_request: 400, forbidden: 403, not_found: 404, busy: 409, failed: 500, not_supported: 501 };

export function sendResult(res: ServerResponse, result: Result<unknown>, status = result.ok ? 200 : STATUS[result.error.code]): void {
  const body = encodeWire(result);
  res.writeHead(status, { 'Content-Type': 'application/json; charset=utf-8', 'Content-Length': Buffer.byteLength(body), 'Cache-Control': 'no-store' });
  res.end(body);
}

/**
 * Refuses a request whose body is not read. The body is still drained while the answer goes out (a peer
 * whose data is left unread gets a TCP reset, which can swallow the answer), and the connection is
 * closed after the answer rather than reused, which ends the draining.
 */
function refuseUnread(req: IncomingMessage, res: ServerResponse, status: number, code: ErrorCode, message: string): void {
  req.resume();
  res.setHeader('Connection', 'close');
  sendResult(res, fail(code, message), status);
}

class BodyTooLarge extends Error {}

/** The body as text, or BodyTooLarge as soon as it passes `limit` bytes (the rest is not kept). */
function readBody(req: IncomingMessage, limit: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) return reject(new BodyTooLarge());
      chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

/** Whether the client asked for the channel's answers with status 200, error Results included. */
function wantsAlways200(req: IncomingMessage): boolean {
  return req.headers[RESULT_STATUS_HEADER.toLowerCase()] === RESULT_STATUS_ALWAYS_200;
}

/** A channel's answer (from dispatch): its own status, or 200 for a client that asked for it. */
function sendAnswer(req: IncomingMessage, res: ServerResponse, result: Result<unknown>): void {
  sendResult(res, result, wantsAlways200(req) ? 200 : undefined);
}

function channelOf(name: string): Channel | undefined {
  if (Object.hasOwn(ALIASES, name)) return ALIASES[name];
  return (CHANNELS as string[]).includes(name) ? (name as Channel) : undefined;
}

/** Answers one authenticated request under /api/ (`name` is the path after /api/, decoded). */
export async function handleApiRequest(req: IncomingMessage, res: ServerResponse, name: string, handlers: Handlers): Promise<void> {
  const channel = channelOf(name);
  if (!channel) return sendResult(res, fail('not_found', `no api channel "${name.slice(0, 80)}"; the channels are ${CHANNELS.join(', ')}`), 404);

  if (req.method === 'GET' || req.method === 'HEAD') return sendAnswer(req, res, await dispatch(channel, [], handlers));
  if (req.method !== 'POST') {
    res.setHeader('Allow', 'GET, POST');
    return refuseUnread(req, res, 405, 'invalid_request', `${channel}: use POST with a JSON body, or GET for channels without one`);
  }

  const declared = Number(req.headers['content-length'] ?? 0);
  if (declared > MAX_BODY_BYTES) return refuseUnread(req, res, 413, 'invalid_request', `${channel}: request body larger than ${MAX_BODY_BYTES} bytes`);
  // A JSON content type cannot be sent cross-origin without a CORS preflight, which this server never
  // grants: one more wall between a foreign page and the api, beside the token.
  const type = req.headers['content-type'];
  const notJson = !/^application\/json\s*(;|$)/i.test(type ?? '');
  const notJsonMessage = `${channel}: the body must be JSON (Content-Type: application/json), got ${type ?? 'none'}`;
  if (declared > 0 && notJson) return refuseUnread(req, res, 415, 'invalid_request', notJsonMessage);

  let text: string;
  try {
    text = await readBody(req, MAX_BODY_BYTES);
  } catch (e) {
    if (e instanceof BodyTooLarge) return refuseUnread(req, res, 413, 'invalid_request', `${channel}: request body larger than ${MAX_BODY_BYTES} bytes`);
    throw e;
  }
  // A chunked body has no Content-Length to judge it by before reading.
  if (text.length > 0 && notJson) return sendResult(res, fail('invalid_request', notJsonMessage), 415);
  let args: unknown[] = [];
  if (text.trim().length > 0) {
    try {
      args = [decodeWire(text)];
    } catch (e) {
      return sendResult(res, fail('invalid_request', `${channel}: the body is not valid JSON: ${(e as Error).message}`));
    }
  }
  sendAnswer(req, res, await dispatch(channel, args, handlers));
}
