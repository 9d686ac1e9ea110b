// The built renderer's files (index.html and its assets) for the web-mode server. Paths are resolved
// inside the renderer folder only; anything else, including '..' in any spelling and links that lead
// out, is 404. The caller decides who may have index.html; the assets are the app's public code.
import fs from 'node:fs';
import path from 'node:path';
import type { ServerResponse } from 'node:http';

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.ico': 'image/x-icon',
  '.wasm': 'application/wasm',
  '.woff2': 'font/woff2',
  '.woff': 'font/woff',
  '.txt': 'text/plain; charset=utf-8',
};

/**
 * The file under `root` that the URL path `pathname` names, or undefined when there is none (or it
 * would lie outside `root`). `pathname` is still percent-encoded, as it comes in the request line.
 */
export function resolveStatic(root: string, pathname: string): string | undefined {
  let decoded: string;
  try {
    decoded = decodeURIComponent(pathname);
  } catch {
    return undefined;
  }
  if (decoded.includes('\0') || decoded.includes('\\')) return undefined;
  const base = fs.realpathSync(root);
  const file = path.resolve(base, '.' + path.posix.normalize('/' + decoded));
  let real: string;
  try {
    // realpath follows links, so a link inside the folder that points out of it is refused too.
    real = fs.realpathSync(file);
  } catch {
    return undefined;
  }
  const rel = path.relative(base, real);
  if (rel === '' || rel.startsWith('..') || path.isAbsolute(rel)) return undefined;
  return fs.statSync(real).isFile() ? real : undefined;
}

/** Sends a file with its type; HEAD gets the headers only. */
export function sendFile(res: ServerResponse, file: string, method: string, headers: Record<string, string> = {}): void {
  const body = fs.readFileSync(file);
  res.writeHead(200, {
    'Content-Type': TYPES[path.extname(file).toLowerCase()] ?? 'application/octet-stream',
    'Content-Length': body.length,
    // Revalidate every time: the files change when the renderer is rebuilt, and they come from this machine.
    'Cache-Control': 'no-cache',
    ...headers,
  });
  res.end(method === 'HEAD' ? undefined : body);
}
