import { isIP } from 'node:net';
import { lookup } from 'node:dns/promises';
import type { SipGateway, Store, VoipCarrier } from '../store/index.js';

/** `a.b.c.d` → 32-bit number (IPv4 only; inbound gateways are IPv4 in jambonz). */
function ipv4ToInt(ip: string): number | undefined {
  const parts = ip.split('.').map(Number);
  if (parts.length !== 4 || parts.some((p) => !Number.isInteger(p) || p < 0 || p > 255)) return undefined;
  return ((parts[0] << 24) >>> 0) + (parts[1] << 16) + (parts[2] << 8) + parts[3];
}

function maskOf(bits: number): number {
  return bits === 0 ? 0 : (0xffffffff << (32 - bits)) >>> 0;
}

function clampBits(bits: number): number {
  return Math.max(0, Math.min(32, Math.trunc(bits)));
}

/** True when `source` lies in `network/bits`. */
export function inSubnet(source: string, network: string, bits: number): boolean {
  const a = ipv4ToInt(source);
  const b = ipv4ToInt(network);
  if (a === undefined || b === undefined) return source === network;
  const mask = maskOf(clampBits(bits));
  return ((a & mask) >>> 0) === ((b & mask) >>> 0);
}

export interface InboundGatewayIndexOptions {
  /**
   * How long an index read from the store answers lookups before it is read again. Default 0:
   * every lookup revalidates, but lookups that arrive together share one read. Pass e.g. 5000
   * once every write to carriers and gateways is followed by `invalidate()`.
   */
  readonly ttlMs?: number;
  /** How long the addresses of a gateway given by DNS name are used. Default 60 s. */
  readonly dnsTtlMs?: number;
  /** IPv4 addresses of a name (default: the system resolver). A failure counts as none. */
  readonly lookup?: (host: string) => Promise<string[]>;
}

/** One read of the store, indexed: exact IPv4, then one map per prefix length in use. */
interface Snapshot {
  readonly gen: number;
  readonly at: number;
  /** Every active inbound gateway, 32-bit network → carrier sids, by prefix length (32 = exact). */
  readonly byPrefix: ReadonlyArray<{ readonly mask: number; readonly nets: ReadonlyMap<number, readonly string[]> }>;
  /** Gateways whose address is not IPv4 (an IPv6 literal): matched as equal strings. */
  readonly literal: ReadonlyMap<string, readonly string[]>;
  /** Gateways given by DNS name: name → carrier sids. */
  readonly names: ReadonlyMap<string, readonly string[]>;
  /** Active carriers, with the position of their first gateway (the order lookups return). */
  readonly carriers: ReadonlyMap<string, { readonly carrier: VoipCarrier; readonly order: number }>;
}

function push<K>(m: Map<K, string[]>, k: K, sid: string): void {
  const list = m.get(k);
  if (!list) m.set(k, [sid]);
  else if (!list.includes(sid)) list.push(sid);
}

function snapshot(gen: number, at: number, gateways: readonly SipGateway[], carriers: readonly VoipCarrier[]): Snapshot {
  const active = new Map(carriers.filter((c) => c.is_active).map((c) => [c.voip_carrier_sid, c]));
  const byBits = new Map<number, Map<number, string[]>>();
  const literal = new Map<string, string[]>();
  const names = new Map<string, string[]>();
  const order = new Map<string, { carrier: VoipCarrier; order: number }>();
  gateways.forEach((gw, i) => {
    const carrier = active.get(gw.voip_carrier_sid);
    if (!gw.inbound || !gw.is_active || !carrier) return;
    if (!order.has(carrier.voip_carrier_sid)) order.set(carrier.voip_carrier_sid, { carrier, order: i });
    const sid = carrier.voip_carrier_sid;
    const host = gw.ipv4.trim().toLowerCase();
    const net = ipv4ToInt(host);
    if (net !== undefined) {
      const bits = clampBits(gw.netmask);
      const nets = byBits.get(bits) ?? new Map<number, string[]>();
      byBits.set(bits, nets);
      push(nets, (net & maskOf(bits)) >>> 0, sid);
    } else if (isIP(host) !== 0) {
      push(literal, host, sid);
    } else {
      push(names, host, sid);
    }
  });
  const byPrefix = [...byBits.entries()].sort(([a], [b]) => b - a).map(([bits, nets]) => ({ mask: maskOf(bits), nets }));
  return { gen, at, byPrefix, literal, names, carriers: order };
}

/**
 * The carriers whose inbound gateways cover a source address (issue 7: the source port does not
 * matter). The gateways are read from the store into an index (exact IPv4 and one map per prefix
 * length), which answers lookups in O(prefix lengths in use) until its TTL passes or
 * `invalidate()` is called; lookups arriving while it is read share that one read. Gateways
 * given by DNS name are resolved in the background and cached, never per INVITE.
 */
