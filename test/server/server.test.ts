// The web-mode server (src-main/server/server.ts) in this process, with the real api service on a temp
// workspace and a stand-in renderer folder: loopback only, the token on every api request, the WebSocket
// and the index page, Host and Origin checks, and malformed or oversized requests refused as data.
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { RUN_EVENT_CHANNEL, type RunEventMessage } from '../../src-main/api/contract';
import { createStudioService } from '../../src-main/api/service';
import { decodeWire, RESULT_STATUS_ALWAYS_200, RESULT_STATUS_HEADER } from '../../src-main/api/wire';
import { forkLauncher } from '../../src-main/runs/launcher';
import { MAX_BODY_BYTES } from '../../src-main/server/http-api';
import { startWebServer, type WebServer } from '../../src-main/server/server';
import { json, request } from '../helpers/http';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'ddcnn-server-'));
const workspace = path.join(tmp, 'workspace');
const rendererDir = path.join(tmp, 'renderer');
const BROKEN_RUN = '20260101-120000-demo-abcdef';

let web: WebServer;
let base: string;
const bearer = () => ({ Authorization: `Bearer ${web.token}` });

beforeAll(async () => {
  fs.mkdirSync(path.join(rendererDir, 'assets'), { recursive: true });
  fs.writeFileSync(path.join(rendererDir, 'index.html'), '<!doctype html><title>DD-CNN Studio</title><script type="module" src="./assets/app.js"></script>');
  fs.writeFileSync(path.join(rendererDir, 'assets', 'app.js'), 'console.log("app");');
  fs.writeFileSync(path.join(tmp, 'secret.txt'), 'outside the renderer folder');
  fs.symlinkSync(path.join(tmp, 'secret.txt'), path.join(rendererDir, 'assets', 'link.txt'));
  // One run folder (unreadable), so that the list is not empty.
  fs.mkdirSync(path.join(workspace, 'runs', BROKEN_RUN), { recursive: true });
  fs.writeFileSync(path.join(workspace, 'runs', BROKEN_RUN, 'run.json'), '{ not json');
  const service = createStudioService({ workspace, launcher: forkLauncher, emit: () => {} });
  web = await startWebServer({ handlers: service.handlers, rendererDir, port: 0 });
  base = web.origin;
});

afterAll(async () => {
  await web?.close();
  fs.rmSync(tmp, { recursive: true, force: true });
});

/** Resolves when a TCP connection to host:port opens, rejects with the error otherwise. */
function connect(host: string, port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const s = net.connect({ host, port, timeout: 2000 });
    s.once('connect', () => {
      s.destroy();
      resolve();
    });
    s.once('timeout', () => {
      s.destroy();
      reject(new Error('timeout'));
    });
    s.once('error', reject);
  });
}

describe('listening', () => {
  it('listens on 127.0.0.1 only, with a 64-hex-digit token in its address', async () => {
    expect(web.origin).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(web.url).toBe(`${web.origin}/?token=${web.token}`);
    expect(web.token).toMatch(/^[0-9a-f]{64}$/);
    await expect(connect('127.0.0.1', web.port)).resolves.toBeUndefined();
  });

  it('refuses connections to every other address of this machine', async () => {
    // Link-local IPv6 addresses need their interface to be reachable at all.
    const others = Object.entries(os.networkInterfaces()).flatMap(([name, addrs]) =>
      (addrs ?? []).filter((a) => !a.internal).map((a) => (a.family === 'IPv6' && a.address.startsWith('fe80:') ? `${a.address}%${name}` : a.address)),
    );
    // ::1 is loopback too, but not the address the server listens on.
    for (const host of [...others, '::1']) {
      await expect(connect(host, web.port), `connecting via ${host}`).rejects.toThrow();
    }
  });

  it('starts on a free port when the given one is taken and fallback is allowed, and says so otherwise', async () => {
    const service = createStudioService({ workspace, launcher: forkLauncher, emit: () => {} });
    await expect(startWebServer({ handlers: service.handlers, rendererDir, port: web.port })).rejects.toThrow(/port \d+ on 127\.0\.0\.1 is in use/);
    const second = await startWebServer({ handlers: service.handlers, rendererDir, port: web.port, fallbackToFreePort: true });
    try {
      expect(second.port).not.toBe(web.port);
      expect(second.token).not.toBe(web.token);
    } finally {
      await second.close();
    }
  });
});

