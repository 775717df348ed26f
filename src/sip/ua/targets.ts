import { isIPv6 } from 'node:net';
import { GatewayError } from '../../kernel/errors.js';
import { resolveTarget, type DnsResolver } from '../dns/resolve.js';
import { formatUri } from '../message/uri.js';
import type { Uri } from '../message/types.js';
import { SipTlsRequiredError } from '../transport/errors.js';
import type { Peer, TransportName } from '../transport/types.js';

/** RFC 3263 §4.1–4.2 for our two transports: `;transport=` wins, then the caller's default. */
export function uriTransport(uri: Uri, fallback: TransportName): TransportName {
  if (uri.scheme !== 'sip' && uri.scheme !== 'sips') return fallback;
  const t = ('params' in uri ? uri.params.transport : undefined)?.toLowerCase();
  return t === 'tcp' || t === 'udp' ? t : fallback;
}

/** True when reaching `uri` takes TLS: a sips: URI or `;transport=tls` (RFC 3261 §26.2.2, §19.1.1). */
export function needsTls(uri: Uri): boolean {
  if (uri.scheme === 'sips') return true;
  return uri.scheme === 'sip' && 'params' in uri && uri.params.transport?.toLowerCase() === 'tls';
}

/** Throws SipTlsRequiredError for a target we could only reach over TLS (we have no TLS yet). */
export function assertPlainTransport(uri: Uri | undefined): void {
  if (uri && needsTls(uri)) throw new SipTlsRequiredError(formatUri(uri));
}

/** Where to send a request whose next hop is `uri` (RFC 3263 via the DNS module). */
export async function uriToPeers(uri: Uri, fallback: TransportName, resolver?: DnsResolver): Promise<Peer[]> {
  assertPlainTransport(uri);
  if (uri.scheme !== 'sip' && uri.scheme !== 'sips') throw new GatewayError('SIP_BAD_TARGET', `cannot route to a ${uri.scheme}: URI`);
  if (!('host' in uri)) throw new GatewayError('SIP_BAD_TARGET', 'URI without host');
  const transport = uriTransport(uri, fallback);
  const host = uri.params.maddr ?? uri.host;
  const targets = await resolveTarget(host, uri.port, transport, resolver);
  // Our sockets are IPv4 unless bound to an IPv6 address: try IPv4 results first.
  const peers: Peer[] = targets.map((t) => ({ transport: t.transport === 'tcp' ? 'tcp' : 'udp', address: t.address, port: t.port }));
  return [...peers.filter((p) => !isIPv6(p.address)), ...peers.filter((p) => isIPv6(p.address))];
}
