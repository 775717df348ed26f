/**
 * Keeps one registration (RFC 3261 §10.2) per carrier that requires it: reads the carriers and
 * their first outbound gateway (or `outbound_sip_proxy`) from the store, re-reads them
 * periodically and on `refresh()`, and replaces a registration whose settings changed.
 */
import type { Clock, TimerHandle } from '../kernel/clock.js';
import { errorMessage } from '../kernel/errors.js';
import type { Logger } from '../kernel/logger.js';
import {
  Registerer,
  type RegistrarContext, type RegistererOptions, type RegistrationStatus, type SipUri,
} from '../sip/index.js';
import type { SipGateway, Store, VoipCarrier } from '../store/index.js';
import { gatewaySecurity, gatewayUri, proxyUri } from './carrier.js';

export type { RegistrationStatus, RegistrationState } from '../sip/index.js';

/** What the API reads: the registration status of a carrier, undefined when it has none. */
export interface RegistrationStatusProvider {
  status(carrierSid: string): RegistrationStatus | undefined;
  /** Re-read the carriers now (after a change through the API). */
  refresh?(): Promise<void>;
}

export interface RegistrationManagerOptions {
  readonly clock: Clock;
  readonly logger: Logger;
  readonly store: Store;
  /** What REGISTERs go through: `registrarContext(sip.ua.context)` (a fake in unit tests). */
  readonly context: RegistrarContext;
  /** Contact host for carriers with `register_public_ip_in_contact` off (default: the public address). */
  readonly privateAddress?: string;
  /** How often the store is re-read (default 30 s). */
  readonly pollMs?: number;
  /** Seconds asked of registrars (default 3600). */
  readonly expires?: number;
  readonly retryDelaysMs?: readonly number[];
  /** Longest wait for the un-REGISTERs on close (default 5 s). */
  readonly closeTimeoutMs?: number;
}

/** A carrier's registration: a running Registerer, or a fixed status when it cannot run. */
interface Entry {
  readonly key: string;
  readonly registerer?: Registerer;
  readonly fixed?: RegistrationStatus;
}

type Plan = { readonly key: string } & ({ readonly options: RegistererOptions } | { readonly fixed: RegistrationStatus });

export class RegistrationManager implements RegistrationStatusProvider {
  private readonly entries = new Map<string, Entry>();
  private readonly ctx: RegistrarContext;
  private readonly log: Logger;
  private poll: TimerHandle | undefined;
  private syncing: Promise<void> = Promise.resolve();
  private closed: Promise<void> | undefined;

  constructor(private readonly opts: RegistrationManagerOptions) {
    this.ctx = opts.context;
    this.log = opts.logger.child({ component: 'registrations' });
  }

  /** Reads the store, starts the registrations and the periodic re-read. */
  async start(): Promise<void> {
    await this.refresh();
    this.schedulePoll();
  }

  /** Re-reads the carriers now; calls are serialised. */
  refresh(): Promise<void> {
    if (this.closed) return this.syncing;
    const next = this.syncing.then(() => this.sync());
    this.syncing = next.catch((e: unknown) => this.log.error('reading carriers for registration failed', { err: errorMessage(e) }));
    return this.syncing;
  }

  status(carrierSid: string): RegistrationStatus | undefined {
    const e = this.entries.get(carrierSid);
    return e?.registerer?.status ?? e?.fixed;
  }

  /** Carriers with a registration, for diagnostics. */
  get carriers(): string[] {
    return [...this.entries.keys()];
  }

  /** Stops re-reading and unregisters every carrier (bounded by `closeTimeoutMs`); idempotent. */
  close(): Promise<void> {
    this.closed ??= (async () => {
      this.poll?.cancel();
      this.poll = undefined;
      await this.syncing;
      const all = [...this.entries.values()];
      this.entries.clear();
      await this.bounded(Promise.all(all.map((e) => this.stop(e))));
    })();
    return this.closed;
  }

  private schedulePoll(): void {
    if (this.closed) return;
    this.poll = this.opts.clock.setTimer(this.opts.pollMs ?? 30_000, () => {
      // refresh() never rejects: its failures are logged.
      void this.refresh().finally(() => this.schedulePoll());
    });
  }

  private async sync(): Promise<void> {
    const carriers = (await this.opts.store.voipCarriers.list()).filter((c) => c.requires_register);
    const seen = new Set<string>();
    for (const c of carriers) {
      seen.add(c.voip_carrier_sid);
      const plan = planFor(c, await this.opts.store.sipGateways.listOutbound(c.voip_carrier_sid), this.opts);
      const cur = this.entries.get(c.voip_carrier_sid);
      if (cur?.key === plan.key) continue;
      // The old binding goes first, so that its removal cannot undo the new one at the registrar.
      if (cur) await this.bounded(this.stop(cur));
      if (this.closed) return;
      this.entries.set(c.voip_carrier_sid, this.open(c, plan));
    }
    for (const [sid, e] of [...this.entries]) {
      if (seen.has(sid)) continue;
      this.entries.delete(sid);
      await this.bounded(this.stop(e));
    }
  }

