import { isIP } from 'node:net';
import { lookup } from 'node:dns/promises';
import type { SipGateway, Store, VoipCarrier } from '../store/index.js';

/** `a.b.c.d` → 32-bit number (IPv4 only; inbound gateways are IPv4 in jambonz). */
function ipv4ToInt(ip: string): number | undefined {
  const parts = ip.split('.').map(Number);
  if (parts.length !== 4 || parts.some((p) => !Number.isInteger(p) || p < 0 || p > 255)) return undefined;
  return ((parts[0] << 24) >>> 0) + (parts[1] << 16) + (parts[2] << 8) + parts[3];
}

/** True when `source` lies in `network/bits`. */
export function inSubnet(source: string, network: string, bits: number): boolean {
  const a = ipv4ToInt(source);
  const b = ipv4ToInt(network);
  if (a === undefined || b === undefined) return source === network;
  const n = Math.max(0, Math.min(32, bits));
  const mask = n === 0 ? 0 : (0xffffffff << (32 - n)) >>> 0;
  return ((a & mask) >>> 0) === ((b & mask) >>> 0);
}

/**
 * The carriers whose inbound gateways cover `source` (issue 7: the source port does not matter).
 * Gateways given by DNS name are resolved (A records) and cached for a minute.
 */
export class InboundGatewayIndex {
  private readonly dnsCache = new Map<string, { at: number; addresses: string[] }>();

  constructor(private readonly store: Store, private readonly now: () => number) {}

  async carriersFor(source: string): Promise<VoipCarrier[]> {
    const gateways = (await this.store.sipGateways.list({})).filter((g) => g.inbound && g.is_active);
    const matched = new Set<string>();
    for (const gw of gateways) {
      if (await this.covers(gw, source)) matched.add(gw.voip_carrier_sid);
    }
    const carriers: VoipCarrier[] = [];
    for (const sid of matched) {
      const c = await this.store.voipCarriers.get(sid);
      if (c?.is_active) carriers.push(c);
    }
    return carriers;
  }

  private async covers(gw: SipGateway, source: string): Promise<boolean> {
    if (isIP(gw.ipv4)) return inSubnet(source, gw.ipv4, gw.netmask);
    for (const a of await this.resolve(gw.ipv4)) if (a === source) return true;
    return false;
  }

  private async resolve(host: string): Promise<string[]> {
    const hit = this.dnsCache.get(host);
    if (hit && this.now() - hit.at < 60_000) return hit.addresses;
    const addresses = await lookup(host, { all: true, family: 4 }).then((r) => r.map((x) => x.address), () => []);
    this.dnsCache.set(host, { at: this.now(), addresses });
    return addresses;
  }
}
