// The web client (src-renderer/lib/web-api.ts) with a stand-in fetch: every call is one POST with the
// token and the header that asks for error Results with status 200 (a browser logs error statuses as
// console errors), an error Result comes back as data whatever the status, and pickPath never reaches the
// server (there is no native dialog in a browser).
import { describe, expect, it } from 'vitest';
import { encodeWire, RESULT_STATUS_ALWAYS_200, RESULT_STATUS_HEADER } from '../../src-main/api/wire';
import { createWebApi, httpCaller, NO_DIALOG, type WebEnvironment } from '../../src-renderer/lib/web-api';

const TOKEN = 'a'.repeat(64);

interface Sent {
  url: string;
  init: RequestInit;
}

function fakeFetch(answer: (url: string) => { status: number; body: string }): { fetch: typeof fetch; sent: Sent[] } {
  const sent: Sent[] = [];
  const f = (async (url: string, init: RequestInit) => {
    sent.push({ url, init });
    const a = answer(url);
    return new Response(a.body, { status: a.status });
  }) as unknown as typeof fetch;
  return { fetch: f, sent };
}

function environment(f: typeof fetch): WebEnvironment {
  const store = new Map<string, string>();
  return {
    location: { href: `http://127.0.0.1:5178/?token=${TOKEN}`, host: '127.0.0.1:5178', protocol: 'http:' },
    history: { state: null, replaceState: () => {} },
    storage: { getItem: (k) => store.get(k) ?? null, setItem: (k, v) => void store.set(k, v) },
    fetch: f,
    WebSocket: class {} as unknown as typeof WebSocket,
  };
}

describe('the web client', () => {
  it('posts every call with the token and asks for error Results with status 200', async () => {
    const { fetch, sent } = fakeFetch(() => ({ status: 200, body: encodeWire({ ok: false, error: { code: 'not_found', message: 'run x does not exist' } }) }));
    const api = createWebApi(environment(fetch));
    const r = await api.getRun({ id: '20260101-120000-demo-000000' });
    expect(r).toEqual({ ok: false, error: { code: 'not_found', message: 'run x does not exist' } });
    expect(sent).toHaveLength(1);
    expect(sent[0].url).toBe('/api/runs%3Aget');
    expect(sent[0].init.method).toBe('POST');
    expect(sent[0].init.headers).toMatchObject({ Authorization: `Bearer ${TOKEN}`, 'Content-Type': 'application/json', [RESULT_STATUS_HEADER]: RESULT_STATUS_ALWAYS_200 });
  });

  it('answers pickPath with not_supported without asking the server', async () => {
    const { fetch, sent } = fakeFetch(() => ({ status: 200, body: encodeWire({ ok: true, value: '/somewhere' }) }));
    const api = createWebApi(environment(fetch));
    expect(await api.pickPath({ kind: 'folder' })).toEqual(NO_DIALOG);
    expect(await api.pickPath({ kind: 'file' })).toMatchObject({ ok: false, error: { code: 'not_supported' } });
    expect(sent).toEqual([]);
  });

  it('still reads a Result sent with an error status (an older server), and says so when there is none', async () => {
    const old = fakeFetch(() => ({ status: 404, body: encodeWire({ ok: false, error: { code: 'not_found', message: 'gone' } }) }));
    expect(await httpCaller(old, TOKEN)('runs:list', undefined)).toEqual({ ok: false, error: { code: 'not_found', message: 'gone' } });
    const refused = fakeFetch(() => ({ status: 401, body: 'no' }));
    expect(await httpCaller(refused, TOKEN)('runs:list', undefined)).toMatchObject({ ok: false, error: { code: 'forbidden' } });
  });
});
