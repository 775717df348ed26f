import type { RemoteInfo } from 'node:dgram';
import { isIP } from 'node:net';
import type { Clock } from '../../kernel/clock.js';
import type { Logger } from '../../kernel/logger.js';
import { parseMessage, serializeMessage, SipParseError, withTopVia } from '../message/index.js';
import type { SipMessage, SipRequest, SipResponse, Via } from '../message/types.js';
import { badRequestBytes } from './bad-request.js';
import { SipTransportError } from './errors.js';
import { TcpTransport, normaliseAddress } from './tcp.js';
import type { Inbound, MessageTransport, Peer, TransportName } from './types.js';
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
}

/**
 * The transport layer of RFC 3261 §18: UDP and TCP on one port, received/rport stamping of
 * requests (§18.2.1, RFC 3581 §4), response routing by the top Via (§18.2.2, RFC 3581 §4),
 * and 400 answers to requests that fail to parse but carry a usable Via.
 */
export class SipTransportLayer implements MessageTransport {
  private readonly udp: UdpTransport;
  private readonly tcp: TcpTransport;
  private boundPort = 0;
  private handler: ((inbound: Inbound) => void) | undefined;

  constructor(private readonly opts: TransportLayerOptions) {
    this.udp = new UdpTransport((data, rinfo) => this.onDatagram(data, rinfo));
    this.tcp = new TcpTransport({
      clock: opts.clock,
      logger: opts.logger,
      idleTimeoutMs: opts.tcpIdleTimeoutMs,
      onMessage: (data, source, flowId) => this.receive(data, source, flowId),
    });
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

  onInbound(handler: (inbound: Inbound) => void): void {
    this.handler = handler;
  }

  /** Binds UDP, then TCP on the same port number (retrying a few times when port 0 collides). */
  async listen(): Promise<void> {
    for (let attempt = 0; ; attempt++) {
      const port = await this.udp.bind(this.opts.bindAddress, this.opts.port);
      try {
        await this.tcp.listen(this.opts.bindAddress, port);
        this.boundPort = port;
        return;
      } catch (e) {
        await this.udp.close();
        if (this.opts.port !== 0 || attempt >= 5) throw new SipTransportError(`cannot listen on TCP port ${port}`, { cause: e });
      }
    }
  }

  /** A Via for a request we send over `transport` (RFC 3261 §8.1.1.7, RFC 3581 rport). */
  localVia(transport: TransportName, branch: string): Via {
    return { transport: transport.toUpperCase(), host: this.opts.publicAddress, port: this.boundPort, branch, rport: null, params: { branch, rport: null } };
  }

  sendRequest(req: SipRequest, dest: Peer): Promise<void> {
    return this.sendTo(serializeMessage(req), dest);
  }

  /** §18.2.2 with RFC 3581: reliable → the request's connection; else received/rport, else sent-by. */
  sendResponse(res: SipResponse, flowId?: string): Promise<void> {
    const via = res.via[0];
    if (!via) return Promise.reject(new SipTransportError('response has no Via'));
    const transport: TransportName = via.transport === 'TCP' ? 'tcp' : 'udp';
    const address = via.received ?? via.host;
    const port = transport === 'udp' && typeof via.rport === 'number' ? via.rport : (via.port ?? 5060);
    return this.sendTo(serializeMessage(res), { transport, address: stripBrackets(address), port }, flowId);
  }

  private sendTo(data: Buffer, dest: Peer, flowId?: string): Promise<void> {
    if (dest.transport === 'tcp') return this.tcp.send(data, dest, flowId);
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
    const port = source.transport === 'udp' && via.rport !== undefined ? source.port : (via.port ?? 5060);
    this.sendTo(bytes, { transport: source.transport, address: source.address, port }, flowId).catch(() => undefined);
  }

  async close(): Promise<void> {
    await Promise.all([this.udp.close(), this.tcp.close()]);
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
