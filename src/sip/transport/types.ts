import type { SipMessage, SipRequest, SipResponse, Via } from '../message/types.js';

export type TransportName = 'udp' | 'tcp';

/** A remote (or local) transport address. */
export interface Peer {
  readonly transport: TransportName;
  readonly address: string;
  readonly port: number;
}

/** A parsed message as it came off the wire. */
export interface Inbound {
  readonly message: SipMessage;
  readonly source: Peer;
  /** The TCP connection it arrived on (responses go back on it, §18.2.2). */
  readonly flowId?: string;
}

export function isReliable(t: TransportName): boolean {
  return t === 'tcp';
}

export function peerKey(p: Peer): string {
  return `${p.transport}:${p.address}:${p.port}`;
}

/**
 * What the transaction layer and the UA core need from the transport layer (RFC 3261 §18).
 * `SipTransportLayer` is the real one; tests may put a loopback in its place.
 */
export interface MessageTransport {
  readonly port: number;
  readonly publicAddress: string;
  onInbound(handler: (inbound: Inbound) => void): void;
  localVia(transport: TransportName, branch: string): Via;
  sendRequest(req: SipRequest, dest: Peer): Promise<void>;
  sendResponse(res: SipResponse, flowId?: string): Promise<void>;
}
