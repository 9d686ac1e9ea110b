// The window's security policy as pure functions of URLs, so that it is unit-tested without Electron:
// which frames may call the api, which requests may leave the renderer, and the Content-Security-Policy.
// The renderer is either the built index.html (file:) or, in `electron-vite dev`, the Vite dev server.

export type RendererLocation =
  /** The built renderer: `indexUrl` is the file: URL of out/renderer/index.html. */
  | { kind: 'file'; indexUrl: string }
  /** The dev server that `electron-vite dev` starts (ELECTRON_RENDERER_URL). */
  | { kind: 'dev'; url: string };

function parse(url: string): URL | undefined {
  try {
    return new URL(url);
  } catch {
    return undefined;
  }
}

/** The folder of the built renderer as a URL path ending in '/': every file it may load lies below it. */
function fileRoot(indexUrl: string): string {
  const p = new URL(indexUrl).pathname;
  return p.slice(0, p.lastIndexOf('/') + 1);
}

export interface SenderFrame {
  url: string;
  /** Only the top-level frame is the app; an iframe (there should be none) never gets the api. */
  isMainFrame: boolean;
}

/** Whether an IPC message comes from the app's own page (not from an iframe or a page navigated elsewhere). */
export function isTrustedSender(frame: SenderFrame | null | undefined, renderer: RendererLocation): boolean {
  if (!frame || !frame.isMainFrame) return false;
  const u = parse(frame.url);
  if (!u) return false;
  if (renderer.kind === 'file') {
    const index = new URL(renderer.indexUrl);
    // Query and hash are the page's own business (a router may use the hash); the document must match.
    return u.protocol === 'file:' && u.host === index.host && u.pathname === index.pathname;
  }
  const dev = new URL(renderer.url);
  return (u.protocol === 'http:' || u.protocol === 'https:') && u.origin === dev.origin;
}

/**
 * Whether the renderer may load `url`. No remote content: only the renderer's own files (or the dev
 * server, including its hot-reload socket), in-page data/blob URLs and the developer tools.
 */
export function isAllowedRequest(url: string, renderer: RendererLocation): boolean {
  const u = parse(url);
  if (!u) return false;
  if (u.protocol === 'data:' || u.protocol === 'blob:' || u.protocol === 'devtools:') return true;
  if (renderer.kind === 'file') {
    // The URL parser has already resolved '..' (also when percent-encoded), so a prefix test is sound.
    return u.protocol === 'file:' && u.host === new URL(renderer.indexUrl).host && u.pathname.startsWith(fileRoot(renderer.indexUrl));
  }
  const dev = new URL(renderer.url);
  if (u.protocol === 'http:' || u.protocol === 'https:') return u.origin === dev.origin;
  if (u.protocol === 'ws:' || u.protocol === 'wss:') return u.host === dev.host;
  return false;
}

/**
 * The Content-Security-Policy of the renderer, sent as a response header and written into index.html's
 * meta tag (a test checks that index.html carries exactly this policy). The built app needs no inline
 * code or styles: Svelte emits its component CSS as a file and sets dynamic styles through the CSSOM,
 * which CSP allows. Vite's dev server injects component CSS as <style> elements, so dev alone allows
 * inline styles. `frame-ancestors` only works as a header (browsers ignore it, with a warning, in meta).
 */
export function contentSecurityPolicy({ dev, delivery }: { dev: boolean; delivery: 'header' | 'meta' }): string {
  return [
    "default-src 'self'",
    "script-src 'self'",
    dev ? "style-src 'self' 'unsafe-inline'" : "style-src 'self'",
    "img-src 'self' data: blob:",
    "connect-src 'self'",
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'none'",
    ...(delivery === 'header' ? ["frame-ancestors 'none'"] : []),
  ].join('; ');
}

/** The meta tag's policy in an index.html, or undefined when there is none. */
export function cspOfHtml(html: string): string | undefined {
  const m = /<meta\s+http-equiv="Content-Security-Policy"\s+content="([^"]*)"\s*\/?>/i.exec(html);
  return m?.[1];
}

/** index.html with its meta policy replaced (dev builds relax style-src; see contentSecurityPolicy). */
export function withCsp(html: string, policy: string): string {
  if (cspOfHtml(html) === undefined) throw new Error('index.html has no Content-Security-Policy meta tag');
  return html.replace(/(<meta\s+http-equiv="Content-Security-Policy"\s+content=")[^"]*("\s*\/?>)/i, `$1${policy}$2`);
}