describe('the access token', () => {
  it('is required for GET /api/runs: 401 without it or with a wrong one', async () => {
    for (const headers of [{} as Record<string, string>, { Authorization: 'Bearer ' + '0'.repeat(64) }, { Authorization: `Basic ${web.token}` }, { Authorization: `Bearer ${web.token}x` }]) {
      const res = await request(`${base}/api/runs`, { headers });
      expect(res.status, JSON.stringify(headers)).toBe(401);
      expect(res.headers['www-authenticate']).toBe('Bearer');
      expect(json(res)).toMatchObject({ ok: false, error: { code: 'forbidden' } });
    }
    expect((await request(`${base}/api/runs?token=${'0'.repeat(64)}`)).status).toBe(401);
    expect((await request(`${base}/api/runs?token=`)).status).toBe(401);
  });

  it('lets GET /api/runs list the runs with the Bearer header or the token query parameter', async () => {
    for (const res of [await request(`${base}/api/runs`, { headers: bearer() }), await request(`${base}/api/runs?token=${web.token}`)]) {
      expect(res.status).toBe(200);
      expect(res.headers['content-type']).toBe('application/json; charset=utf-8');
      expect(json(res)).toMatchObject({ ok: true, value: [{ id: BROKEN_RUN, status: 'unreadable', active: false }] });
    }
    // The same channel under its own name, by GET and by POST without a body.
    expect(json(await request(`${base}/api/runs:list`, { headers: bearer() }))).toMatchObject({ ok: true, value: [{ id: BROKEN_RUN }] });
    expect(json(await request(`${base}/api/runs:list`, { method: 'POST', headers: bearer() }))).toMatchObject({ ok: true, value: [{ id: BROKEN_RUN }] });
  });

  it('guards the index page but not the app code, and sets a cookie that reopens only the page', async () => {
    expect((await request(`${base}/`)).status).toBe(401);
    expect((await request(`${base}/index.html?token=wrong`)).status).toBe(401);
    const page = await request(`${base}/?token=${web.token}`);
    expect(page.status).toBe(200);
    expect(page.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(page.body).toContain('<title>DD-CNN Studio</title>');
    const cookie = page.headers['set-cookie']?.[0] ?? '';
    expect(cookie).toMatch(new RegExp(`^ddcnn-page-${web.port}=[0-9a-f]{64}; Path=/; HttpOnly; SameSite=Strict$`));
    const pair = cookie.split(';')[0];
    expect(pair).not.toContain(web.token);
    // A reload (the page has taken the token out of its address) comes with the cookie.
    expect((await request(`${base}/`, { headers: { Cookie: pair } })).status).toBe(200);
    expect((await request(`${base}/`, { headers: { Cookie: `ddcnn-page-${web.port}=${'0'.repeat(64)}` } })).status).toBe(401);
    // The cookie opens no api.
    expect((await request(`${base}/api/runs`, { headers: { Cookie: pair } })).status).toBe(401);
    const js = await request(`${base}/assets/app.js`);
    expect(js.status).toBe(200);
    expect(js.headers['content-type']).toBe('text/javascript; charset=utf-8');
  });

  it('is needed for the event WebSocket, which then receives every broadcast', async () => {
    const wsUrl = `ws://127.0.0.1:${web.port}/api/events`;
    expect(await refusedUpgrade(wsUrl)).toBe(401);
    expect(await refusedUpgrade(`${wsUrl}?token=${'0'.repeat(64)}`)).toBe(401);
    expect(await refusedUpgrade(`${wsUrl}?token=${web.token}`, { origin: 'http://evil.example' })).toBe(403);
    expect(await refusedUpgrade(`${wsUrl}?token=${web.token}`, { headers: { Host: `attacker.example:${web.port}` } })).toBe(403);
    expect(await refusedUpgrade(`ws://127.0.0.1:${web.port}/elsewhere?token=${web.token}`)).toBe(404);

    const ws = new WebSocket(`${wsUrl}?token=${web.token}`, { origin: web.origin });
    await new Promise((resolve, reject) => ws.once('open', resolve).once('error', reject));
    const received = new Promise<unknown>((resolve) => ws.once('message', (data) => resolve(decodeWire(String(data)))));
    const message: RunEventMessage = { runId: BROKEN_RUN, event: { type: 'progress', model: 'local-0', epoch: 1, epochs: 2, batch: 1, batches: 4, loss: Number.NaN, acc: 0.5 } } as unknown as RunEventMessage;
    web.broadcast(RUN_EVENT_CHANNEL, message);
    const frame = (await received) as { channel: string; message: { event: { loss: number } } };
    expect(frame.channel).toBe('run:event');
    expect(frame.message).toMatchObject({ runId: BROKEN_RUN, event: { type: 'progress', model: 'local-0' } });
    // NaN survives the trip (plain JSON would make it null).
    expect(frame.message.event.loss).toBeNaN();
    ws.close();
  });
});

/** The HTTP status with which the server refuses a WebSocket upgrade. */
function refusedUpgrade(url: string, opts: WebSocket.ClientOptions = {}): Promise<number> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, opts);
    ws.once('unexpected-response', (_req, res) => {
      resolve(res.statusCode ?? 0);
      ws.terminate();
    });
    ws.once('open', () => reject(new Error(`${url} was accepted`)));
    ws.once('error', () => {});
  });
}

