import type { Clock, TimerHandle } from '../kernel/clock.js';
import { detach } from '../kernel/detached.js';
import { newSid } from '../kernel/ids.js';
import type { Logger } from '../kernel/logger.js';
import type { UrlPolicy } from '../kernel/net-policy.js';
import type { MediaService } from '../media/index.js';
import type { UserAgent } from '../sip/index.js';
import { OPEN_URL_POLICY } from '../kernel/net-policy.js';
import { SpeechService, type SpeechCredentialLookup, type SpeechVendors, type TtsCache, type TtsRegistry } from '../speech/index.js';
import type { Store } from '../store/index.js';
import { Call, type CallDeps } from './call.js';
import type { StreamSocketPool } from './audio-stream/index.js';
import type { CallStatus, ChildLegInit } from './control.js';
import { CallError } from './errors.js';
import { CallRecords } from './records.js';
import { CallRecorder } from './siprec/index.js';
import { attemptsFor, OutboundLeg, placeOutbound, type OutboundRequest } from './outbound.js';
import type { ChildLegs, InboundSignalling } from './collaborators.js';
import type { LiveCallRegistry } from './registry.js';

export interface CallManagerOptions {
  readonly clock: Clock;
  readonly logger: Logger;
  readonly ua: UserAgent;
  readonly media: MediaService;
  readonly store: Store;
  readonly tts: TtsRegistry;
  readonly publicAddress: string;
  readonly sipAddress: string;
  readonly searchPath?: string;
  /** Which addresses `play` downloads may reach (docs/security.md). */
  readonly urlPolicy?: UrlPolicy;
  /** The stream worker for listen sockets (issue 15). */
  readonly streamSockets?: StreamSocketPool;
  /** Cloud speech adapters (issue 14); without them only the local voices of `tts` speak and nothing listens. */
  readonly speechVendors?: SpeechVendors;
  /** Finds an account's speech credential for a vendor (the SpeechCredentials store). */
  readonly speechCredentials?: SpeechCredentialLookup;
  /** The TTS cache cloud prompts are written to (shared with `tts`'s espeak). */
  readonly ttsCache?: TtsCache;
  /** Hang up answered calls that receive no RTP for this long (0 = never, the default: peers on hold may send none). */
  readonly mediaTimeoutMs?: number;
  /** Issue 16: a cluster's shared registry; the per-account limits are then counted there, cluster-wide. */
  readonly registry?: LiveCallRegistry;
  /** Metrics hooks (Prometheus in the composition root). */
  readonly observer?: { status(direction: string, status: string): void; postDialDelay(ms: number): void };
}

export interface OutboundCallInit {
  readonly accountSid: string;
  readonly applicationSid?: string;
  readonly customerData?: Readonly<Record<string, unknown>>;
  readonly parentCallSid?: string;
  readonly parentSipCallId?: string;
  /** The call's sid, when the caller recorded it before placing the call (campaigns, issue 17); default a new one. */
  readonly sid?: string;
  /** Called with the call before its first status event, to subscribe to it. */
  readonly onCall?: (call: Call) => void;
}

export interface CallFilter {
  readonly direction?: string;
  readonly from?: string;
  readonly to?: string;
  readonly callStatus?: CallStatus;
}

function concurrentLimit(max: number | null): CallError {
  return new CallError('CALL_LIMIT', `the account allows ${max ?? 0} concurrent calls`, undefined, 1);
}

function rateLimit(max: number | null): CallError {
  return new CallError('CALL_LIMIT', `the account allows ${max ?? 0} new calls per second`, undefined, 1);
}

/**
 * Owns every live call (DESIGN.md §4.7): places outbound calls, enforces the per-account limits,
 * writes a CDR when a call ends, and drains on shutdown.
 */
export class CallManager {
  private readonly calls = new Map<string, Call>();
  private readonly recentStarts = new Map<string, number[]>();
  /** Concurrency slots taken by outbound calls still being set up (not tracked yet), per account. */
  private readonly reserved = new Map<string, number>();
  private readonly records: CallRecords;
  private accepting = true;
  private speech: SpeechService | undefined;
  private readonly rtpSeen = new Map<string, { count: number; since: number }>();
  private watchdog: TimerHandle | undefined;

