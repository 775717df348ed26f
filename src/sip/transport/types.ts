import type { SipMessage, SipRequest, SipResponse, Via } from '../message/types.js';

export type TransportName = 'udp' | 'tcp' | 'tls';

/**
 * How a TLS connection we open checks the server (RFC 5630 §3, RFC 5922 §7.3). Without it the
 * session is encrypted but the server's certificate is not verified (what SIP trunks addressed
 * by IP usually need); with it the certificate must chain to a trusted CA and carry `serverName`.
 */
export interface TlsVerification {
  /** The name (or IP literal) the server certificate must carry; also sent as SNI when a name. */
  readonly serverName: string;
}

/** A remote (or local) transport address. */
export interface Peer {
  readonly transport: TransportName;
  readonly address: string;
  readonly port: number;
  /** TLS only: verify the server when a new connection is opened for this peer. */
  readonly verify?: TlsVerification;
}

/** A parsed message as it came off the wire. */
export interface Inbound {
  readonly message: SipMessage;
  readonly source: Peer;
  /** The TCP or TLS connection it arrived on (responses go back on it, §18.2.2). */
  readonly flowId?: string;
}

/** RFC 3261 §17.1.1.2: TCP and TLS are reliable, so the transactions do not retransmit. */
export function isReliable(t: TransportName): boolean {
  return t !== 'udp';
}

export function peerKey(p: Peer): string {
  return `${p.transport}:${p.address}:${p.port}`;
}

/** The Via transport token (RFC 3261 §20.42) as our transport name; anything else is UDP. */
export function viaTransport(token: string): TransportName {
  const t = token.toUpperCase();
  return t === 'TCP' ? 'tcp' : t === 'TLS' ? 'tls' : 'udp';
}

/**
 * What the transaction layer and the UA core need from the transport layer (RFC 3261 §18).
 * `SipTransportLayer` is the real one; tests may put a loopback in its place.
 */
export interface MessageTransport {
  readonly port: number;
  readonly publicAddress: string;
  /** The port we listen on for `transport` (TLS has its own); `port` when absent. */
  portFor?(transport: TransportName): number;
  onInbound(handler: (inbound: Inbound) => void): void;
  localVia(transport: TransportName, branch: string): Via;
  sendRequest(req: SipRequest, dest: Peer): Promise<void>;
  sendResponse(res: SipResponse, flowId?: string): Promise<void>;
}