export class InboundGatewayIndex {
  private readonly ttl: number;
  private readonly dnsTtl: number;
  private readonly lookup: (host: string) => Promise<string[]>;
  private gen = 0;
  private current: Snapshot | undefined;
  private reading: { gen: number; snapshot: Promise<Snapshot> } | undefined;
  private readonly dns = new Map<string, { at: number; addresses: readonly string[] }>();
  private readonly resolving = new Map<string, Promise<void>>();
  /** Address → carrier sids, from the current snapshot's names and the DNS cache. */
  private resolved = new Map<string, string[]>();

  constructor(private readonly store: Store, private readonly now: () => number, o: InboundGatewayIndexOptions = {}) {
    this.ttl = o.ttlMs ?? 0;
    this.dnsTtl = o.dnsTtlMs ?? 60_000;
    this.lookup = o.lookup ?? ((host) => lookup(host, { all: true, family: 4 }).then((r) => r.map((x) => x.address)));
  }

  /** Drops the index: the next lookup reads the store again (call after carrier or gateway writes). */
  invalidate(): void {
    this.gen++;
  }

  async carriersFor(source: string): Promise<VoipCarrier[]> {
    const snap = await this.snapshot();
    let sids = this.match(snap, source);
    if (sids.size === 0 && this.firstResolutions(snap).length > 0) {
      // Names never resolved before (just after start or a change): wait for those lookups once.
      await Promise.all(this.firstResolutions(snap));
      sids = this.match(snap, source);
    }
    return [...sids]
      .flatMap((sid) => snap.carriers.get(sid) ?? [])
      .sort((a, b) => a.order - b.order)
      .map((c) => c.carrier);
  }

  /** The current index, or the read in flight for this generation, or a new read. */
  private snapshot(): Promise<Snapshot> {
    const cur = this.current;
    if (cur && cur.gen === this.gen && this.now() - cur.at < this.ttl) return Promise.resolve(cur);
    if (this.reading && this.reading.gen === this.gen) return this.reading.snapshot;
    const reading = { gen: this.gen, snapshot: this.read(this.gen) };
    this.reading = reading;
    const done = (): void => {
      if (this.reading === reading) this.reading = undefined;
    };
    // Callers see a failed read through their own await; this only clears the slot.
    reading.snapshot.then(done, done);
    return reading.snapshot;
  }

  private async read(gen: number): Promise<Snapshot> {
    const [gateways, carriers] = await Promise.all([this.store.sipGateways.list({}), this.store.voipCarriers.list({})]);
    const snap = snapshot(gen, this.now(), gateways, carriers);
    // A slower read of an older generation never replaces a newer index.
    if (!this.current || this.current.gen <= gen) {
      this.current = snap;
      this.resolveNames(snap);
    }
    return snap;
  }

  private match(snap: Snapshot, source: string): Set<string> {
    const out = new Set<string>();
    const ip = ipv4ToInt(source);
    if (ip !== undefined) {
      for (const p of snap.byPrefix) for (const sid of p.nets.get((ip & p.mask) >>> 0) ?? []) out.add(sid);
    } else {
      for (const sid of snap.literal.get(source.toLowerCase()) ?? []) out.add(sid);
    }
    for (const sid of this.resolved.get(source) ?? []) out.add(sid);
    return out;
  }

  /** Starts lookups for names not cached (or cached too long ago); does not wait for them. */
  private resolveNames(snap: Snapshot): void {
    const now = this.now();
    for (const host of snap.names.keys()) {
      const hit = this.dns.get(host);
      if ((hit && now - hit.at < this.dnsTtl) || this.resolving.has(host)) continue;
      const p = this.lookup(host)
        // A name that does not resolve covers no source until it does.
        .then((addresses) => addresses, (): string[] => [])
        .then((addresses) => {
          this.dns.set(host, { at: this.now(), addresses });
          this.resolving.delete(host);
          this.reindexNames();
        });
      this.resolving.set(host, p);
    }
    this.reindexNames();
  }

  private firstResolutions(snap: Snapshot): Promise<void>[] {
    return [...snap.names.keys()].filter((h) => !this.dns.has(h)).flatMap((h) => this.resolving.get(h) ?? []);
  }

  private reindexNames(): void {
    const next = new Map<string, string[]>();
    for (const [host, sids] of this.current?.names ?? []) {
      for (const address of this.dns.get(host)?.addresses ?? []) for (const sid of sids) push(next, address, sid);
    }
    this.resolved = next;
  }
}
