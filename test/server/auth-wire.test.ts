// The pure parts of web mode: token comparison and extraction, Host and Origin checks
// (src-main/server/auth.ts), the JSON codec of the web transport (src-main/api/wire.ts) and the web
// handling of the token in the page's address (src-renderer/lib/web-token.ts).
import { describe, expect, it } from 'vitest';
import { decodeWire, encodeWire } from '../../src-main/api/wire';
import { hostAllowed, newToken, originAllowed, requestToken, tokensEqual } from '../../src-main/server/auth';
import { takeToken } from '../../src-renderer/lib/web-token';

describe('tokens', () => {
  it('are 32 random bytes in hex, different every time', () => {
    const a = newToken();
    expect(a).toMatch(/^[0-9a-f]{64}$/);
    expect(newToken()).not.toBe(a);
  });

  it('compare equal only when identical', () => {
    const t = newToken();
    expect(tokensEqual(t, t)).toBe(true);
    expect(tokensEqual(t.toUpperCase(), t)).toBe(false);
    expect(tokensEqual(t.slice(0, 63), t)).toBe(false);
    expect(tokensEqual(`${t}0`, t)).toBe(false);
    expect(tokensEqual('', t)).toBe(false);
    expect(tokensEqual(null, t)).toBe(false);
    expect(tokensEqual(undefined, t)).toBe(false);
  });

  it('come from the Bearer header first, else from the query', () => {
    const url = new URL('http://127.0.0.1:1/api/runs?token=fromquery');
    expect(requestToken({ authorization: 'Bearer abc' }, url)).toBe('abc');
    expect(requestToken({ authorization: 'bearer   abc ' }, url)).toBe('abc');
    // A header of another scheme is not silently replaced by the query.
    expect(requestToken({ authorization: 'Basic abc' }, url)).toBeNull();
    expect(requestToken({}, url)).toBe('fromquery');
    expect(requestToken({}, new URL('http://127.0.0.1:1/api/runs'))).toBeNull();
  });
});

describe('Host and Origin', () => {
  it('accept only this server’s own names', () => {
    expect(hostAllowed('127.0.0.1:5178', 5178)).toBe(true);
    expect(hostAllowed('localhost:5178', 5178)).toBe(true);
    expect(hostAllowed('LOCALHOST:5178', 5178)).toBe(true);
    for (const h of [undefined, '127.0.0.1', 'localhost', '127.0.0.1:5179', 'evil.example:5178', '0.0.0.0:5178', '[::1]:5178', '127.0.0.1:5178.evil.example']) {
      expect(hostAllowed(h, 5178), String(h)).toBe(false);
    }
    expect(originAllowed(undefined, 5178)).toBe(true);
    expect(originAllowed('http://127.0.0.1:5178', 5178)).toBe(true);
    expect(originAllowed('http://localhost:5178', 5178)).toBe(true);
    for (const o of ['null', 'http://127.0.0.1:5179', 'https://127.0.0.1:5178', 'http://evil.example', 'file://']) expect(originAllowed(o, 5178), o).toBe(false);
  });
});

describe('the wire codec', () => {
  it('keeps typed arrays, ArrayBuffers and non-finite numbers, and drops undefined like JSON', () => {
    const value = {
      f32: new Float32Array([1.5, -2, Number.NaN]),
      u8: new Uint8Array([0, 255]),
      i16: new Int16Array([-3, 4]).subarray(1),
      buf: new Uint8Array([9, 8, 7]).buffer,
      n: [Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, 0, -1.25],
      nested: { s: 'text', b: true, none: null, gone: undefined },
    };
    const back = decodeWire(encodeWire(value)) as typeof value;
    expect(back.f32).toBeInstanceOf(Float32Array);
    expect([...back.f32]).toEqual([1.5, -2, Number.NaN]);
    expect(back.u8).toEqual(new Uint8Array([0, 255]));
    expect(back.i16).toEqual(new Int16Array([4]));
    expect(new Uint8Array(back.buf)).toEqual(new Uint8Array([9, 8, 7]));
    expect(back.n).toEqual([Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, 0, -1.25]);
    expect(back.nested).toEqual({ s: 'text', b: true, none: null });
  });

  it('moves large arrays and keeps __proto__ keys as data', () => {
    const big = new Float32Array(100_000).map((_, i) => i / 7);
    expect(decodeWire(encodeWire(big))).toEqual(big);
    const hostile = decodeWire('{"__proto__": {"polluted": true}}') as Record<string, unknown>;
    const again = decodeWire(encodeWire(hostile)) as Record<string, unknown>;
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(Object.getPrototypeOf(again)).toBe(Object.prototype);
  });

  it('rejects malformed text and tags', () => {
    expect(() => decodeWire('{')).toThrow(SyntaxError);
    expect(() => decodeWire('{"$wire": "Float32Array", "base64": "AAA="}')).toThrow(/malformed \$wire/);
    expect(() => decodeWire('{"$wire": "Function", "base64": ""}')).toThrow(/malformed \$wire/);
    expect(() => decodeWire('{"$wire": "number", "value": "abc"}')).toThrow(/malformed \$wire/);
  });
});

describe('the token in the page address', () => {
  function browser(href: string, stored: string | null = null) {
    const storage = new Map<string, string>(stored ? [['ddcnn-token', stored]] : []);
    const env = {
      location: { href },
      history: { state: null, replaceState: (_s: unknown, _t: string, url?: string | null) => void (env.location.href = new URL(String(url), env.location.href).href) },
      storage: { getItem: (k: string) => storage.get(k) ?? null, setItem: (k: string, v: string) => void storage.set(k, v) },
    };
    return { env, storage };
  }

  it('is moved from the address to session storage, keeping the rest of the address', () => {
    const { env, storage } = browser('http://127.0.0.1:5178/?view=runs&token=abc#/runs/1');
    expect(takeToken(env)).toBe('abc');
    expect(env.location.href).toBe('http://127.0.0.1:5178/?view=runs#/runs/1');
    expect(storage.get('ddcnn-token')).toBe('abc');
  });

  it('comes from session storage after a reload, and is null when there is none', () => {
    expect(takeToken(browser('http://127.0.0.1:5178/', 'stored').env)).toBe('stored');
    expect(takeToken(browser('http://127.0.0.1:5178/').env)).toBeNull();
    // A new address with a token wins over an old stored one (a restarted server has a new token).
    expect(takeToken(browser('http://127.0.0.1:5178/?token=new', 'old').env)).toBe('new');
  });
});
