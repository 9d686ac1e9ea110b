// Who may talk to the web-mode server (`ddcnn serve`), as pure functions of a request's headers and URL:
// the access token (a Bearer header or the `token` query parameter), the Host header (DNS-rebinding
// defence: a hostile site whose name resolves to 127.0.0.1 still sends its own name as Host) and the
// Origin header (a hostile page may send requests to 127.0.0.1, and open WebSockets, which browsers do
// not restrict by origin at all).
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';

/** 32 random bytes as 64 hex digits. */
export function newToken(): string {
  return randomBytes(32).toString('hex');
}

/**
 * Whether `given` is `expected`, in time independent of where they differ. Both are hashed first, so that
 * timingSafeEqual gets equal lengths and the comparison reveals nothing about the token's length either.
 */
export function tokensEqual(given: string | null | undefined, expected: string): boolean {
  if (typeof given !== 'string' || given.length === 0) return false;
  const digest = (s: string) => createHash('sha256').update(s, 'utf8').digest();
  return timingSafeEqual(digest(given), digest(expected));
}

/** The token a request carries: `Authorization: Bearer <token>` first, else the `token` query parameter. */
export function requestToken(headers: IncomingHttpHeaders, url: URL): string | null {
  const auth = headers.authorization;
  if (auth !== undefined) {
    const m = /^Bearer[ \t]+(\S+)[ \t]*$/i.exec(auth);
    return m ? m[1] : null;
  }
  return url.searchParams.get('token');
}

/** The origins the server answers as: http://127.0.0.1:<port> and http://localhost:<port>. */
export function ownOrigins(port: number): string[] {
  return [`http://127.0.0.1:${port}`, `http://localhost:${port}`];
}

/** Whether the Host header names this server (127.0.0.1 or localhost, with its port). */
export function hostAllowed(host: string | undefined, port: number): boolean {
  if (host === undefined) return false;
  const h = host.toLowerCase();
  return h === `127.0.0.1:${port}` || h === `localhost:${port}`;
}

/**
 * Whether a request's Origin header allows it: absent (a request a person or program makes directly,
 * not a script on some page; the token still guards it) or one of the server's own origins. Browsers send
 * Origin on every cross-origin request and WebSocket, so a page elsewhere is always refused here.
 */
export function originAllowed(origin: string | undefined, port: number): boolean {
  return origin === undefined || ownOrigins(port).includes(origin.toLowerCase());
}
