// The window's security policy: who may call the api, what the renderer may load, and the CSP.
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { isAllowedRequest, isTrustedSender, type RendererLocation } from '../../src-main/electron/security';
import { contentSecurityPolicy, cspOfHtml, withCsp } from '../../src-main/api/content-security-policy';

const built: RendererLocation = { kind: 'file', indexUrl: 'file:///opt/DD-CNN%20Studio/resources/app.asar/out/renderer/index.html' };
const dev: RendererLocation = { kind: 'dev', url: 'http://localhost:5173/' };
const top = (url: string) => ({ url, isMainFrame: true });

describe('isTrustedSender', () => {
  it("trusts the app's own top-level page, whatever its hash or query", () => {
    expect(isTrustedSender(top(built.kind === 'file' ? built.indexUrl : ''), built)).toBe(true);
    expect(isTrustedSender(top('file:///opt/DD-CNN%20Studio/resources/app.asar/out/renderer/index.html#/runs'), built)).toBe(true);
    expect(isTrustedSender(top('http://localhost:5173/'), dev)).toBe(true);
    expect(isTrustedSender(top('http://localhost:5173/index.html?x=1'), dev)).toBe(true);
  });

  it('refuses iframes, missing frames and other pages', () => {
    expect(isTrustedSender({ url: 'file:///opt/DD-CNN%20Studio/resources/app.asar/out/renderer/index.html', isMainFrame: false }, built)).toBe(false);
    expect(isTrustedSender(null, built)).toBe(false);
    expect(isTrustedSender(undefined, dev)).toBe(false);
    expect(isTrustedSender(top('file:///opt/DD-CNN%20Studio/resources/app.asar/out/renderer/other.html'), built)).toBe(false);
    expect(isTrustedSender(top('file:///tmp/index.html'), built)).toBe(false);
    expect(isTrustedSender(top('file:///opt/DD-CNN%20Studio/resources/app.asar/out/renderer/../renderer2/index.html'), built)).toBe(false);
    expect(isTrustedSender(top('https://example.com/index.html'), built)).toBe(false);
    expect(isTrustedSender(top('http://localhost:5174/'), dev)).toBe(false);
    expect(isTrustedSender(top('http://127.0.0.1:5173/'), dev)).toBe(false);
    expect(isTrustedSender(top('file:///opt/DD-CNN%20Studio/resources/app.asar/out/renderer/index.html'), dev)).toBe(false);
    expect(isTrustedSender(top('about:blank'), built)).toBe(false);
    expect(isTrustedSender(top('not a url'), built)).toBe(false);
  });
});

describe('isAllowedRequest', () => {
  it("allows the renderer's own files and in-page URLs", () => {
    expect(isAllowedRequest('file:///opt/DD-CNN%20Studio/resources/app.asar/out/renderer/index.html', built)).toBe(true);
    expect(isAllowedRequest('file:///opt/DD-CNN%20Studio/resources/app.asar/out/renderer/assets/index-abc.js', built)).toBe(true);
    expect(isAllowedRequest('data:image/png;base64,AAAA', built)).toBe(true);
    expect(isAllowedRequest('blob:file:///1234-5678', built)).toBe(true);
    expect(isAllowedRequest('devtools://devtools/bundled/devtools_app.html', built)).toBe(true);
  });

  it('cancels remote content and files outside the renderer folder', () => {
    expect(isAllowedRequest('https://example.com/tracker.js', built)).toBe(false);
    expect(isAllowedRequest('http://localhost:5173/', built)).toBe(false);
    expect(isAllowedRequest('file:///etc/passwd', built)).toBe(false);
    expect(isAllowedRequest('file:///opt/DD-CNN%20Studio/resources/app.asar/out/renderer/../main/index.js', built)).toBe(false);
    expect(isAllowedRequest('file:///opt/DD-CNN%20Studio/resources/app.asar/out/renderer/%2e%2e/main/index.js', built)).toBe(false);
    expect(isAllowedRequest('file:///opt/DD-CNN%20Studio/resources/app.asar/out/renderer-evil/x.js', built)).toBe(false);
    expect(isAllowedRequest('file://server/share/out/renderer/index.html', built)).toBe(false);
    expect(isAllowedRequest('ftp://example.com/x', built)).toBe(false);
    expect(isAllowedRequest('garbage', built)).toBe(false);
  });

  it('allows the dev server and its hot-reload socket in dev, nothing else', () => {
    expect(isAllowedRequest('http://localhost:5173/@vite/client', dev)).toBe(true);
    expect(isAllowedRequest('ws://localhost:5173/?token=x', dev)).toBe(true);
    expect(isAllowedRequest('ws://localhost:9999/', dev)).toBe(false);
    expect(isAllowedRequest('https://cdn.example.com/x.js', dev)).toBe(false);
    expect(isAllowedRequest('file:///etc/passwd', dev)).toBe(false);
  });
});

describe('Content-Security-Policy', () => {
  const html = fs.readFileSync(path.join(import.meta.dirname, '../../src-renderer/index.html'), 'utf8');

  it('is written into index.html exactly as main.ts computes it', () => {
    expect(cspOfHtml(html)).toBe(contentSecurityPolicy({ dev: false, delivery: 'meta' }));
  });

  it('allows no inline or remote code, no plugins, no framing', () => {
    const header = contentSecurityPolicy({ dev: false, delivery: 'header' });
    expect(header).not.toContain('unsafe');
    expect(header).not.toMatch(/https?:|\*/);
    for (const d of ["default-src 'self'", "script-src 'self'", "object-src 'none'", "base-uri 'none'", "frame-ancestors 'none'", "connect-src 'self'"]) {
      expect(header).toContain(d);
    }
    // frame-ancestors is ignored (with a warning) in a meta tag, so only the header carries it.
    expect(contentSecurityPolicy({ dev: false, delivery: 'meta' })).not.toContain('frame-ancestors');
  });

  it('relaxes only style-src for the dev server, which injects component CSS inline', () => {
    const devPolicy = contentSecurityPolicy({ dev: true, delivery: 'header' });
    expect(devPolicy).toContain("style-src 'self' 'unsafe-inline'");
    expect(devPolicy).toContain("script-src 'self';");
    expect(cspOfHtml(withCsp(html, devPolicy))).toBe(devPolicy);
    expect(() => withCsp('<html></html>', devPolicy)).toThrow(/no Content-Security-Policy/);
  });
});
