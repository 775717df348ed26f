/**
 * A TLS ↔ TCP relay for SIP peers that cannot speak TLS themselves: Debian 12's sipp
 * (sip-tester 3.6.1) is built without OpenSSL, so `-t l1` is refused. `client` mode takes plain
 * TCP from sipp and opens TLS to the target (sipp as a TLS client); `server` mode terminates TLS
 * with a certificate and forwards plain TCP to sipp (sipp as a TLS server). One upstream
 * connection per accepted connection; bytes are passed through unchanged.
 */
import { connect as tcpConnect, createServer as createTcpServer, type Server, type Socket } from 'node:net';
import { connect as tlsConnect, createServer as createTlsServer } from 'node:tls';
import type { PemPair } from './tls.js';

export interface TlsRelay {
  readonly port: number;
  /** Connections accepted so far. */
  readonly accepted: number;
  close(): Promise<void>;
}

export interface TlsRelayOptions {
  readonly mode: 'client' | 'server';
  readonly targetPort: number;
  /** server mode: the certificate presented. */
  readonly cert?: PemPair;
}

function pipeBoth(a: Socket, b: Socket, open: Set<Socket>): void {
  for (const s of [a, b]) {
    open.add(s);
    s.on('close', () => open.delete(s));
    s.on('error', () => { a.destroy(); b.destroy(); });
  }
  a.pipe(b);
  b.pipe(a);
}

export async function startTlsRelay(o: TlsRelayOptions): Promise<TlsRelay> {
  const open = new Set<Socket>();
  let accepted = 0;
  const upstream = (): Socket => (o.mode === 'client'
    ? tlsConnect({ host: '127.0.0.1', port: o.targetPort, rejectUnauthorized: false })
    : tcpConnect({ host: '127.0.0.1', port: o.targetPort }));
  const onConnection = (down: Socket): void => {
    accepted++;
    pipeBoth(down, upstream(), open);
  };
  let server: Server;
  if (o.mode === 'server') {
    if (!o.cert) throw new Error('a server-mode relay needs a certificate');
    server = createTlsServer({ cert: o.cert.cert, key: o.cert.key }, onConnection);
  } else {
    server = createTcpServer(onConnection);
  }
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const a = server.address();
  return {
    port: typeof a === 'object' && a ? a.port : 0,
    get accepted() { return accepted; },
    close: () => new Promise<void>((r) => {
      for (const s of open) s.destroy();
      server.close(() => r());
    }),
  };
}
