// Builds the renderer (src-renderer) into the folder given as the only argument, with the renderer
// section of electron.vite.config.ts, so web mode serves exactly what the Electron app shows. Run by
// renderer-build.ts in a process of its own with the project as working folder: the config resolves its
// paths from the working folder, and electron-vite's build sets NODE_ENV, which the server's trainer
// processes must not inherit.
import path from 'node:path';
import { resolveConfig } from 'electron-vite';
import { build } from 'vite';

const outDir = process.argv[2];
if (!outDir || !path.isAbsolute(outDir)) throw new Error('usage: build-renderer-entry <absolute output folder>');

// What `electron-vite build` sets before building: the renderer preset then uses relative asset paths.
process.env.NODE_ENV_ELECTRON_VITE = 'production';
const resolved = await resolveConfig({ root: process.cwd(), logLevel: 'warn' }, 'build', 'production');
const renderer = resolved.config?.renderer;
if (!renderer) throw new Error(`${resolved.configFile ?? 'electron.vite.config.ts'} has no renderer section`);
renderer.logLevel = 'warn';
renderer.build = { ...renderer.build, outDir, emptyOutDir: true };
await build(renderer);
