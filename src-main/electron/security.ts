// The window's security policy as pure functions of URLs, so that it is unit-tested without Electron:
// which frames may call the api and which requests may leave the renderer (the Content-Security-Policy,
// shared with web mode, is src-main/api/content-security-policy.ts).
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
