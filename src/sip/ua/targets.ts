import { isIPv6 } from 'node:net';
import { GatewayError } from '../../kernel/errors.js';
import { resolveTarget, type DnsResolver } from '../dns/resolve.js';
import type { Uri } from '../message/types.js';
import type { Peer, TransportName } from '../transport/types.js';

/**
 * RFC 3263 §4.1: a sips: URI is reached over TLS whatever its `;transport=` (RFC 5630 §3.1.3:
 * `transport=tcp` there means TLS over TCP); for sip: `;transport=` wins, then the caller's default.
 */
export function uriTransport(uri: Uri, fallback: TransportName): TransportName {
  if (uri.scheme === 'sips') return 'tls';
  if (uri.scheme !== 'sip') return fallback;
  const t = ('params' in uri ? uri.params.transport : undefined)?.toLowerCase();
  return t === 'tcp' || t === 'udp' || t === 'tls' ? t : fallback;
}

/** True when reaching `uri` takes TLS: a sips: URI or `;transport=tls` (RFC 3261 §26.2.2, §19.1.1). */
export function needsTls(uri: Uri): boolean {
  if (uri.scheme === 'sips') return true;
  return uri.scheme === 'sip' && 'params' in uri && uri.params.transport?.toLowerCase() === 'tls';
}

/**
 * Where to send a request whose next hop is `uri` (RFC 3263 via the DNS module): TLS targets
 * are looked up as `_sips._tcp` SRV and default to port 5061 (RFC 3261 §19.1.2).
 */
export async function uriToPeers(uri: Uri, fallback: TransportName, resolver?: DnsResolver): Promise<Peer[]> {
  if (uri.scheme !== 'sip' && uri.scheme !== 'sips') throw new GatewayError('SIP_BAD_TARGET', `cannot route to a ${uri.scheme}: URI`);
  if (!('host' in uri)) throw new GatewayError('SIP_BAD_TARGET', 'URI without host');
  const transport = uriTransport(uri, fallback);
  const host = uri.params.maddr ?? uri.host;
  const targets = await resolveTarget(host, uri.port, transport, resolver);
  // Our sockets are IPv4 unless bound to an IPv6 address: try IPv4 results first.
  const peers: Peer[] = targets.map((t) => ({ transport: t.transport, address: t.address, port: t.port }));
  return [...peers.filter((p) => !isIPv6(p.address)), ...peers.filter((p) => isIPv6(p.address))];
}