describe('requests from elsewhere', () => {
  it('refuses a Host header that is not this server (DNS rebinding)', async () => {
    for (const host of ['attacker.example', `attacker.example:${web.port}`, '127.0.0.1', `127.0.0.1:${web.port + 1}`, `0.0.0.0:${web.port}`]) {
      const res = await request(`${base}/api/runs`, { headers: { ...bearer(), Host: host } });
      expect(res.status, host).toBe(403);
    }
    expect((await request(`${base}/api/runs`, { headers: { ...bearer(), Host: `localhost:${web.port}` } })).status).toBe(200);
  });

  it('refuses requests from other origins and never sends CORS headers', async () => {
    const res = await request(`${base}/api/runs`, { headers: { ...bearer(), Origin: 'http://evil.example' } });
    expect(res.status).toBe(403);
    const own = await request(`${base}/api/runs`, { headers: { ...bearer(), Origin: web.origin } });
    expect(own.status).toBe(200);
    const preflight = await request(`${base}/api/train:start`, {
      method: 'OPTIONS',
      headers: { Origin: 'http://evil.example', 'Access-Control-Request-Method': 'POST', 'Access-Control-Request-Headers': 'authorization,content-type' },
    });
    expect(preflight.status).toBe(403);
    for (const r of [res, own, preflight]) expect(Object.keys(r.headers).filter((h) => h.startsWith('access-control-'))).toEqual([]);
  });

  it('sends the app’s Content-Security-Policy and nosniff on every answer', async () => {
    for (const res of [await request(`${base}/?token=${web.token}`), await request(`${base}/api/runs`), await request(`${base}/assets/app.js`), await request(`${base}/nothing`)]) {
      expect(res.headers['content-security-policy']).toContain("default-src 'self'");
      expect(res.headers['content-security-policy']).toContain("connect-src 'self'");
      expect(res.headers['content-security-policy']).toContain("frame-ancestors 'none'");
      expect(res.headers['x-content-type-options']).toBe('nosniff');
      expect(res.headers['referrer-policy']).toBe('no-referrer');
    }
  });

  it('serves nothing outside the renderer folder', async () => {
    for (const p of ['/../secret.txt', '/%2e%2e/secret.txt', '/assets/..%2f..%2fsecret.txt', '/assets/link.txt', '/assets/%00app.js', '/assets/..\\..\\secret.txt', '/assets']) {
      const res = await request(`${base}${p}`);
      expect(res.status, p).toBe(404);
      expect(res.body).not.toContain('outside the renderer folder');
    }
  });
});

describe('malformed requests', () => {
  const post = (channel: string, body: string | Buffer, headers: Record<string, string> = { 'Content-Type': 'application/json' }) =>
    request(`${base}/api/${channel}`, { method: 'POST', headers: { ...bearer(), ...headers }, body });

  it('refuses a body that is not JSON, or not declared as JSON', async () => {
    const bad = await post('runs:get', '{"id": ');
    expect(bad.status).toBe(400);
    expect(json(bad)).toMatchObject({ ok: false, error: { code: 'invalid_request', message: expect.stringMatching(/not valid JSON/) } });
    const form = await post('runs:get', 'id=1', { 'Content-Type': 'application/x-www-form-urlencoded' });
    expect(form.status).toBe(415);
    expect(json(form)).toMatchObject({ ok: false, error: { code: 'invalid_request' } });
  });

  it('refuses an oversized body, declared or streamed, before reading it', async () => {
    const big = JSON.stringify({ id: 'x'.repeat(MAX_BODY_BYTES) });
    const declared = await post('runs:get', big);
    expect(declared.status).toBe(413);
    expect(json(declared)).toMatchObject({ ok: false, error: { code: 'invalid_request', message: expect.stringMatching(/larger than/) } });
    const chunked = await post('runs:get', big, { 'Content-Type': 'application/json', 'Transfer-Encoding': 'chunked' });
    expect(chunked.status).toBe(413);
    expect(json(chunked)).toMatchObject({ ok: false, error: { code: 'invalid_request' } });
  });

  it('validates every payload with the channel schema and size limit of dispatch', async () => {
    const notAnId = await post('runs:get', JSON.stringify({ id: '../../etc' }));
    expect(notAnId.status).toBe(400);
    expect(json(notAnId)).toMatchObject({ ok: false, error: { code: 'invalid_request', message: expect.stringMatching(/^runs:get: id/) } });
    // Under the body limit, over the payload limit (16 KiB) once decoded.
    const large = await post('train:start', JSON.stringify({ data: 'demo', pad: 'x'.repeat(20_000) }));
    expect(json(large)).toMatchObject({ ok: false, error: { code: 'invalid_request', message: expect.stringMatching(/larger than 16384 bytes/) } });
    const epochs = await post('train:start', JSON.stringify({ data: 'demo', grid: [2, 1, 1], overlap: 0, family: 'vgg', epochs: 0, batch: 8, seed: 1, global: false }));
    expect(json(epochs)).toMatchObject({ ok: false, error: { code: 'invalid_request', message: expect.stringMatching(/epochs/) } });
    // A channel that needs a payload cannot be called by GET.
    expect(json(await request(`${base}/api/runs:get`, { headers: bearer() }))).toMatchObject({ ok: false, error: { code: 'invalid_request' } });
  });

  it('answers unknown channels, other methods and refusals of the handlers with their status (clients such as curl)', async () => {
    const unknown = await request(`${base}/api/nope`, { headers: bearer() });
    expect(unknown.status).toBe(404);
    expect(json(unknown)).toMatchObject({ ok: false, error: { code: 'not_found', message: expect.stringMatching(/no api channel "nope"/) } });
    const put = await request(`${base}/api/runs`, { method: 'PUT', headers: bearer() });
    expect(put.status).toBe(405);
    const missing = await post('runs:get', JSON.stringify({ id: '20260101-120000-demo-000000' }));
    expect(missing.status).toBe(404);
    expect(json(missing)).toMatchObject({ ok: false, error: { code: 'not_found' } });
    const dialog = await post('dialog:pick', JSON.stringify({ kind: 'file' }));
    expect(dialog.status).toBe(501);
    expect(json(dialog)).toMatchObject({ ok: false, error: { code: 'not_supported' } });
    const plainGet = await request(`${base}/api/events`, { headers: bearer() });
    expect(plainGet.status).toBe(426);
  });
});

