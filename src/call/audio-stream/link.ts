/**
 * A stream's socket as AudioStream drives it: on the stream worker (`pooledLink`, the gateway's
 * default: no TCP write on the media thread) or in this thread (`directLink`: tests that stand a
 * socket in, and a process without a pool). Both copy each frame at once, send it or drop it by
 * the same FrameSender rule, and report the socket's life the same way.
 */
import type WebSocket from 'ws';
import type { UrlPolicy } from '../../kernel/net-policy.js';
import { l16le } from './framing.js';
import { FrameSender } from './sender.js';
import { openStreamSocket, type OpenStreamSocket } from './socket.js';
import type { StreamSocketPool } from './socket-pool.js';
import type { StreamTotals } from './totals.js';

export interface StreamLink {
  /** Copies one frame of samples and hands it on; never waits. */
  push(samples: Int16Array): void;
  /** A JSON event (dtmf, mark, playDone). */
  text(message: string): void;
  /** Closes the socket (a normal close once open); no event follows. */
  close(): void;
  /** Frames sent and dropped so far (as known on this thread). */
  readonly sent: number;
  readonly dropped: number;
}

export interface LinkEvents {
  /** The socket is open: returns the first text message. */
  opened(): string;
  text(message: string): void;
  binary(bytes: Uint8Array): void;
  ended(reason: 'connect-failed' | 'closed', error?: string): void;
}

export interface LinkRequest {
  readonly url: string;
  readonly auth?: { readonly username: string; readonly password: string };
  readonly policy?: UrlPolicy;
  readonly timeoutMs: number;
  readonly maxBufferedBytes?: number;
}

const HOST_LE = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/** The stream's socket on the pool's worker thread. */
export function pooledLink(pool: StreamSocketPool, req: LinkRequest, ev: LinkEvents): StreamLink {
  let sent = 0;
  let dropped = 0;
  const socket = pool.open(req, {
    onOpen: () => socket.first(ev.opened()),
    onText: (t) => ev.text(t),
    onBinary: (b) => ev.binary(b),
    onCounts: (s, d) => {
      sent += s;
      dropped += d;
    },
    onEnd: (reason, error) => ev.ended(reason, error),
  });
  return {
    // The batch copies the bytes; L16 LE is the typed array's own layout on LE hosts.
    push: (samples) => socket.push(HOST_LE ? new Uint8Array(samples.buffer, samples.byteOffset, samples.byteLength) : l16le(samples)),
    text: (m) => socket.text(m),
    close: () => socket.close(),
    get sent() {
      return sent;
    },
    get dropped() {
      return dropped;
    },
  };
}

/** The stream's socket on this thread. */
export function directLink(req: LinkRequest, ev: LinkEvents, o: { readonly totals: StreamTotals; readonly openSocket?: (o: OpenStreamSocket) => Promise<WebSocket> }): StreamLink {
  const sender = new FrameSender({ maxBufferedBytes: req.maxBufferedBytes, onFrame: (sent) => o.totals.frame(sent) });
  let ws: WebSocket | null = null;
  let closed = false;
  let opened = false;
  const end = (reason: 'connect-failed' | 'closed', error?: string): void => {
    if (closed) return;
    closed = true;
    ws?.terminate();
    ev.ended(reason, error);
  };
  const open = o.openSocket ?? openStreamSocket;
  // An opener that throws at once fails like one that rejects.
  new Promise<WebSocket>((resolve) => resolve(open({ url: req.url, auth: req.auth, policy: req.policy, timeoutMs: req.timeoutMs }))).then((s) => {
    ws = s;
    if (closed) {
      s.terminate();
      return;
    }
    s.once('open', () => {
      opened = true;
      sender.open(s, ev.opened());
    });
    s.once('unexpected-response', (_q, res) => end('connect-failed', `HTTP ${res.statusCode ?? 0}`));
    s.on('error', (e: Error) => end(opened ? 'closed' : 'connect-failed', e.message));
    s.on('close', () => end('closed'));
    s.on('message', (data: Buffer, isBinary: boolean) => {
      if (closed) return;
      if (isBinary) ev.binary(data);
      else ev.text(data.toString('utf8'));
    });
  }, (e: unknown) => end('connect-failed', e instanceof Error ? e.message : String(e)));
  return {
    push: (samples) => sender.push(l16le(samples)),
    text: (m) => sender.text(m),
    close: () => {
      if (closed) return;
      closed = true;
      if (ws && ws.readyState === ws.OPEN) ws.close(1000);
      else ws?.terminate();
    },
    get sent() {
      return sender.sent;
    },
    get dropped() {
      return sender.dropped;
    },
  };
}