  /** SIPREC recordings of live calls (PUT /Calls `record`). */
  readonly recorder: CallRecorder;

  constructor(private readonly o: CallManagerOptions) {
    this.records = new CallRecords(o.store, o.logger, o.sipAddress);
    this.recorder = new CallRecorder({ clock: o.clock, logger: o.logger, ua: o.ua, media: o.media, publicAddress: o.publicAddress, ...(o.urlPolicy ? { urlPolicy: o.urlPolicy } : {}) });
  }

  /** One timer for all calls: answered calls whose RTP stopped for `mediaTimeoutMs` are hung up. */
  private watchMedia(): void {
    const limit = this.o.mediaTimeoutMs ?? 0;
    if (limit <= 0 || this.watchdog) return;
    const check = (): void => {
      this.watchdog = undefined;
      const now = this.o.clock.now();
      for (const call of this.calls.values()) {
        const media = call.mediaSession;
        if (!call.answered || call.isFinal || !media) continue;
        const count = media.stats.packetsReceived;
        const seen = this.rtpSeen.get(call.sid);
        if (!seen || seen.count !== count) this.rtpSeen.set(call.sid, { count, since: now });
        else if (now - seen.since >= limit) detach(this.o.logger, 'hanging up on media timeout', call.hangupWith('media timeout'));
      }
      if (this.calls.size > 0) this.watchdog = this.o.clock.setTimer(Math.min(1000, limit), check);
    };
    this.watchdog = this.o.clock.setTimer(Math.min(1000, limit), check);
  }

  get activeCount(): number {
    return this.calls.size;
  }

  get(sid: string): Call | undefined {
    return this.calls.get(sid);
  }

  list(accountSid: string | undefined, f: CallFilter = {}): Call[] {
    return [...this.calls.values()].filter((c) =>
      (accountSid === undefined || c.accountSid === accountSid)
      && (!f.direction || c.direction === f.direction)
      && (!f.from || c.from === f.from)
      && (!f.to || c.to === f.to)
      && (!f.callStatus || c.status === f.callStatus));
  }

  /** Places an outbound call; resolves once the INVITE is sent with the call and its SIP Call-ID. */
  /** Places the call; `invitedAt` is when its INVITE was handed to the transport (before the record is stored). */
  async placeOutbound(init: OutboundCallInit, req: OutboundRequest): Promise<{ call: Call; callId: string; invitedAt: number }> {
    if (!this.accepting) throw new CallError('CALL_SHUTTING_DOWN', 'the gateway is shutting down', undefined, 5);
    const sid = init.sid ?? newSid();
    const release = await this.takeSlot(init.accountSid, sid);
    let attempts: Awaited<ReturnType<typeof attemptsFor>>;
    try {
      attempts = await this.attempts(init.accountSid, req);
    } catch (e) {
      release(true);
      throw e;
    }
    release(false);
    const leg = new OutboundLeg();
    const call = new Call({
      sid,
      accountSid: init.accountSid,
      applicationSid: init.applicationSid,
      direction: 'outbound',
      from: req.from,
      to: req.to.number ?? req.to.sipUri ?? req.to.name ?? '',
      callerName: req.callerName,
      trunk: attempts.trunk,
      customerData: init.customerData,
      parentCallSid: init.parentCallSid,
      parentSipCallId: init.parentSipCallId,
    }, this.callDeps(), { signalling: leg, legs: this.legs });
    this.track(call);
    init.onCall?.(call);
    let callId: string;
    try {
      callId = await placeOutbound(this.o, call, leg, req, attempts.attempts);
    } catch (e) {
      call.failed('failed', 500, 'Internal Server Error');
      throw e;
    }
    const invitedAt = this.o.clock.now();
    if (!call.isFinal) call.setStatus('trying', 100, 'Trying');
    // The API acknowledges the call only once its record is in the store (issue 12).
    await this.records.flush();
    return { call, callId, invitedAt };
  }

