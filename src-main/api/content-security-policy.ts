// The renderer's Content-Security-Policy, one policy for every way the UI is delivered: the Electron window
// (src-main/electron) and web mode (src-main/server) send it as a header, and index.html carries it in a
// meta tag (electron.vite.config.ts checks that the file holds exactly this policy).

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
