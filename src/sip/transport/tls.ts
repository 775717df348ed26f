/**
 * SIP over TLS (RFC 3261 §26.2, RFC 5630): the stream transport with a TLS handshake on every
 * connection. The server presents our certificate; a client certificate is asked for (and must
 * verify) only from the addresses `clientCertRequired` names (mutual TLS, per gateway). The
 * connections we open present our certificate when the server asks, and verify the server only
 * when the destination says so (`Peer.verify`). Credentials can be replaced while running
 * (SIGHUP): new connections use them, open ones keep theirs.
 */
import { readFile } from 'node:fs/promises';
import { createServer as createNetServer, isIP, type Socket } from 'node:net';
import {
  checkServerIdentity, connect, createSecureContext, createServer, rootCertificates,
  type PeerCertificate, type SecureContext, type Server as TlsServer, type TLSSocket,
} from 'node:tls';
import { GatewayError, errorMessage } from '../../kernel/errors.js';
import type { Logger } from '../../kernel/logger.js';
import { SipTransportError } from './errors.js';
import { StreamTransport, normaliseAddress, type StreamFlavour, type StreamOptions } from './stream.js';
import type { Peer } from './types.js';

/** PEM text of our certificate (chain), its private key, and extra CAs to trust for verification. */
export interface TlsCredentials {
  readonly cert: string;
  readonly key: string;
  /** CA certificates trusted besides the system ones when a peer is verified. */
  readonly ca?: string;
}

/** The certificate or key files cannot be read or do not form a usable pair. */
export class SipTlsConfigError extends GatewayError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('SIP_TLS_CONFIG', message, options);
  }
}

/** Reads the PEM files named by VGW_TLS_CERT, VGW_TLS_KEY (and VGW_TLS_CA) and checks that they pair. */
export async function loadTlsCredentials(files: { cert: string; key: string; ca?: string }): Promise<TlsCredentials> {
  const read = async (what: string, path: string): Promise<string> => {
    try {
      return await readFile(path, 'utf8');
    } catch (e) {
      throw new SipTlsConfigError(`cannot read the TLS ${what} ${path}: ${errorMessage(e)}`, { cause: e });
    }
  };
  const creds: TlsCredentials = {
    cert: await read('certificate', files.cert),
    key: await read('key', files.key),
    ...(files.ca ? { ca: await read('CA file', files.ca) } : {}),
  };
  secureContextOf(creds);
  return creds;
}

/** A secure context for both ends of a connection; throws SipTlsConfigError for unusable PEM. */
function secureContextOf(c: TlsCredentials): SecureContext {
  try {
    return createSecureContext({ cert: c.cert, key: c.key, ca: c.ca ? [...rootCertificates, c.ca] : undefined, minVersion: 'TLSv1.2' });
  } catch (e) {
    throw new SipTlsConfigError(`the TLS certificate and key are not usable: ${errorMessage(e)}`, { cause: e });
  }
}

export interface TlsOptions {
  readonly credentials: TlsCredentials;
  /** Whether a connection from `address` must present a verified client certificate (default: never). */
  readonly clientCertRequired?: (address: string) => boolean | Promise<boolean>;
  /** How long a TLS handshake may take. Default 10 s. */
  readonly handshakeTimeoutMs?: number;
}

/** Accepts, opens and re-keys TLS connections for a StreamTransport. */
class TlsFlavour implements StreamFlavour {
  readonly transport = 'tls';
  private context: SecureContext;
  private credentials: TlsCredentials;
  private servers: { plain: TlsServer; mutual: TlsServer } | undefined;
  /** Accepted TCP sockets still open, handshake done or not (a TLS socket owns its raw socket). */
  private readonly accepted = new Set<Socket>();

  constructor(private readonly o: TlsOptions, private readonly logger: Logger) {
    this.credentials = o.credentials;
    this.context = secureContextOf(o.credentials);
  }