describe('answers for the web client', () => {
  // What src-renderer/lib/web-api.ts sends: an error Result is an answer (status 200, the Result says
  // ok:false), so that the browser logs no "Failed to load resource" console error for it.
  const webClient = () => ({ ...bearer(), 'Content-Type': 'application/json', [RESULT_STATUS_HEADER]: RESULT_STATUS_ALWAYS_200 });
  const post = (channel: string, body: string, headers: Record<string, string> = webClient()) =>
    request(`${base}/api/${channel}`, { method: 'POST', headers, body });

  it('sends every Result of a channel with status 200, ok:false included', async () => {
    const missing = await post('runs:get', JSON.stringify({ id: '20260101-120000-demo-000000' }));
    expect(missing.status).toBe(200);
    expect(json(missing)).toMatchObject({ ok: false, error: { code: 'not_found' } });
    const notAnId = await post('runs:get', JSON.stringify({ id: '../../etc' }));
    expect(notAnId.status).toBe(200);
    expect(json(notAnId)).toMatchObject({ ok: false, error: { code: 'invalid_request', message: expect.stringMatching(/^runs:get: id/) } });
    const dialog = await post('dialog:pick', JSON.stringify({ kind: 'folder' }));
    expect(dialog.status).toBe(200);
    expect(json(dialog)).toMatchObject({ ok: false, error: { code: 'not_supported' } });
    const unreadable = await post('runs:eval', JSON.stringify({ id: BROKEN_RUN }));
    expect(unreadable.status).toBe(200);
    expect(json(unreadable)).toMatchObject({ ok: false });
    const listed = await post('runs:list', '');
    expect(listed.status).toBe(200);
    expect(json(listed)).toMatchObject({ ok: true, value: [{ id: BROKEN_RUN }] });
  });

  it('keeps the status of refusals that come before any channel answers', async () => {
    const { Authorization: _, ...noToken } = webClient();
    const unauthorized = await post('runs:list', '', noToken);
    expect(unauthorized.status).toBe(401);
    expect(json(unauthorized)).toMatchObject({ ok: false, error: { code: 'forbidden' } });
    const foreign = await post('runs:list', '', { ...webClient(), Origin: 'http://evil.example' });
    expect(foreign.status).toBe(403);
    const tooLarge = await post('runs:get', JSON.stringify({ id: 'x'.repeat(MAX_BODY_BYTES) }));
    expect(tooLarge.status).toBe(413);
    const form = await post('runs:get', 'id=1', { ...webClient(), 'Content-Type': 'application/x-www-form-urlencoded' });
    expect(form.status).toBe(415);
    // Any other value of the header changes nothing.
    const other = await post('runs:get', JSON.stringify({ id: '20260101-120000-demo-000000' }), { ...webClient(), [RESULT_STATUS_HEADER]: 'yes' });
    expect(other.status).toBe(404);
  });
});
