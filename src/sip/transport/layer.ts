import type { RemoteInfo } from 'node:dgram';
import { isIP } from 'node:net';
import type { Clock } from '../../kernel/clock.js';
import type { Logger } from '../../kernel/logger.js';
import { parseMessage, serializeMessage, SipParseError, withTopVia } from '../message/index.js';
import type { SipMessage, SipRequest, SipResponse, Via } from '../message/types.js';
import { badRequestBytes } from './bad-request.js';
import { SipTlsRequiredError, SipTransportError } from './errors.js';
import { normaliseAddress, type StreamTransport } from './stream.js';
import { createTcpTransport } from './tcp.js';
import { SipTlsConfigError, TlsTransport, type TlsCredentials, type TlsOptions } from './tls.js';
import { viaTransport, type Inbound, type MessageTransport, type Peer, type TransportName } from './types.js';
import { UdpTransport } from './udp.js';

export interface TransportLayerOptions {
  readonly clock: Clock;
  readonly logger: Logger;
  readonly bindAddress: string;
  /** 0 picks a free port (the same number for UDP and TCP). */
  readonly port: number;
  /** Written into Via sent-by and Contact. */
  readonly publicAddress: string;
  readonly tcpIdleTimeoutMs: number;
  readonly userAgent?: string;
  /** SIP over TLS (RFC 3261 §26.2) on its own port; none when absent. */
  readonly tls?: TlsOptions & {
    /** 0 picks a free port. */
    readonly port: number;
  };
}

/**
 * The transport layer of RFC 3261 §18: UDP and TCP on one port, TLS (§26.2) on another when
 * configured, received/rport stamping of
 * requests (§18.2.1, RFC 3581 §4), response routing by the top Via (§18.2.2, RFC 3581 §4),
 * and 400 answers to requests that fail to parse but carry a usable Via.
 */
export class SipTransportLayer implements MessageTransport {
  private readonly udp: UdpTransport;
  private readonly tcp: StreamTransport;
  private readonly tls: TlsTransport | undefined;
  private boundPort = 0;
  private tlsBoundPort = 0;
  private handler: ((inbound: Inbound) => void) | undefined;

  constructor(private readonly opts: TransportLayerOptions) {
    this.udp = new UdpTransport((data, rinfo) => this.onDatagram(data, rinfo));
    const stream = {
      clock: opts.clock,
      logger: opts.logger,
      idleTimeoutMs: opts.tcpIdleTimeoutMs,
      onMessage: (data: Buffer, source: Peer, flowId: string) => this.receive(data, source, flowId),
    };
    this.tcp = createTcpTransport(stream);
    this.tls = opts.tls ? new TlsTransport(opts.tls, stream) : undefined;
  }

  get port(): number {
    return this.boundPort;
  }

  get publicAddress(): string {
    return this.opts.publicAddress;
  }

  get tcpConnections(): number {
    return this.tcp.connectionCount;
  }

  get tlsConnections(): number {
    return this.tls?.connectionCount ?? 0;
  }

  /** The TLS port, or undefined when TLS is not configured. */
  get tlsPort(): number | undefined {
    return this.tls ? this.tlsBoundPort : undefined;
  }

  /** Whether messages can be sent over `transport` (TLS only when configured). */
  supports(transport: TransportName): boolean {
    return transport !== 'tls' || this.tls !== undefined;
  }

  portFor(transport: TransportName): number {
    return transport === 'tls' ? this.tlsBoundPort : this.boundPort;
  }

  /** SIGHUP: new TLS connections use `c`. Throws SipTlsConfigError (keeping the old ones) when it is unusable. */
  setTlsCredentials(c: TlsCredentials): void {
    if (!this.tls) throw new SipTlsConfigError('TLS is not configured on this stack: it was started without VGW_TLS_CERT and VGW_TLS_KEY');
    this.tls.setCredentials(c);
  }

  onInbound(handler: (inbound: Inbound) => void): void {
    this.handler = handler;
  }

  /** Binds UDP, then TCP on the same port number (retrying a few times when port 0 collides), then TLS. */
  async listen(): Promise<void> {
    for (let attempt = 0; ; attempt++) {
      const port = await this.udp.bind(this.opts.bindAddress, this.opts.port);
      try {
        await this.tcp.listen(this.opts.bindAddress, port);
        this.boundPort = port;
        break;
      } catch (e) {
        await this.udp.close();
        if (this.opts.port !== 0 || attempt >= 5) throw new SipTransportError(`cannot listen on TCP port ${port}`, { cause: e });
      }
    }
    if (!this.tls || !this.opts.tls) return;
    try {
      this.tlsBoundPort = await this.tls.listen(this.opts.bindAddress, this.opts.tls.port);
    } catch (e) {
      await Promise.all([this.udp.close(), this.tcp.close()]);
      throw new SipTransportError(`cannot listen on TLS port ${this.opts.tls.port}`, { cause: e });
    }
  }

