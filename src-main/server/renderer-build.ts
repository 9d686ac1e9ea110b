// The built renderer for web mode: out/renderer, the folder `npm run build` (electron-vite) writes. When
// it is missing, or older than any of its sources (a fresh clone, a pull, an edit), `ddcnn serve` builds
// it first, so that a browser never gets a stale UI. Several servers may start at once (parallel browser
// tests): a lock folder lets one build while the others wait, and the result is moved into place whole.
import { fork } from 'node:child_process';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

export const PROJECT_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
export const RENDERER_DIR = path.join(PROJECT_ROOT, 'out', 'renderer');

/** What the renderer bundle is made from: its sources, the src-main modules it imports, the build config. */
const INPUTS = ['src-renderer', 'src-main', 'electron.vite.config.ts', 'package.json', 'package-lock.json'];
/** A lock older than this was left by a build that died. */
const STALE_LOCK_MS = 10 * 60_000;
const LOCK_POLL_MS = 250;

function newestFile(p: string): { file: string; mtimeMs: number } | undefined {
  const stat = fs.statSync(p, { throwIfNoEntry: false });
  if (!stat) return undefined;
  if (!stat.isDirectory()) return { file: p, mtimeMs: stat.mtimeMs };
  let newest: { file: string; mtimeMs: number } | undefined;
  for (const name of fs.readdirSync(p)) {
    const n = newestFile(path.join(p, name));
    if (n && (!newest || n.mtimeMs > newest.mtimeMs)) newest = n;
  }
  return newest;
}

/** Why `dir` must be (re)built, or null when it is newer than every input under `root`. */
export function staleReason(root: string, dir: string): string | null {
  const index = fs.statSync(path.join(dir, 'index.html'), { throwIfNoEntry: false });
  if (!index) return `${path.relative(root, dir)}/index.html does not exist`;
  for (const input of INPUTS) {
    const n = newestFile(path.join(root, input));
    if (n && n.mtimeMs > index.mtimeMs) return `${path.relative(root, n.file)} changed since the last build`;
  }
  return null;
}

/** The missing build tools, when the dev dependencies are not installed (an install with --omit=dev). */
function missingBuildTools(): string[] {
  // Looked up as folders: some of these packages export no package.json and no require() entry.
  const lookup = createRequire(import.meta.url).resolve.paths('vite') ?? [];
  return ['vite', 'electron-vite', '@sveltejs/vite-plugin-svelte', 'svelte'].filter((name) => !lookup.some((dir) => fs.existsSync(path.join(dir, name, 'package.json'))));
}

/** Runs build-renderer-entry.ts in a child process; its warnings and errors go to our stderr. */
function runBuild(outDir: string): Promise<void> {
  const entry = path.join(path.dirname(fileURLToPath(import.meta.url)), 'build-renderer-entry.ts');
  const tsx = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;
  return new Promise((resolve, reject) => {
    const child = fork(entry, [outDir], { cwd: PROJECT_ROOT, execArgv: ['--import', tsx], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    child.on('error', reject);
    child.on('exit', (code, signal) => (code === 0 ? resolve() : reject(new Error(`the renderer build failed (${signal ?? `exit code ${code}`}); see the messages above`))));
  });
}

/** Whether the build holding `lock` is gone: its process has exited, or it has held the lock too long. */
function lockAbandoned(lock: string): boolean {
  const stat = fs.statSync(lock, { throwIfNoEntry: false });
  if (!stat) return false;
  if (Date.now() - stat.mtimeMs > STALE_LOCK_MS) return true;
  // The pid file is written just after the folder: missing or empty, the owner is still starting.
  const pid = Number.parseInt(fs.readFileSync(path.join(lock, 'pid'), 'utf8'), 10);
  if (!Number.isInteger(pid)) return false;
  try {
    process.kill(pid, 0);
    return false;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'ESRCH';
  }
}

async function withLock<T>(lock: string, work: () => Promise<T>): Promise<T> {
  for (;;) {
    try {
      fs.mkdirSync(lock);
      fs.writeFileSync(path.join(lock, 'pid'), String(process.pid));
      break;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      let abandoned = false;
      try {
        abandoned = lockAbandoned(lock);
      } catch {
        // The lock went away, or its pid file is not written yet, while we looked: try again.
      }
      if (abandoned) fs.rmSync(lock, { recursive: true, force: true });
      else await new Promise((r) => setTimeout(r, LOCK_POLL_MS));
    }
  }
  try {
    return await work();
  } finally {
    fs.rmSync(lock, { recursive: true, force: true });
  }
}

/** Folders left by builds that were interrupted (Ctrl-C during the first start). */
function removeLeftovers(dir: string): void {
  const parent = path.dirname(dir);
  const prefix = path.basename(dir);
  for (const name of fs.readdirSync(parent)) {
    if (name.startsWith(`${prefix}.building-`) || name.startsWith(`${prefix}.old-`)) fs.rmSync(path.join(parent, name), { recursive: true, force: true });
  }
}

/**
 * The folder of a renderer build that is up to date with its sources, building it first when needed.
 * `log` gets one line before a build and one after.
 */
export async function ensureRenderer(log: (line: string) => void, root = PROJECT_ROOT, dir = RENDERER_DIR): Promise<string> {
  let reason = staleReason(root, dir);
  if (reason === null) return dir;
  const missing = missingBuildTools();
  if (missing.length > 0) {
    if (fs.existsSync(path.join(dir, 'index.html'))) {
      log(`warning: serving the existing web UI build although ${reason}: ${missing.join(', ')} not installed`);
      return dir;
    }
    throw new Error(`the web UI is not built (${reason}) and cannot be built here: ${missing.join(', ')} not installed. Run \`npm install\` (with the dev dependencies) and \`npm run build\`.`);
  }
  fs.mkdirSync(path.dirname(dir), { recursive: true });
  await withLock(path.join(path.dirname(dir), '.renderer-build.lock'), async () => {
    // Another server may have built it while this one waited for the lock.
    reason = staleReason(root, dir);
    if (reason === null) return;
    log(`building the web UI into ${path.relative(root, dir)} (${reason})...`);
    const started = Date.now();
    // Holding the lock, this is the only build: whatever another one left behind can go.
    removeLeftovers(dir);
    const tmp = `${dir}.building-${process.pid}`;
    const old = `${dir}.old-${process.pid}`;
    try {
      await runBuild(tmp);
      // Stamp the build with its start: a source saved while it ran is newer, so the next start rebuilds.
      fs.utimesSync(path.join(tmp, 'index.html'), started / 1000, started / 1000);
      if (fs.existsSync(dir)) fs.renameSync(dir, old);
      fs.renameSync(tmp, dir);
    } finally {
      fs.rmSync(tmp, { recursive: true, force: true });
      fs.rmSync(old, { recursive: true, force: true });
    }
    log(`built the web UI in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  });
  return dir;
}