  /** A new inbound call (the inbound handler answers or rejects it). */
  createInbound(init: { accountSid: string; applicationSid: string; from: string; to: string; callerName?: string; trunk?: string; sipCallId: string }, signalling: InboundSignalling): Call {
    const call = new Call({
      sid: newSid(), accountSid: init.accountSid, applicationSid: init.applicationSid, direction: 'inbound',
      from: init.from, to: init.to, callerName: init.callerName, trunk: init.trunk,
    }, this.callDeps(), { signalling, legs: this.legs });
    call.sipCallId = init.sipCallId;
    // Inbound calls are not refused by the account's limits (as on one node) but count towards them.
    if (this.o.registry) detach(this.o.logger, 'registering an inbound call', this.o.registry.admitCall(call.accountSid, call.sid, { maxConcurrent: null, maxPerSecond: null }));
    this.track(call);
    return call;
  }

  get isAccepting(): boolean {
    return this.accepting;
  }

  private speechService(): SpeechService | undefined {
    const { speechVendors, speechCredentials } = this.o;
    if (!speechVendors || !speechCredentials) return undefined;
    this.speech ??= new SpeechService({ vendors: speechVendors, credentials: speechCredentials, urlPolicy: this.o.urlPolicy ?? OPEN_URL_POLICY, clock: this.o.clock, local: this.o.tts });
    return this.speech;
  }

  private callDeps(): CallDeps {
    return {
      clock: this.o.clock,
      logger: this.o.logger,
      tts: this.o.tts,
      speech: this.speechService(),
      ttsCache: this.o.ttsCache,
      searchPath: this.o.searchPath,
      urlPolicy: this.o.urlPolicy,
      sipAddress: this.o.sipAddress,
      publicAddress: this.o.publicAddress,
      alert: (accountSid, callSid, alertType, message, detail) => this.alert(accountSid, callSid, alertType, message, detail),
      streamSockets: this.o.streamSockets,
    };
  }

  private attempts(accountSid: string, req: OutboundRequest): ReturnType<typeof attemptsFor> {
    return attemptsFor(this.o, accountSid, req);
  }

