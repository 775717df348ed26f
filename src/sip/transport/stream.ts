import type { Server, Socket } from 'node:net';
import type { Clock, TimerHandle } from '../../kernel/clock.js';
import type { Logger } from '../../kernel/logger.js';
import { SipStreamFramer } from '../message/index.js';
import { SipTransportError } from './errors.js';
import type { Peer } from './types.js';

interface Connection {
  readonly id: string;
  readonly socket: Socket;
  readonly remote: Peer;
  readonly framer: SipStreamFramer;
  idle: TimerHandle | undefined;
  ready: Promise<void>;
}

/** What differs between TCP and TLS: how connections are accepted and opened. */
export interface StreamFlavour {
  readonly transport: 'tcp' | 'tls';
  /** A server (not yet listening) that hands each usable socket to `adopt`, with its remote address. */
  createServer(adopt: (socket: Socket, remote: { address: string; port: number }) => void): Server;
  /** Opens a connection to `dest`; `ready` settles once it can carry messages. */
  connect(dest: Peer): { socket: Socket; ready: Promise<void> };
  /** Drops connections accepted but not handed over yet (a TLS handshake under way). */
  close?(): void;
}

export interface StreamOptions {
  readonly clock: Clock;
  readonly logger: Logger;
  readonly idleTimeoutMs: number;
  readonly onMessage: (data: Buffer, source: Peer, flowId: string) => void;
}

/**
 * RFC 3261 §18 over a stream (TCP, or TLS per §26.2): Content-Length framing (§18.3),
 * connection reuse in both directions (one connection per remote address:port), RFC 5626
 * §4.4.1 CRLF keep-alive answered with a single CRLF, and connections closed after
 * `idleTimeoutMs` without traffic.
 */
export class StreamTransport {
  private server: Server | undefined;
  private readonly byId = new Map<string, Connection>();
  private readonly byRemote = new Map<string, Connection>();
  private seq = 0;

  constructor(private readonly flavour: StreamFlavour, private readonly opts: StreamOptions) {}

  get connectionCount(): number {
    return this.byId.size;
  }

  /** True when `flowId` names a connection of this transport that is still open. */
  hasFlow(flowId: string): boolean {
    return this.byId.has(flowId);
  }

  listen(address: string, port: number): Promise<number> {
    const server = this.flavour.createServer((socket, remote) => {
      this.adopt(socket, Promise.resolve(), { transport: this.flavour.transport, address: normaliseAddress(remote.address), port: remote.port });
    });
    this.server = server;
    return new Promise((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, address, () => {
        server.off('error', reject);
        const a = server.address();
        resolve(typeof a === 'object' && a ? a.port : port);
      });
    });
  }

  /** Sends on `flowId` when that connection is still open, else on any open one to `dest`, else connects. */
  async send(data: Buffer, dest: Peer, flowId?: string): Promise<void> {
    let conn = flowId ? this.byId.get(flowId) : undefined;
    conn ??= this.byRemote.get(remoteKey(dest.address, dest.port));
    conn ??= this.open(dest);
    await conn.ready;
    const name = this.flavour.transport.toUpperCase();
    if (conn.socket.destroyed) throw new SipTransportError(`${name} connection to ${dest.address}:${dest.port} closed`);
    this.touch(conn);
    await new Promise<void>((resolve, reject) => {
      conn.socket.write(data, (err) => (err ? reject(new SipTransportError(`${name} write failed: ${err.message}`, { cause: err })) : resolve()));
    });
  }

  private open(dest: Peer): Connection {
    const { socket, ready } = this.flavour.connect(dest);
    ready.catch(() => undefined); // the sender awaits it and sees the error
    return this.adopt(socket, ready, { transport: this.flavour.transport, address: dest.address, port: dest.port });
  }

  private adopt(socket: Socket, ready: Promise<void>, remote: Peer): Connection {
    const conn: Connection = { id: `${this.flavour.transport}-${++this.seq}`, socket, remote, framer: new SipStreamFramer(), idle: undefined, ready };
    this.byId.set(conn.id, conn);
    this.byRemote.set(remoteKey(remote.address, remote.port), conn);
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => this.receive(conn, chunk));
    socket.on('error', (e) => this.opts.logger.debug(`${this.flavour.transport} connection error`, { flow: conn.id, err: e.message }));
    socket.on('close', () => this.forget(conn));
    this.touch(conn);
    return conn;
  }

  private receive(conn: Connection, chunk: Buffer): void {
    this.touch(conn);
    let frames;
    try {
      frames = conn.framer.push(chunk);
    } catch (e) {
      this.opts.logger.warn('closing a stream connection after a framing error', { flow: conn.id, err: e instanceof Error ? e.message : String(e) });
      conn.socket.destroy();
      return;
    }
    for (const f of frames) {
      if (f.kind === 'ping') conn.socket.write('\r\n');
      else if (f.kind === 'message') this.opts.onMessage(f.data, conn.remote, conn.id);
    }
  }

  private touch(conn: Connection): void {
    conn.idle?.cancel();
    conn.idle = this.opts.clock.setTimer(this.opts.idleTimeoutMs, () => {
      this.opts.logger.debug('closing idle connection', { flow: conn.id });
      conn.socket.destroy();
      this.forget(conn);
    });
  }

  private forget(conn: Connection): void {
    conn.idle?.cancel();
    this.byId.delete(conn.id);
    const key = remoteKey(conn.remote.address, conn.remote.port);
    if (this.byRemote.get(key) === conn) this.byRemote.delete(key);
  }

  close(): Promise<void> {
    this.flavour.close?.();
    for (const c of [...this.byId.values()]) {
      c.socket.destroy();
      this.forget(c);
    }
    const server = this.server;
    this.server = undefined;
    if (!server) return Promise.resolve();
    return new Promise((resolve) => server.close(() => resolve()));
  }
}

function remoteKey(address: string, port: number): string {
  return `${address}:${port}`;
}

/** `::ffff:127.0.0.1` → `127.0.0.1`. */
export function normaliseAddress(a: string): string {
  return a.startsWith('::ffff:') && a.includes('.') ? a.slice(7) : a;
}
