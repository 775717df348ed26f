import { nullLogger } from '../kernel/logger.js';
import type { DnsResolver } from '../sip/dns/resolve.js';
import { createRequest, createResponse, parseMessage, serializeMessage } from '../sip/message/index.js';
import type { NameAddr, SipHeader, SipMessage, SipRequest, SipResponse, SipUri, Via } from '../sip/message/types.js';
import { TransactionLayer } from '../sip/transaction/layer.js';
import { DEFAULT_TIMERS, type TimerBase } from '../sip/transaction/timers.js';
import { stampVia } from '../sip/transport/layer.js';
import type { Inbound, MessageTransport, Peer, TransportName } from '../sip/transport/types.js';
import { UserAgent } from '../sip/ua/user-agent.js';
import { FakeClock } from './fake-clock.js';

/** One message our stack put on the (pretend) wire. */
export interface Sent {
  readonly at: number;
  readonly message: SipMessage;
  readonly dest: Peer;
}

/**
 * A transport layer with no sockets: what the stack sends is serialised, parsed back (so the
 * wire form is what tests see) and recorded; `inject` hands a message from a peer to the stack.
 */
export class LoopbackTransport implements MessageTransport {
  readonly port = 5060;
  readonly publicAddress = '192.0.2.1';
  readonly sent: Sent[] = [];
  /** Makes a send fail (a transport error) when it returns an Error. */
  failSend: ((m: SipMessage, dest: Peer) => Error | undefined) | undefined;
  private handler: ((inbound: Inbound) => void) | undefined;

  constructor(private readonly clock: FakeClock) {}

  onInbound(handler: (inbound: Inbound) => void): void {
    this.handler = handler;
  }

  localVia(transport: TransportName, branch: string): Via {
    return { transport: transport.toUpperCase(), host: this.publicAddress, port: this.port, branch, rport: null, params: { branch, rport: null } };
  }

  sendRequest(req: SipRequest, dest: Peer): Promise<void> {
    return this.record(req, dest);
  }

  sendResponse(res: SipResponse): Promise<void> {
    const via = res.via[0];
    const dest: Peer = { transport: via?.transport === 'TCP' ? 'tcp' : 'udp', address: via?.received ?? via?.host ?? '', port: typeof via?.rport === 'number' ? via.rport : (via?.port ?? 5060) };
    return this.record(res, dest);
  }

  /** A message from `source` arrives (through the parser, like off a socket). */
  inject(message: SipMessage, source: Peer = PEER): void {
    let m = parseMessage(serializeMessage(message));
    if (m.kind === 'request') m = stampVia(m, source);
    this.handler?.({ message: m, source });
  }

  requests(method: string): SipRequest[] {
    return this.sent.flatMap((s) => (s.message.kind === 'request' && s.message.method === method ? [s.message] : []));
  }

  responses(status?: number, method?: string): SipResponse[] {
    return this.sent.flatMap((s) => (s.message.kind === 'response' && (status === undefined || s.message.status === status) && (method === undefined || s.message.cseq.method === method) ? [s.message] : []));
  }

  private record(m: SipMessage, dest: Peer): Promise<void> {
    const failure = this.failSend?.(m, dest);
    if (failure) return Promise.reject(failure);
    this.sent.push({ at: this.clock.now(), message: parseMessage(serializeMessage(m)), dest });
    return Promise.resolve();
  }
}

/** The far end in loopback tests. */
export const PEER: Peer = { transport: 'udp', address: '198.51.100.7', port: 5070 };

export interface LoopbackUa {
  readonly clock: FakeClock;
  readonly transport: LoopbackTransport;
  readonly transactions: TransactionLayer;
  readonly ua: UserAgent;
}

/** A UA core over the loopback transport, on a fake clock. */
export function loopbackUa(o: { resolver?: DnsResolver; timers?: TimerBase } = {}): LoopbackUa {
  const clock = new FakeClock();
  const transport = new LoopbackTransport(clock);
  const transactions = new TransactionLayer({ clock, logger: nullLogger, transport, timers: o.timers ?? DEFAULT_TIMERS });
  const ua = new UserAgent({ clock, logger: nullLogger, transport, transactions, resolver: o.resolver });
  return { clock, transport, transactions, ua };
}

