// Build of the three parts of the app (DESIGN.md section 2):
// - main: the main process (out/main/index.js) and the entries of its worker processes, which it forks from
//   its own folder: every trainer (out/main/trainer-entry.js), the app's one-off jobs, creating a run and
//   predicting (out/main/job-entry.js), and the import workers that inspect a data set folder
//   (out/main/import-worker.js, forked by src-main/data/import/worker-pool.ts); dependencies stay external
//   (electron-vite's default), so @tensorflow/* load from node_modules with their native and wasm files;
// - preload: CommonJS (out/preload/index.cjs), the only format a sandboxed preload can be;
// - renderer: the Svelte UI from src-renderer (out/renderer).
import { resolve } from 'node:path';
import { defineConfig } from 'electron-vite';
import { svelte } from '@sveltejs/vite-plugin-svelte';
import type { Plugin } from 'vite';
import { contentSecurityPolicy, cspOfHtml, withCsp } from './src-main/api/content-security-policy';

/**
 * Keeps index.html's CSP meta tag equal to the policy main.ts sends as a header: a build fails when they
 * differ, and the dev server gets the dev policy (Vite injects styles inline there).
 */
function cspMeta(): Plugin {
  let dev = false;
  return {
    name: 'ddcnn:csp-meta',
    configResolved(config) {
      dev = config.command === 'serve';
    },
    transformIndexHtml(html) {
      const built = contentSecurityPolicy({ dev: false, delivery: 'meta' });
      if (cspOfHtml(html) !== built) throw new Error(`src-renderer/index.html must carry the Content-Security-Policy "${built}"`);
      return dev ? withCsp(html, contentSecurityPolicy({ dev: true, delivery: 'meta' })) : html;
    },
  };
}

export default defineConfig({
  main: {
    build: {
      rolldownOptions: {
        input: {
          index: resolve('src-main/electron/main.ts'),
          'trainer-entry': resolve('src-main/runs/trainer-entry.ts'),
          'job-entry': resolve('src-main/runs/job-entry.ts'),
          'import-worker': resolve('src-main/data/import/import-worker.ts'),
        },
        // Shared chunks beside the entries, not in chunks/: modules that find an entry next to themselves
        // (launcher.ts, worker-pool.ts: dirname(import.meta.url)) must see out/main wherever they land.
        output: { chunkFileNames: '[name]-[hash].js' },
      },
    },
  },
  preload: {
    build: {
      rolldownOptions: {
        input: { index: resolve('src-main/electron/preload.ts') },
        output: { format: 'cjs', entryFileNames: '[name].cjs' },
      },
    },
  },
  renderer: {
    root: resolve('src-renderer'),
    build: {
      rolldownOptions: { input: resolve('src-renderer/index.html') },
    },
    plugins: [svelte(), cspMeta()],
  },
});
