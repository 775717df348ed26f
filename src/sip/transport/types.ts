import type { SipMessage } from '../message/types.js';

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
