// `ddcnn serve`: the app in a browser (web mode, DESIGN.md section 4). Builds the renderer when needed,
// starts the server on 127.0.0.1 with a new access token, trains through the same service as the Electron
// app (with child_process trainers), prints the address to open, and on Ctrl-C stops every run (leaving
// it resumable) before it exits.
import path from 'node:path';
import fs from 'node:fs';
import { InvalidArgumentError, type Command } from 'commander';
import { DATA_PROGRESS_CHANNEL, RUN_EVENT_CHANNEL } from '../api/contract';
import { createStudioService } from '../api/service';
import { forkLauncher } from '../runs/launcher';
import { ensureRenderer } from './renderer-build';
import { startWebServer, type WebServer } from './server';

/** The port tried first when none is given; a free one is taken when it is in use. */
export const DEFAULT_PORT = 5178;
/** How long Ctrl-C waits for trainers to checkpoint and stop (the orchestrator kills them after 3 s). */
const STOP_GRACE_MS = 10_000;

const port = (v: string) => {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0 || n > 65535) throw new InvalidArgumentError(`port must be a whole number from 0 to 65535, got "${v}"`);
  return n;
};

export function serveCommand(program: Command): void {
  program
    .command('serve')
    .description('serve the app to a browser on this machine only (127.0.0.1), behind a random access token')
    .option('--port <p>', `port to listen on; 0 picks a free one (default ${DEFAULT_PORT}, or a free one when that is taken)`, port)
    .option('--workspace <dir>', 'folder holding runs/ (default: the current folder)', process.cwd())
    .action(async (o: { port?: number; workspace: string }) => {
      const workspace = path.resolve(o.workspace);
      fs.mkdirSync(workspace, { recursive: true });
      const say = (line: string) => process.stderr.write(`${line}\n`);
      const rendererDir = await ensureRenderer(say);

      let web: WebServer | undefined;
      // No pickPath: a browser has no native dialog to offer, so dialog:pick answers not_supported.
      const service = createStudioService({
        workspace,
        launcher: forkLauncher,
        emit: (m) => web?.broadcast(RUN_EVENT_CHANNEL, m),
        emitDataProgress: (m) => web?.broadcast(DATA_PROGRESS_CHANNEL, m),
      });
      web = await startWebServer({ handlers: service.handlers, rendererDir, port: o.port ?? DEFAULT_PORT, fallbackToFreePort: o.port === undefined });
      if (o.port === undefined && web.port !== DEFAULT_PORT) say(`port ${DEFAULT_PORT} is in use; using ${web.port}`);
      // Ctrl-C is handled before the address is out: whoever reads it may stop the server at once.
      const stopped = new Promise<void>((resolve) => {
        let stopping = false;
        const stop = (signal: NodeJS.Signals) => {
          if (stopping) {
            say('stopping at once');
            process.exit(130);
          }
          stopping = true;
          const active = service.activeRunIds();
          say(active.length ? `${signal}: stopping run ${active.join(', ')} (resume later with ddcnn resume)...` : `${signal}: stopping the server`);
          const grace = new Promise((r) => setTimeout(r, STOP_GRACE_MS).unref());
          void Promise.race([service.stopAll(), grace])
            .then(() => web?.close())
            .finally(resolve);
        };
        process.on('SIGINT', stop);
        process.on('SIGTERM', stop);
      });
      say(`DD-CNN Studio web mode: workspace ${workspace}, reachable from this machine only. Open this address (Ctrl-C stops):`);
      process.stdout.write(`${web.url}\n`);
      await stopped;
      // The in-process compute backend (for backend:info) may keep handles open; nothing is left to do.
      process.exit(0);
    });
}