  /** A Via for a request we send over `transport` (RFC 3261 §8.1.1.7, RFC 3581 rport). */
  localVia(transport: TransportName, branch: string): Via {
    return { transport: transport.toUpperCase(), host: this.opts.publicAddress, port: this.portFor(transport), branch, rport: null, params: { branch, rport: null } };
  }

  sendRequest(req: SipRequest, dest: Peer): Promise<void> {
    return this.sendTo(serializeMessage(req), dest);
  }

  /**
   * §18.2.2 with RFC 3581: reliable → the request's connection (whatever its Via says: a TLS
   * flow stays TLS); else received/rport, else sent-by (5061 for TLS, §19.1.2).
   */
  sendResponse(res: SipResponse, flowId?: string): Promise<void> {
    const via = res.via[0];
    if (!via) return Promise.reject(new SipTransportError('response has no Via'));
    const flow = flowId === undefined ? undefined : this.flowTransport(flowId);
    const transport: TransportName = flow ?? viaTransport(via.transport);
    const address = via.received ?? via.host;
    const port = transport === 'udp' && typeof via.rport === 'number' ? via.rport : (via.port ?? (transport === 'tls' ? 5061 : 5060));
    return this.sendTo(serializeMessage(res), { transport, address: stripBrackets(address), port }, flowId);
  }

  /** The transport of an open connection. */
  private flowTransport(flowId: string): TransportName | undefined {
    if (this.tcp.hasFlow(flowId)) return 'tcp';
    return this.tls?.hasFlow(flowId) ? 'tls' : undefined;
  }

  private sendTo(data: Buffer, dest: Peer, flowId?: string): Promise<void> {
    if (dest.transport === 'tcp') return this.tcp.send(data, dest, flowId);
    if (dest.transport === 'tls') {
      // §26.2.2: what must go over TLS is never sent in the clear instead.
      if (!this.tls) return Promise.reject(new SipTlsRequiredError(`${dest.address}:${dest.port}`));
      return this.tls.send(data, dest, flowId);
    }
    return this.udp.send(data, dest.address, dest.port);
  }

  private onDatagram(data: Buffer, rinfo: RemoteInfo): void {
    // Keep-alive CRLFs over UDP carry no message.
    if (data.length <= 4 && data.toString('latin1').trim() === '') return;
    this.receive(data, { transport: 'udp', address: normaliseAddress(rinfo.address), port: rinfo.port });
  }

  private receive(data: Buffer, source: Peer, flowId?: string): void {
    let msg: SipMessage;
    try {
      msg = parseMessage(data);
    } catch (e) {
      this.rejectMalformed(e, source, flowId);
      return;
    }
    if (msg.kind === 'request') msg = stampVia(msg, source);
    this.handler?.({ message: msg, source, flowId });
  }

  private rejectMalformed(e: unknown, source: Peer, flowId?: string): void {
    if (!(e instanceof SipParseError)) throw e;
    const partial = e.partial;
    this.opts.logger.debug('dropping malformed SIP message', { from: `${source.address}:${source.port}`, reason: e.message });
    if (!partial || partial.method === 'ACK' || partial.via.length === 0) return;
    const bytes = badRequestBytes(partial.headers, e.message, this.opts.userAgent ?? 'vgw');
    const via = partial.via[0];
    const port = source.transport === 'udp' && via.rport !== undefined ? source.port : (via.port ?? (source.transport === 'tls' ? 5061 : 5060));
    this.sendTo(bytes, { transport: source.transport, address: source.address, port }, flowId).catch(() => undefined);
  }

  async close(): Promise<void> {
    await Promise.all([this.udp.close(), this.tcp.close(), this.tls?.close()]);
  }
}

/** §18.2.1: add `received` when sent-by differs from the source; RFC 3581 §4: fill in `rport`. */
export function stampVia(req: SipRequest, source: Peer): SipRequest {
  const top = req.via[0];
  if (!top) return req;
  const wantsRport = top.rport === null;
  const hostDiffers = stripBrackets(top.host) !== source.address;
  if (!wantsRport && !hostDiffers) return req;
  const params: Record<string, string | null> = { ...top.params, received: source.address };
  let via: Via = { ...top, received: source.address, params };
  if (wantsRport) {
    params.rport = String(source.port);
    via = { ...via, rport: source.port, params };
  }
  return withTopVia(req, via) as SipRequest;
}

function stripBrackets(h: string): string {
  return h.startsWith('[') && h.endsWith(']') && isIP(h.slice(1, -1)) === 6 ? h.slice(1, -1) : h;
}