  /**
   * Checks the account's limits and takes a concurrency slot in the same synchronous step (no
   * `await` between the check and the take), so parallel requests cannot pass together; with a
   * cluster registry the registry does both in one atomic step for every node. The returned
   * function ends the reservation: `true` gives the slot back (the call was not placed), `false`
   * hands it to the tracked call.
   */
  private async takeSlot(accountSid: string, sid: string): Promise<(failed: boolean) => void> {
    const account = await this.o.store.accounts.get(accountSid);
    if (!account) throw new CallError('CALL_NOT_FOUND', 'account not found');
    const registry = this.o.registry;
    if (registry) {
      const verdict = await registry.admitCall(accountSid, sid, { maxConcurrent: account.max_concurrent_calls, maxPerSecond: account.max_calls_per_second });
      if (verdict === 'concurrent') throw concurrentLimit(account.max_concurrent_calls);
      if (verdict === 'rate') throw rateLimit(account.max_calls_per_second);
      return (failed) => {
        if (failed) detach(this.o.logger, 'giving back a cluster call slot', registry.removeCall(accountSid, sid));
      };
    }
    const reserved = this.reserved.get(accountSid) ?? 0;
    if (account.max_concurrent_calls !== null && this.list(accountSid).length + reserved >= account.max_concurrent_calls) throw concurrentLimit(account.max_concurrent_calls);
    if (account.max_calls_per_second !== null) {
      const now = this.o.clock.now();
      const starts = (this.recentStarts.get(accountSid) ?? []).filter((t) => now - t < 1000);
      if (starts.length >= account.max_calls_per_second) throw rateLimit(account.max_calls_per_second);
      starts.push(now);
      this.recentStarts.set(accountSid, starts);
    }
    this.reserved.set(accountSid, reserved + 1);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const n = (this.reserved.get(accountSid) ?? 1) - 1;
      if (n > 0) this.reserved.set(accountSid, n);
      else this.reserved.delete(accountSid);
    };
  }

  /** `dial`: a child leg of `parent` (same account; the caller id is not checked). */
  private async placeChild(parent: Call, init: ChildLegInit, onCall: (child: Call) => void): Promise<Call> {
    const t = init.target;
    const { call } = await this.placeOutbound({ accountSid: parent.accountSid, applicationSid: parent.applicationSid, parentCallSid: parent.sid, parentSipCallId: parent.sipCallId || undefined, customerData: init.customerData, onCall }, {
      from: init.callerId ?? parent.from,
      callerName: init.callerName,
      to: { type: t.type, number: t.number, sipUri: t.sipUri, name: t.name, trunk: t.trunk, auth: t.auth, headers: t.headers },
      timeout: init.timeout,
      timeLimit: init.timeLimit,
      headers: init.headers,
    });
    return call;
  }

  /** `dial` legs: placed through this manager, found again only by the call that placed them. */
  private readonly legs: ChildLegs = {
    place: (parent, init, onCall) => this.placeChild(parent, init, onCall),
    find: (parent, sid) => {
      const c = this.calls.get(sid);
      return c && c.parentCallSid === parent.sid ? c : undefined;
    },
  };

  private track(call: Call): void {
    this.calls.set(call.sid, call);
    this.watchMedia();
    const observer = this.o.observer;
    if (observer) {
      let pddSeen = false;
      call.on('status', (info) => {
        observer.status(call.direction, info.call_status);
        if (!pddSeen && info.call_status !== 'trying') {
          pddSeen = true;
          const tl = call.timeline.list();
          const sent = tl.find((e) => e.event === 'invite-sent');
          const first = tl.find((e) => e.event === 'response');
          if (sent && first) observer.postDialDelay(first.t - sent.t);
        }
      });
    }
    this.records.track(call);
    this.register(call);
    call.on('ended', () => {
      this.calls.delete(call.sid);
      this.rtpSeen.delete(call.sid);
    });
  }

  /** Issue 16: the cluster registry lists the call as its statuses change and frees its slot when it ends. */
  private register(call: Call): void {
    const registry = this.o.registry;
    if (!registry) return;
    call.on('status', (info) => detach(this.o.logger, 'updating the cluster call registry', registry.updateCall(call.accountSid, call.sid, info as unknown as Readonly<Record<string, unknown>>)));
    call.on('ended', () => detach(this.o.logger, 'removing a call from the cluster registry', registry.removeCall(call.accountSid, call.sid)));
  }

  alert(accountSid: string, callSid: string | undefined, alertType: string, message: string, detail?: string): void {
    this.o.store.alerts.write({ account_sid: accountSid, call_sid: callSid ?? null, alert_type: alertType, message, detail: detail ?? null, time: new Date(this.o.clock.wallNow()).toISOString() })
      .catch((e: unknown) => this.o.logger.error('writing an alert failed', { err: e instanceof Error ? e : String(e) }));
  }

  /** Stops taking calls, lets live ones finish for `drainMs`, then hangs the rest up; all CDRs written. */
  async shutdown(drainMs: number): Promise<void> {
    this.accepting = false;
    this.watchdog?.cancel();
    this.watchdog = undefined;
    const deadline = this.o.clock.now() + drainMs;
    while (this.calls.size > 0 && this.o.clock.now() < deadline) {
      await new Promise<void>((r) => this.o.clock.setTimer(100, r));
    }
    await Promise.all([...this.calls.values()].map((c) => c.hangupWith('gateway shutdown')));
    // Unanswered calls end when their CANCEL is answered; give them a moment.
    const cancelDeadline = this.o.clock.now() + 2000;
    while (this.calls.size > 0 && this.o.clock.now() < cancelDeadline) await new Promise<void>((r) => this.o.clock.setTimer(50, r));
    for (const c of [...this.calls.values()]) c.failed('no-answer', 487, 'Request Terminated');
    await this.records.flush();
  }
}
