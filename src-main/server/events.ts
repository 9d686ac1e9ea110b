// The event streams of the web-mode server: authenticated WebSockets at /api/events, each receiving every
// message main sends to the renderer (run events, data-inspection progress) as a frame
// `{ channel, message }`, with the channel names of the Electron IPC events ('run:event',
// 'data:progress'). Clients send nothing; a socket that stops answering pings is dropped.
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';
import { encodeWire } from '../api/wire';

/** Progress events are levels, not deltas: a client this far behind skips them rather than queue more. */
const PROGRESS_BACKLOG_BYTES = 1 << 20;
const PING_INTERVAL_MS = 30_000;

export interface EventFrame {
  channel: string;
  message: unknown;
}

export interface EventHub {
  /** Takes over an upgrade request the caller has already authenticated. */
  accept(req: IncomingMessage, socket: Duplex, head: Buffer): void;
  broadcast(channel: string, message: unknown): void;
  clientCount(): number;
  close(): void;
}

/** Answers an upgrade request with an HTTP error and closes the connection. */
export function refuseUpgrade(socket: Duplex, status: number, reason: string): void {
  const body = `${reason}\n`;
  socket.end(`HTTP/1.1 ${status} ${reason}\r\nConnection: close\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`);
}

function isProgress(message: unknown): boolean {
  const event = (message as { event?: { type?: unknown } } | null)?.event;
  return event?.type === 'progress';
}

export function createEventHub(): EventHub {
  // Clients only listen; a small limit makes a flood of incoming data cost nothing.
  const wss = new WebSocketServer({ noServer: true, maxPayload: 1024, clientTracking: true });
  const alive = new WeakMap<WebSocket, boolean>();

  wss.on('connection', (ws) => {
    alive.set(ws, true);
    ws.on('pong', () => alive.set(ws, true));
    ws.on('error', () => ws.terminate());
  });

  const pinger = setInterval(() => {
    for (const ws of wss.clients) {
      if (!alive.get(ws)) {
        ws.terminate();
        continue;
      }
      alive.set(ws, false);
      ws.ping();
    }
  }, PING_INTERVAL_MS);
  pinger.unref();

  return {
    accept(req, socket, head) {
      wss.handleUpgrade(req, socket, head, (ws) => wss.emit('connection', ws, req));
    },
    broadcast(channel, message) {
      const text = encodeWire({ channel, message } satisfies EventFrame);
      const skippable = isProgress(message);
      for (const ws of wss.clients) {
        if (ws.readyState !== ws.OPEN) continue;
        if (skippable && ws.bufferedAmount > PROGRESS_BACKLOG_BYTES) continue;
        ws.send(text);
      }
    },
    clientCount: () => wss.clients.size,
    close() {
      clearInterval(pinger);
      for (const ws of wss.clients) ws.close(1001, 'server stopping');
      wss.close();
    },
  };
}
