// Locates the project's root folder (the one holding its package.json) from a module's own URL, so that
// shipped resources are found the same way from src-main under tsx, from vitest, and from a built out/ folder.

import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const PACKAGE_NAME = 'ddcnn-studio';

function isProjectRoot(dir: string): boolean {
  const pkg = join(dir, 'package.json');
  if (!existsSync(pkg)) return false;
  try {
    return (JSON.parse(readFileSync(pkg, 'utf8')) as { name?: string }).name === PACKAGE_NAME;
  } catch {
    return false;
  }
}

/** Walks up from `moduleUrl` to the folder whose package.json names this project. */
export function findProjectRoot(moduleUrl: string = import.meta.url): string {
  let dir = dirname(fileURLToPath(moduleUrl));
  for (;;) {
    if (isProjectRoot(dir)) return dir;
    const parent = dirname(dir);
    if (parent === dir) throw new Error(`cannot find the ${PACKAGE_NAME} project root above ${fileURLToPath(moduleUrl)}`);
    dir = parent;
  }
}
