// Where the entry module of a child process is, and how node must start it: the .ts source through tsx when
// run from the source tree (`ddcnn`, the tests), the bundled .js beside the caller otherwise.
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

/** The module `baseName` (.ts or .js) in the folder of the module whose import.meta.url is `callerUrl`. */
export function entryModule(callerUrl: string, baseName: string): { file: string; execArgv: string[] } {
  const here = path.dirname(fileURLToPath(callerUrl));
  const ts = path.join(here, `${baseName}.ts`);
  if (fs.existsSync(ts)) {
    // `--import tsx` would be resolved from the current folder, which need not be the project's.
    const tsxLoader = createRequire(callerUrl).resolve('tsx');
    return { file: ts, execArgv: ['--import', pathToFileURL(tsxLoader).href] };
  }
  return { file: path.join(here, `${baseName}.js`), execArgv: [] };
}