/** A resolver for which no name exists (IP literals need none). */
export const nxdomainResolver: DnsResolver = {
  lookup: (host) => Promise.reject(new Error(`getaddrinfo ENOTFOUND ${host}`)),
  resolveSrv: () => Promise.resolve([]),
};

/** Lets queued microtasks and immediates (async starts, DNS) run. */
export async function flush(): Promise<void> {
  for (let i = 0; i < 10; i++) await new Promise((r) => setImmediate(r));
}

const peerUri = (user: string): SipUri => ({ scheme: 'sip', user, host: PEER.address, port: PEER.port, params: {}, headers: {} });
const ourUri = (user: string): SipUri => ({ scheme: 'sip', user, host: '192.0.2.1', port: 5060, params: {}, headers: {} });

let branches = 0;

/** Requests a remote UAC sends us: an INVITE, then the ACK / CANCEL / in-dialog requests for it. */
export class RemoteUac {
  readonly callId = `remote-${++branches}@test`;
  readonly fromTag = `rt${branches}`;
  private readonly from: NameAddr = { uri: peerUri('alice'), params: { tag: this.fromTag } };
  private readonly to: NameAddr = { uri: ourUri('bob'), params: {} };
  private seq = 1;

  invite(init: { body?: string; headers?: readonly SipHeader[]; contact?: SipUri } = {}): SipRequest {
    return createRequest({
      method: 'INVITE', uri: ourUri('bob'), via: [via()], from: this.from, to: this.to, callId: this.callId,
      cseq: { seq: this.seq, method: 'INVITE' }, contact: [{ uri: init.contact ?? peerUri('alice'), params: {} }],
      headers: init.headers, body: init.body, contentType: init.body ? 'application/sdp' : undefined,
    });
  }

  /** §9.1: same Request-URI, Call-ID, From, To, CSeq number and top Via as the INVITE. */
  cancel(invite: SipRequest): SipRequest {
    return createRequest({ method: 'CANCEL', uri: invite.uri, via: invite.via.slice(0, 1), from: invite.from, to: invite.to, callId: invite.callId, cseq: { seq: invite.cseq.seq, method: 'CANCEL' } });
  }

  /** §13.2.2.4: the ACK for a 2xx is a new transaction in the dialog. */
  ack2xx(invite: SipRequest, res: SipResponse, body?: string): SipRequest {
    return createRequest({
      method: 'ACK', uri: res.contact[0]?.uri ?? invite.uri, via: [via()], from: invite.from, to: res.to, callId: invite.callId,
      cseq: { seq: invite.cseq.seq, method: 'ACK' }, body, contentType: body ? 'application/sdp' : undefined,
    });
  }

  /** A new request in the dialog the 2xx `res` created. */
  inDialog(method: string, res: SipResponse, headers: readonly SipHeader[] = []): SipRequest {
    return createRequest({
      method, uri: res.contact[0]?.uri ?? ourUri('bob'), via: [via()], from: this.from, to: res.to, callId: this.callId,
      cseq: { seq: ++this.seq, method }, headers,
    });
  }

  /** A peer's answer to a request our stack sent. */
  static answer(req: SipRequest, status: number, init: { toTag?: string; contact?: NameAddr; headers?: readonly SipHeader[]; body?: string } = {}): SipResponse {
    const contact = init.contact ?? (status > 100 && status < 300 ? { uri: peerUri('callee'), params: {} } : undefined);
    return createResponse(req, status, {
      toTag: init.toTag ?? 'peer-tag', contact: contact ? [contact] : undefined, headers: init.headers,
      body: init.body, contentType: init.body ? 'application/sdp' : undefined,
    });
  }
}

function via(): Via {
  const branch = `z9hG4bKremote${++branches}`;
  return { transport: 'UDP', host: PEER.address, port: PEER.port, branch, params: { branch } };
}
