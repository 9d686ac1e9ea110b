// Build of the three parts of the app (DESIGN.md section 2):
// - main: the main process (out/main/index.js) and the trainer utility-process entry
//   (out/main/trainer-entry.js), which main.ts forks from its own folder; dependencies stay external
//   (electron-vite's default), so @tensorflow/* load from node_modules with their native and wasm files;
// - preload: CommonJS (out/preload/index.cjs), the only format a sandboxed preload can be;
// - renderer: the Svelte UI from src-renderer (out/renderer).
import { resolve } from 'node:path';
import { defineConfig } from 'electron-vite';
import { svelte } from '@sveltejs/vite-plugin-svelte';
import type { Plugin } from 'vite';
import { contentSecurityPolicy, cspOfHtml, withCsp } from './src-main/electron/security';

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
        },
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