  private open(c: VoipCarrier, plan: Plan): Entry {
    if ('fixed' in plan) {
      this.log.info('carrier registration not started', { carrier: c.name, reason: plan.fixed.reason });
      return { key: plan.key, fixed: plan.fixed };
    }
    const registerer = new Registerer({ ...this.ctx, logger: this.log.child({ carrier: c.name }) }, plan.options);
    registerer.start();
    return { key: plan.key, registerer };
  }

  private stop(e: Entry): Promise<void> {
    return e.registerer ? e.registerer.close() : Promise.resolve();
  }

  private bounded(p: Promise<unknown>): Promise<void> {
    return new Promise<void>((resolve) => {
      const t = this.opts.clock.setTimer(this.opts.closeTimeoutMs ?? 5000, () => {
        this.log.warn('unregister still pending, moving on');
        resolve();
      });
      void p
        .catch((e: unknown) => this.log.warn('unregister failed', { err: errorMessage(e) }))
        .finally(() => {
          t.cancel();
          resolve();
        });
    });
  }
}

const WILDCARD = new Set(['0.0.0.0', '::', '[::]']);

/**
 * The registration a carrier asks for. Request-URI `sip:<realm>` (or the gateway's host:port when
 * there is no realm); REGISTER goes to `outbound_sip_proxy`, else the first outbound gateway;
 * AOR `sip:<from_user or username>@<from_domain or realm>` (jambonz regbot's choices).
 */
export function planFor(c: VoipCarrier, gateways: readonly SipGateway[], o: Pick<RegistrationManagerOptions, 'privateAddress' | 'expires' | 'retryDelaysMs'>): Plan {
  const fixed = (state: RegistrationStatus['state'], reason: string): Plan => ({ key: `${state}:${reason}`, fixed: { state, reason } });
  if (!c.is_active) return fixed('unregistered', 'carrier is not active');
  if (!c.register_username || !c.register_password) return fixed('failed', 'register_username and register_password are required');
  const proxy = registerProxy(c, gateways[0]);
  if (typeof proxy === 'string') return fixed('failed', proxy);
  const realm = c.register_sip_realm?.trim() || undefined;
  // A `tls` gateway with use_sips_scheme registers a sips: AOR with a sips: registrar (RFC 5630 §3.1.3).
  const scheme = proxy.scheme;
  const registrar: SipUri = realm ? { scheme, host: realm.toLowerCase(), params: {}, headers: {} } : { ...proxy, user: undefined };
  const user = c.register_from_user || c.register_username;
  const aor: SipUri = { scheme, user, host: (c.register_from_domain || realm || proxy.host).toLowerCase(), params: {}, headers: {} };
  const contactHost = contactHostFor(c, o.privateAddress);
  const gw = c.outbound_sip_proxy ? undefined : gateways[0];
  const tlsVerify = gw ? gatewaySecurity(gw).tlsVerify : undefined;
  const options: RegistererOptions = {
    registrar, proxy, aor, contactUser: user,
    ...(tlsVerify ? { tlsVerify } : {}),
    credentials: { username: c.register_username, password: c.register_password },
    ...(contactHost ? { contactHost } : {}),
    ...(o.expires !== undefined ? { expires: o.expires } : {}),
    ...(o.retryDelaysMs ? { retryDelaysMs: o.retryDelaysMs } : {}),
  };
  return { key: JSON.stringify([registrar, proxy, aor, options.credentials, contactHost ?? null]), options };
}

/** Where REGISTERs go: `outbound_sip_proxy`, else the first outbound gateway; a string says why neither can be used. */
function registerProxy(c: VoipCarrier, gw: SipGateway | undefined): SipUri | string {
  if (c.outbound_sip_proxy) {
    return proxyUri(c.outbound_sip_proxy) ?? `outbound_sip_proxy "${c.outbound_sip_proxy}" is not a sip: URI or host[:port]`;
  }
  if (!gw) return 'carrier has no active outbound gateway and no outbound_sip_proxy';
  // Over TLS (`tls`, `tls/srtp`) as calls go (carrier.ts): transport=tls, sips: with use_sips_scheme.
  const { port, ...uri } = gatewayUri(gw, undefined);
  return { ...uri, ...(port ? { port } : {}) };
}

/** The Contact host: our private address unless the carrier wants the public one (or it is a wildcard). */
function contactHostFor(c: VoipCarrier, privateAddress: string | undefined): string | undefined {
  return !c.register_public_ip_in_contact && privateAddress && !WILDCARD.has(privateAddress) ? privateAddress : undefined;
}
