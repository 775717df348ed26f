/**
 * Registration of our address with a registrar (RFC 3261 §10.2): REGISTER with digest
 * credentials (§22.2), refresh before the granted expiry (§10.2.4), back-off after failures,
 * and removal of our binding with `Expires: 0` (§10.2.2) when closed. Time comes from the Clock.
 */
import type { TimerHandle } from '../../kernel/clock.js';
import { Emitter } from '../../kernel/emitter.js';
import { errorMessage } from '../../kernel/errors.js';
import { newTag, randomHex } from '../../kernel/ids.js';
import { buildAuthorization, parseChallenge, type DigestChallenge } from '../auth/digest.js';
import { SipParseError } from '../message/errors.js';
import { createRequest, formatUri, getHeader } from '../message/index.js';
import type { NameAddr, SipHeader, SipRequest, SipResponse, SipUri, Uri } from '../message/types.js';
import { SipTlsRequiredError } from '../transport/errors.js';
import type { Peer, TlsVerification } from '../transport/types.js';
import { sendRequest, SipRequestError, type UaContext } from './context.js';
import type { Credentials } from './outgoing-invite.js';
import { needsTls, uriTransport } from './targets.js';

export type RegistrationState = 'unregistered' | 'registering' | 'registered' | 'failed';

export interface RegistrationStatus {
  readonly state: RegistrationState;
  /** The status code of the last final response (408/503 when none came). */
  readonly sipStatus?: number;
  readonly reason?: string;
  /** Wall-clock ms at which the registrar drops the binding unless it is refreshed. */
  readonly expiresAt?: number;
  /** Wall-clock ms of the last successful REGISTER. */
  readonly lastRegisteredAt?: number;
}

export type RegistererEvents = {
  change: [status: RegistrationStatus];
};

/** What a Registerer needs from the user-agent core; `registrarContext(ua.context)` gives it. */
export type RegistrarContext = Pick<UaContext, 'clock' | 'logger' | 'commonHeaders' | 'via' | 'contact' | 'resolve'> & {
  /** Runs one client transaction to its final response (rejects with `SipRequestError`). */
  send(req: SipRequest, dest: Peer): Promise<SipResponse>;
};

export function registrarContext(ctx: UaContext): RegistrarContext {
  return {
    clock: ctx.clock,
    logger: ctx.logger,
    commonHeaders: ctx.commonHeaders,
    via: (t) => ctx.via(t),
    contact: (t, user, secure) => ctx.contact(t, user, secure),
    resolve: (uri, fallback) => ctx.resolve(uri, fallback),
    send: (req, dest) => sendRequest(ctx, req, dest),
  };
}

export interface RegistererOptions {
  /** Request-URI: the registrar's domain, no user part (§10.2). */
  readonly registrar: SipUri;
  /** Where REGISTER goes (an outbound proxy or the carrier's gateway); default the registrar. */
  readonly proxy?: SipUri;
  /** The address-of-record, in To and From (§10.2). */
  readonly aor: SipUri;
  readonly credentials?: Credentials;
  /** Over TLS: verify the registrar's certificate for this name (a `mutual_tls` gateway). */
  readonly tlsVerify?: TlsVerification;
  /** User part of our Contact (default: the AOR's user). */
  readonly contactUser?: string;
  /** Host for our Contact instead of the stack's public address. */
  readonly contactHost?: string;
  /** Seconds asked for (default 3600). */
  readonly expires?: number;
  /** Delays before retrying after a failure, in ms; the last one repeats (default 30 s … 5 min). */
  readonly retryDelaysMs?: readonly number[];
}

export const DEFAULT_EXPIRES = 3600;
export const DEFAULT_RETRY_DELAYS_MS: readonly number[] = [30_000, 60_000, 120_000, 240_000, 300_000];

/** §10.2.4: refresh well before the binding lapses — 30 s early, or halfway for short grants. */
export function refreshDelayMs(grantedSeconds: number): number {
  return Math.max(grantedSeconds - 30, grantedSeconds / 2) * 1000;
}

interface Attempt {
  readonly response?: SipResponse;
  readonly status: number;
  readonly reason: string;
}

/**
 * One registration: a single Call-ID for all its REGISTERs with an increasing CSeq (§10.2.4),
 * one digest retry per challenge (a second only when the registrar says `stale=true`), 423
 * answered once with the registrar's Min-Expires (§10.2.8).
 */
export class Registerer extends Emitter<RegistererEvents> {
  readonly callId = randomHex(12);
  private readonly fromTag = newTag();
  private cseq = 0;
  private expires: number;
  private current: RegistrationStatus = { state: 'unregistered' };
  private timer: TimerHandle | undefined;
  private inFlight: Promise<void> | undefined;
  private failures = 0;
  /** Monotonic ms until which the registrar holds our binding. */
  private boundUntil = 0;
  private running = false;
  private leaving: Promise<void> | undefined;
  private closed: Promise<void> | undefined;

  constructor(
    private readonly ctx: RegistrarContext,
    private readonly opts: RegistererOptions,
  ) {
    super((e) => ctx.logger.warn('registration listener failed', { err: errorMessage(e) }));
    this.expires = opts.expires ?? DEFAULT_EXPIRES;
  }

