// Starts `ddcnn serve` for a browser test the way a user does (node bin/ddcnn.js serve), on a free port
// and a workspace of the test's own, and reads the address with the token from its stdout. The first
// start may build the renderer (a few seconds), hence the generous start timeout.
import { spawn, type ChildProcess } from 'node:child_process';
import { DDCNN_BIN } from '../../helpers/cli';

const URL_LINE = /^(http:\/\/127\.0\.0\.1:(\d+))\/\?token=([0-9a-f]{64})$/m;

export interface ServeProcess {
  /** The address `ddcnn serve` printed, token included. */
  url: string;
  /** http://127.0.0.1:<port> */
  origin: string;
  port: number;
  token: string;
  workspace: string;
  /** Everything the server wrote so far (stdout and stderr), for failure messages. */
  output(): string;
  /** Ctrl-C, as a user stops it; resolves with the exit code (killed after `graceMs`). */
  stop(graceMs?: number): Promise<number | null>;
}

export function startServe(workspace: string, { timeoutMs = 120_000 } = {}): Promise<ServeProcess> {
  const child: ChildProcess = spawn(process.execPath, [DDCNN_BIN, 'serve', '--port', '0', '--workspace', workspace], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let log = '';
  child.stdout!.on('data', (d: Buffer) => {
    stdout += d.toString();
    log += d.toString();
  });
  child.stderr!.on('data', (d: Buffer) => (log += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));

  const stop = async (graceMs = 15_000): Promise<number | null> => {
    if (child.exitCode !== null || child.signalCode !== null) return child.exitCode;
    child.kill('SIGINT');
    const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
    const code = await exited;
    clearTimeout(timer);
    return code;
  };

  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      void stop(1000);
      reject(new Error(`ddcnn serve printed no address within ${timeoutMs / 1000} s:\n${log}`));
    }, timeoutMs);
    const onData = () => {
      const m = URL_LINE.exec(stdout);
      if (!m) return;
      clearTimeout(timer);
      child.stdout!.off('data', onData);
      resolve({ url: m[0], origin: m[1], port: Number(m[2]), token: m[3], workspace, output: () => log, stop });
    };
    child.stdout!.on('data', onData);
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`ddcnn serve exited (code ${code}) before printing its address:\n${log}`));
    });
  });
}
