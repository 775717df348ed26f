/**
 * RFC 3263 §4 server location for the transports we use: an IP literal is used as is, a name
 * with a port is looked up as A/AAAA, a name without a port through SRV first (§4.2).
 * NAPTR (§4.1) is not consulted: the transport is the caller's choice.
 */
import { promises as dns } from 'node:dns';
import { isIP } from 'node:net';
import { GatewayError, errorMessage } from '../../kernel/errors.js';

export type SipTransportName = 'udp' | 'tcp' | 'tls';

export interface SrvRecord {
  readonly name: string;
  readonly port: number;
  readonly priority: number;
  readonly weight: number;
}

/** The two DNS questions we ask; injected so that tests need no network. */
export interface DnsResolver {
  /** A and AAAA addresses of a name (through the system resolver, so /etc/hosts applies). */
  lookup(host: string): Promise<string[]>;
  /** SRV records of a name; an empty array (or a rejection) when there are none. */
  resolveSrv(name: string): Promise<SrvRecord[]>;
}

export interface ResolvedTarget {
  readonly address: string;
  readonly port: number;
  readonly transport: SipTransportName;
}

export class SipDnsError extends GatewayError {
  readonly host: string;
  constructor(host: string, message: string, options?: { cause?: unknown }) {
    super('SIP_DNS', message, options);
    this.host = host;
  }
}

/** The default resolver, built on node:dns. */
export const systemResolver: DnsResolver = {
  async lookup(host: string): Promise<string[]> {
    const all = await dns.lookup(host, { all: true });
    return all.map((a) => a.address);
  },
  resolveSrv(name: string): Promise<SrvRecord[]> {
    return dns.resolveSrv(name);
  },
};

/** RFC 3261 §19.1.2: 5060 for sip over UDP/TCP, 5061 for TLS. */
export function defaultPort(transport: SipTransportName): number {
  return transport === 'tls' ? 5061 : 5060;
}

/** RFC 3263 §4.2 SRV owner names: _sip._udp, _sip._tcp, _sips._tcp. */
export function srvName(host: string, transport: SipTransportName): string {
  return transport === 'tls' ? `_sips._tcp.${host}` : `_sip._${transport}.${host}`;
}

/**
 * RFC 2782 order: lowest priority first; within a priority, higher weight first. (RFC 2782
 * picks by weighted random; a deterministic order keeps retries and tests predictable.)
 */
export function sortSrv(records: readonly SrvRecord[]): SrvRecord[] {
  return [...records].sort((a, b) => a.priority - b.priority || b.weight - a.weight);
}

async function addresses(resolver: DnsResolver, host: string): Promise<string[]> {
  try {
    return await resolver.lookup(host);
  } catch {
    return [];
  }
}

async function srvRecords(resolver: DnsResolver, name: string): Promise<SrvRecord[]> {
  try {
    // A target of "." means the service is decidedly not available (RFC 2782).
    return (await resolver.resolveSrv(name)).filter((r) => r.name !== '' && r.name !== '.');
  } catch {
    return [];
  }
}

/** Resolves a next hop into addresses to try, in order. Throws SipDnsError when nothing resolves. */
export async function resolveTarget(
  host: string,
  port: number | undefined,
  transport: SipTransportName,
  resolver: DnsResolver = systemResolver,
): Promise<ResolvedTarget[]> {
  const bare = host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host;
  if (isIP(bare) !== 0) return [{ address: bare, port: port ?? defaultPort(transport), transport }];
  if (bare.length === 0) throw new SipDnsError(host, 'empty host name');
  try {
    if (port === undefined) {
      const srv = sortSrv(await srvRecords(resolver, srvName(bare, transport)));
      if (srv.length > 0) {
        const out: ResolvedTarget[] = [];
        for (const r of srv) for (const address of await addresses(resolver, r.name)) out.push({ address, port: r.port, transport });
        if (out.length === 0) throw new SipDnsError(host, `no address for the SRV targets of ${bare}`);
        return out;
      }
    }
    const found = await addresses(resolver, bare);
    if (found.length === 0) throw new SipDnsError(host, `${bare} does not resolve`);
    const p = port ?? defaultPort(transport);
    return found.map((address) => ({ address, port: p, transport }));
  } catch (e) {
    if (e instanceof SipDnsError) throw e;
    throw new SipDnsError(host, `resolving ${bare} failed: ${errorMessage(e)}`, { cause: e });
  }
}