  get status(): RegistrationStatus {
    return this.current;
  }

  /** Registers now and keeps the registration refreshed until `unregister()` or `close()`. */
  start(): void {
    if (this.running || this.closed) return;
    this.running = true;
    this.attempt();
  }

  /** Stops refreshing and removes our binding (Expires: 0) if the registrar may still hold it. */
  unregister(): Promise<void> {
    this.leaving ??= this.leave().finally(() => {
      this.leaving = undefined;
    });
    return this.leaving;
  }

  private async leave(): Promise<void> {
    this.running = false;
    this.timer?.cancel();
    this.timer = undefined;
    while (this.inFlight) await this.inFlight;
    if (this.ctx.clock.now() >= this.boundUntil) {
      if (this.current.state !== 'unregistered') this.setStatus({ state: 'unregistered', ...this.since() });
      return;
    }
    const r = await this.exchange(0);
    this.boundUntil = 0;
    this.setStatus({ state: 'unregistered', sipStatus: r.status, reason: r.reason, ...this.since() });
    if (r.status >= 300) this.ctx.logger.warn('unregister failed', { registrar: formatUri(this.opts.registrar), status: r.status, reason: r.reason });
  }

  /** Unregisters and stops for good; idempotent. */
  close(): Promise<void> {
    return (this.closed ??= this.unregister());
  }

  private attempt(): void {
    this.timer = undefined;
    const p = this.register().catch((e: unknown) => this.failed({ status: 500, reason: errorMessage(e) }, undefined)).finally(() => {
      if (this.inFlight === p) this.inFlight = undefined;
    });
    this.inFlight = p;
  }

  private async register(): Promise<void> {
    if (this.current.state !== 'registered') this.setStatus({ state: 'registering', ...this.since() });
    const r = await this.exchange(this.expires);
    if (r.response && r.status < 300) {
      const granted = grantedExpires(r.response, this.contactFor(), this.expires);
      if (granted > 0) {
        this.registered(granted, r);
        return;
      }
      this.failed({ status: r.status, reason: 'registrar granted no time' }, undefined);
      return;
    }
    this.failed(r, r.response);
  }

  private registered(granted: number, r: Attempt): void {
    const now = this.ctx.clock.wallNow();
    this.failures = 0;
    this.boundUntil = this.ctx.clock.now() + granted * 1000;
    const wasRegistered = this.current.state === 'registered';
    this.setStatus({ state: 'registered', sipStatus: r.status, reason: r.reason, expiresAt: now + granted * 1000, lastRegisteredAt: now });
    if (!wasRegistered) this.ctx.logger.info('registered', { registrar: formatUri(this.opts.registrar), aor: formatUri(this.opts.aor), expires: granted });
    this.schedule(refreshDelayMs(granted));
  }

