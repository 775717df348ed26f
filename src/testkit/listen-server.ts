/**
 * A plain `ws` server standing in for a jambonz `listen` consumer (tests and the stream bench):
 * it accepts the audio subprotocol and records, per connection, the handshake headers, the first
 * text message (the metadata), the binary audio and later text messages (DTMF, mark events).
 */
import type { IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { WebSocketServer, type WebSocket } from 'ws';

export interface ListenConnection {
  readonly ws: WebSocket;
  readonly headers: IncomingMessage['headers'];
  readonly path: string;
  metadata?: Record<string, unknown>;
  /** Every binary message, in order. */
  readonly frames: Buffer[];
  /** When each binary message arrived (performance.now()). */
  readonly frameTimes: number[];
  /** Text messages after the metadata, parsed. */
  readonly events: Array<Record<string, unknown>>;
  readonly closed: Promise<void>;
}

export interface ListenServer {
  readonly url: string;
  readonly connections: ListenConnection[];
  close(): Promise<void>;
}

export async function startListenServer(onConnection: (c: ListenConnection) => void = () => undefined): Promise<ListenServer> {
  const wss = new WebSocketServer({ host: '127.0.0.1', port: 0, handleProtocols: (protocols) => (protocols.has('audio.jambonz.org') ? 'audio.jambonz.org' : false) });
  await new Promise<void>((resolve) => wss.once('listening', () => resolve()));
  const connections: ListenConnection[] = [];
  wss.on('connection', (ws, req) => {
    const c: ListenConnection = { ws, headers: req.headers, path: req.url ?? '/', frames: [], frameTimes: [], events: [], closed: new Promise((r) => ws.once('close', () => r())) };
    connections.push(c);
    ws.on('message', (data: Buffer, isBinary: boolean) => {
      if (isBinary) {
        c.frames.push(Buffer.from(data));
        c.frameTimes.push(performance.now());
        return;
      }
      const m = JSON.parse(data.toString('utf8')) as Record<string, unknown>;
      if (c.metadata === undefined) c.metadata = m;
      else c.events.push(m);
    });
    onConnection(c);
  });
  const { port } = wss.address() as AddressInfo;
  return {
    url: `ws://127.0.0.1:${port}`,
    connections,
    close: () => new Promise<void>((resolve) => {
      for (const c of wss.clients) c.terminate();
      wss.close(() => resolve());
    }),
  };
}

/** The binary audio of a connection as one L16 little-endian PCM array. */
export function streamedPcm(c: ListenConnection): Int16Array {
  const all = Buffer.concat(c.frames);
  const out = new Int16Array(all.length >> 1);
  for (let i = 0; i < out.length; i++) out[i] = all.readInt16LE(i * 2);
  return out;
}
