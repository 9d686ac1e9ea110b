// Runs the real `ddcnn` command in a child process.
import { execFile } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const DDCNN_BIN = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../bin/ddcnn.js');

export function ddcnn(args: string[], opts: { cwd?: string; env?: NodeJS.ProcessEnv } = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [DDCNN_BIN, ...args], { cwd: opts.cwd, env: opts.env ? { ...process.env, ...opts.env } : undefined, maxBuffer: 64 * 2 ** 20 }, (err, stdout, stderr) => {
      const code = err ? ((err as { code?: number }).code ?? 1) : 0;
      resolve({ code: typeof code === 'number' ? code : 1, stdout, stderr });
    });
  });
}