  private failed(r: { status: number; reason: string }, res: SipResponse | undefined): void {
    const delays = this.opts.retryDelaysMs ?? DEFAULT_RETRY_DELAYS_MS;
    const backoff = delays[Math.min(this.failures, delays.length - 1)] ?? 30_000;
    this.failures++;
    const retryAfter = res ? Number(getHeader(res, 'Retry-After')?.split(/[\s;(]/)[0] ?? NaN) : NaN;
    const delay = Number.isInteger(retryAfter) && retryAfter > 0 ? Math.max(backoff, retryAfter * 1000) : backoff;
    this.setStatus({ state: 'failed', sipStatus: r.status, reason: r.reason, ...this.since() });
    this.ctx.logger.warn('registration failed', { registrar: formatUri(this.opts.registrar), status: r.status, reason: r.reason, retryInMs: delay });
    this.schedule(delay);
  }

  private schedule(ms: number): void {
    if (!this.running) return;
    this.timer?.cancel();
    this.timer = this.ctx.clock.setTimer(ms, () => this.attempt());
  }

  /** The last successful registration, kept across state changes. */
  private since(): Pick<RegistrationStatus, 'lastRegisteredAt' | 'expiresAt'> {
    const out: { lastRegisteredAt?: number; expiresAt?: number } = {};
    if (this.current.lastRegisteredAt !== undefined) out.lastRegisteredAt = this.current.lastRegisteredAt;
    if (this.current.expiresAt !== undefined && this.ctx.clock.now() < this.boundUntil) out.expiresAt = this.current.expiresAt;
    return out;
  }

  private setStatus(s: RegistrationStatus): void {
    this.current = s;
    this.emit('change', s);
  }

  /** Sends REGISTER until a final answer that is not a challenge we can meet; never rejects. */
  private async exchange(expires: number): Promise<Attempt> {
    let dest: Peer;
    try {
      dest = await this.destination();
    } catch (e) {
      return { status: 503, reason: errorMessage(e) };
    }
    let challenge: { header: string; value: DigestChallenge; nc: number } | undefined;
    let challenges = 0;
    let briefRetried = false;
    for (;;) {
      const auth = challenge ? [this.authorization(challenge.header, challenge.value, challenge.nc++)] : [];
      let res: SipResponse;
      try {
        res = await this.ctx.send(this.request(dest, expires, auth), dest);
      } catch (e) {
        if (e instanceof SipRequestError) return { status: e.status, reason: e.message };
        throw e;
      }
      if ((res.status === 401 || res.status === 407) && challenges < 2) {
        const next = this.challengeIn(res, challenges);
        if (next) {
          challenges++;
          challenge = { header: res.status === 401 ? 'Authorization' : 'Proxy-Authorization', value: next, nc: 1 };
          continue;
        }
      }
      if (res.status === 423 && expires > 0 && !briefRetried) {
        const min = Number(getHeader(res, 'Min-Expires') ?? NaN);
        if (Number.isInteger(min) && min > expires) {
          briefRetried = true;
          this.expires = min;
          expires = min;
          continue;
        }
      }
      return { response: res, status: res.status, reason: res.reason };
    }
  }

  /** §22.2: answer a first challenge; a second one only when it says the nonce was stale. */
  private challengeIn(res: SipResponse, seen: number): DigestChallenge | undefined {
    if (!this.opts.credentials) return undefined;
    const header = getHeader(res, res.status === 401 ? 'WWW-Authenticate' : 'Proxy-Authenticate');
    if (header === undefined) return undefined;
    let c: DigestChallenge;
    try {
      c = parseChallenge(header);
    } catch (e) {
      if (e instanceof SipParseError) return undefined;
      throw e;
    }
    return seen === 0 || c.stale ? c : undefined;
  }

  private authorization(name: string, challenge: DigestChallenge, nc: number): SipHeader {
    const creds = this.opts.credentials ?? { username: '', password: '' };
    const value = buildAuthorization({
      challenge, method: 'REGISTER', uri: formatUri(this.opts.registrar),
      username: creds.username, password: creds.password, cnonce: randomHex(8), nc,
    });
    return { name, value };
  }

  private async destination(): Promise<Peer> {
    const target = this.opts.proxy ?? this.opts.registrar;
    const peers = await this.ctx.resolve(target, 'udp');
    const first = peers[0];
    if (!first) throw new SipRequestError(503, `no address for ${formatUri(target)}`);
    // RFC 3261 §26.2.2 / RFC 5630 §3.1.3: a sips: or transport=tls registrar is never reached in the clear.
    if (needsTls(target) && first.transport !== 'tls') throw new SipTlsRequiredError(formatUri(target));
    return first.transport === 'tls' && this.opts.tlsVerify ? { ...first, verify: this.opts.tlsVerify } : first;
  }

  private contactFor(transport: Peer['transport'] = this.transportOf()): NameAddr {
    // RFC 5630 §3.1.3: registering a sips: AOR over TLS binds a sips: Contact.
    const c = this.ctx.contact(transport, this.opts.contactUser ?? this.opts.aor.user, this.opts.registrar.scheme === 'sips');
    if (this.opts.contactHost === undefined || (c.uri.scheme !== 'sip' && c.uri.scheme !== 'sips') || !('host' in c.uri)) return c;
    return { ...c, uri: { ...c.uri, host: this.opts.contactHost } };
  }

  private transportOf(): Peer['transport'] {
    return uriTransport(this.opts.proxy ?? this.opts.registrar, 'udp');
  }

  private request(dest: Peer, expires: number, auth: readonly SipHeader[]): SipRequest {
    this.cseq++;
    return createRequest({
      method: 'REGISTER',
      uri: this.opts.registrar,
      via: [this.ctx.via(dest.transport)],
      from: { uri: this.opts.aor, params: { tag: this.fromTag } },
      to: { uri: this.opts.aor, params: {} },
      callId: this.callId,
      cseq: { seq: this.cseq, method: 'REGISTER' },
      contact: [this.contactFor(dest.transport)],
      headers: [...this.ctx.commonHeaders, { name: 'Expires', value: String(expires) }, ...auth],
    });
  }
}

/**
 * §10.2.4: the time granted is our Contact's `expires` parameter in the 2xx, else the Expires
 * header, else what we asked for. A lone Contact that the registrar rewrote still counts as ours.
 */
export function grantedExpires(res: SipResponse, ours: NameAddr, asked: number): number {
  const mine = res.contact.filter((c) => sameContact(c.uri, ours.uri));
  const candidate = mine[0] ?? (res.contact.length === 1 ? res.contact[0] : undefined);
  const fromParam = seconds(candidate?.params.expires ?? undefined);
  if (fromParam !== undefined) return fromParam;
  return seconds(getHeader(res, 'Expires')) ?? asked;
}

function seconds(v: string | undefined): number | undefined {
  if (v === undefined) return undefined;
  const t = v.trim();
  return /^\d{1,10}$/.test(t) ? Number(t) : undefined;
}

function sameContact(a: Uri, b: Uri): boolean {
  if (!('host' in a) || !('host' in b)) return false;
  return a.host.toLowerCase() === b.host.toLowerCase() && (a.port ?? 5060) === (b.port ?? 5060) && (a.user ?? '') === (b.user ?? '');
}
