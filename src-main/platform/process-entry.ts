// Where the entry module of a child process is, and how node must start it. In the packaged app (and any
// build) the bundled .js sits beside the caller. In the source tree (`ddcnn`, the tests) the .ts source
// runs through tsx, except the trainer's: a run starts one trainer per model, so its entry is bundled with
// esbuild into one file under node_modules/.cache (packages left external), which starts in about 0.5 s
// where tsx took about 2 s (tsx's own start, and its loader hooks on each of hundreds of modules).
// The bundle is CommonJS: its packages are then loaded with require, and TensorFlow.js with its wasm
// backend loads in 160-190 ms where Node's ES-module loader took 515-640 ms (it parses every CommonJS file
// it imports, megabytes of them, to find its exports).
// Only the trainer: in a bundle every module's import.meta.url is the bundle's, and the trainer's code
// uses it only to resolve packages (which resolve the same from node_modules/.cache); the other entries
// locate sibling sources and resources by it.
import fs from 'node:fs';
import crypto from 'node:crypto';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type * as Esbuild from 'esbuild';

/** The module `baseName` (.ts or .js) in the folder of the module whose import.meta.url is `callerUrl`. */
export function entryModule(callerUrl: string, baseName: string): { file: string; execArgv: string[] } {
  const here = path.dirname(fileURLToPath(callerUrl));
  const ts = path.join(here, `${baseName}.ts`);
  if (!fs.existsSync(ts)) return { file: path.join(here, `${baseName}.js`), execArgv: [] };
  if (BUNDLED.has(baseName)) return { file: bundledEntry(callerUrl, ts), execArgv: [] };
  // `--import tsx` would be resolved from the current folder, which need not be the project's.
  const tsxLoader = createRequire(callerUrl).resolve('tsx');
  return { file: ts, execArgv: ['--import', pathToFileURL(tsxLoader).href] };
}

const BUNDLED = new Set(['trainer-entry']);

interface Bundle {
  file: string;
  /** Every source file in the bundle, with its modification time when it was built. */
  inputs: [string, number][];
}

const bundles = new Map<string, Bundle>();

const mtime = (file: string): number => {
  try {
    return fs.statSync(file).mtimeMs;
  } catch {
    return -1;
  }
};

/**
 * The bundle of a .ts entry: built once per process, and again when one of its sources changed (a long-
 * running server while its sources are edited). Written under a name that is the hash of its contents,
 * through a temporary file, so that processes building at the same time never read a partial file.
 */
function bundledEntry(callerUrl: string, ts: string): string {
  const known = bundles.get(ts);
  if (known && known.inputs.every(([file, time]) => mtime(file) === time)) return known.file;
  // Inside the project's node_modules, so that the bundle's package imports resolve as the sources' do.
  // Loaded only here: a built app (whose entries are .js files) never needs it.
  const requireHere = createRequire(callerUrl);
  const esbuild = requireHere('esbuild') as typeof Esbuild;
  const nodeModules = path.dirname(path.dirname(requireHere.resolve('esbuild/package.json')));
  const dir = path.join(nodeModules, '.cache', 'ddcnn-entries');
  const result = esbuild.buildSync({
    entryPoints: [ts],
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    packages: 'external',
    // CommonJS has no import.meta: the bundle's own URL stands in for it.
    define: { 'import.meta.url': '__bundleUrl' },
    banner: { js: "const __bundleUrl = require('node:url').pathToFileURL(__filename).href;" },
    write: false,
    metafile: true,
    outfile: path.join(dir, 'entry.cjs'),
    logLevel: 'silent',
  });
  const code = result.outputFiles[0].contents;
  const hash = crypto.createHash('sha256').update(code).digest('hex').slice(0, 16);
  const file = path.join(dir, `${path.basename(ts, '.ts')}-${hash}.cjs`);
  if (!fs.existsSync(file)) {
    fs.mkdirSync(dir, { recursive: true });
    const tmp = `${file}.${process.pid}.tmp`;
    fs.writeFileSync(tmp, code);
    fs.renameSync(tmp, file);
  }
  const cwd = process.cwd();
  const inputs = Object.keys(result.metafile.inputs).map((f): [string, number] => {
    const abs = path.resolve(cwd, f);
    return [abs, mtime(abs)];
  });
  bundles.set(ts, { file, inputs });
  return file;
}
