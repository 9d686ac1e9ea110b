// The message port of a worker process (a trainer, a job, an import worker) to the process that started
// it: process.send / process.on('message') under child_process.fork (CLI, server, tests), or
// process.parentPort under Electron's utilityProcess.fork (desktop app). The lowest layer, so that the
// data layer's import worker and the runs layer's entries share it.

interface ParentPort {
  on(event: 'message', listener: (e: { data: unknown }) => void): void;
  postMessage(message: unknown): void;
}

const parentPort = (process as unknown as { parentPort?: ParentPort }).parentPort;

/**
 * Sends a message to the parent; resolves once it has left this process. A large answer (a scan for the
 * slice viewer is tens of MB) is written to the pipe asynchronously, so exiting right after process.send
 * would cut it off. Electron's parentPort.postMessage has no callback; its message is queued at once.
 */
export function sendToParent(m: unknown): Promise<void> {
  return new Promise((resolve) => {
    if (parentPort) {
      parentPort.postMessage(m);
      resolve();
    } else if (process.send) process.send(m as object, undefined, {}, () => resolve());
    else resolve();
  });
}

/** Calls `listener` with every message from the parent. */
export function onParentMessage(listener: (m: unknown) => void): void {
  if (parentPort) parentPort.on('message', (e) => listener(e.data));
  else process.on('message', listener);
}