  setCredentials(c: TlsCredentials): void {
    const context = secureContextOf(c);
    this.credentials = c;
    this.context = context;
    for (const s of Object.values(this.servers ?? {})) s.setSecureContext(this.serverOptions());
  }

  private serverOptions(): { cert: string; key: string; ca?: string[] } {
    const c = this.credentials;
    return { cert: c.cert, key: c.key, ...(c.ca ? { ca: [...rootCertificates, c.ca] } : {}) };
  }

  /**
   * The TCP listener decides per connection, before the handshake, whether a client certificate
   * is required, and hands the socket to one of two TLS servers that differ only in that.
   */
  createServer(adopt: (socket: Socket, remote: { address: string; port: number }) => void): ReturnType<typeof createNetServer> {
    const handshakeTimeout = this.o.handshakeTimeoutMs ?? 10_000;
    const make = (mutual: boolean): TlsServer => {
      const s = createServer({ ...this.serverOptions(), minVersion: 'TLSv1.2', requestCert: mutual, rejectUnauthorized: mutual, handshakeTimeout });
      s.on('secureConnection', (socket: TLSSocket) => adopt(socket, { address: socket.remoteAddress ?? '', port: socket.remotePort ?? 0 }));
      s.on('tlsClientError', (e, socket) => this.logger.info('TLS handshake failed', { from: `${socket.remoteAddress ?? '?'}:${socket.remotePort ?? 0}`, err: e.message }));
      return s;
    };
    const servers = { plain: make(false), mutual: make(true) };
    this.servers = servers;
    return createNetServer((raw) => {
      const address = normaliseAddress(raw.remoteAddress ?? '');
      this.accepted.add(raw);
      raw.once('close', () => this.accepted.delete(raw));
      raw.on('error', (e) => this.logger.debug('TLS connection error before the handshake', { from: address, err: e.message }));
      Promise.resolve(this.o.clientCertRequired?.(address) ?? false).then(
        (mutual) => (mutual ? servers.mutual : servers.plain).emit('connection', raw),
        (e: unknown) => {
          this.logger.warn('closing a TLS connection: the client-certificate policy failed', { from: address, err: errorMessage(e) });
          raw.destroy();
        },
      );
    });
  }

  /** Closes what was accepted, including connections still in their handshake. */
  close(): void {
    for (const raw of this.accepted) raw.destroy();
    this.accepted.clear();
  }

  connect(dest: Peer): { socket: Socket; ready: Promise<void> } {
    const verify = dest.verify;
    const name = verify?.serverName;
    const socket = connect({
      host: dest.address, port: dest.port, secureContext: this.context, rejectUnauthorized: verify !== undefined,
      // RFC 6066 §3: SNI carries host names only.
      ...(name && isIP(name) === 0 ? { servername: name } : {}),
      // RFC 5922 §7.3: the certificate must name the host we meant, not the address it resolved to.
      checkServerIdentity: (_host: string, cert: PeerCertificate) => (name ? checkServerIdentity(name, cert) : undefined),
    });
    const ready = new Promise<void>((resolve, reject) => {
      socket.once('secureConnect', resolve);
      socket.once('error', (e) => reject(new SipTransportError(`TLS connection to ${dest.address}:${dest.port} failed: ${e.message}`, { cause: e })));
    });
    return { socket, ready };
  }
}

/** The TLS transport: a StreamTransport whose credentials can be replaced (`setCredentials`). */
export class TlsTransport extends StreamTransport {
  private readonly tls: TlsFlavour;

  constructor(tls: TlsOptions, opts: StreamOptions) {
    const flavour = new TlsFlavour(tls, opts.logger);
    super(flavour, opts);
    this.tls = flavour;
  }

  /** New connections use `c`; throws SipTlsConfigError (and keeps the old ones) when it is unusable. */
  setCredentials(c: TlsCredentials): void {
    this.tls.setCredentials(c);
  }
}
