import type { Clock, TimerHandle } from '../kernel/clock.js';
import { newSid } from '../kernel/ids.js';
import type { Logger } from '../kernel/logger.js';
import type { MediaService } from '../media/index.js';
import type { UserAgent } from '../sip/index.js';
import type { TtsRegistry } from '../speech/index.js';
import type { CdrInput, Store } from '../store/index.js';
import { Call, type CallDeps } from './call.js';
import type { CallStatus, ChildLegInit } from './control.js';
import { CallError } from './errors.js';
import { attemptsFor, placeOutbound, type OutboundRequest } from './outbound.js';

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
  /** Hang up answered calls that receive no RTP for this long (0 = never, the default: peers on hold may send none). */
  readonly mediaTimeoutMs?: number;
  /** Metrics hooks (Prometheus in the composition root). */
  readonly observer?: { status(direction: string, status: string): void; postDialDelay(ms: number): void };
}

export interface OutboundCallInit {
  readonly accountSid: string;
  readonly applicationSid?: string;
  readonly customerData?: Readonly<Record<string, unknown>>;
  readonly parentCallSid?: string;
  /** Called with the call before its first status event, to subscribe to it. */
  readonly onCall?: (call: Call) => void;
}

export interface CallFilter {
  readonly direction?: string;
  readonly from?: string;
  readonly to?: string;
  readonly callStatus?: CallStatus;
}

/**
 * Owns every live call (DESIGN.md §4.7): places outbound calls, enforces the per-account limits,
 * writes a CDR when a call ends, and drains on shutdown.
 */
export class CallManager {
  private readonly calls = new Map<string, Call>();
  private readonly recentStarts = new Map<string, number[]>();
  private readonly pendingCdrs = new Set<Promise<unknown>>();
  private accepting = true;
  private readonly rtpSeen = new Map<string, { count: number; since: number }>();
  private watchdog: TimerHandle | undefined;

  constructor(private readonly o: CallManagerOptions) {}

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
        else if (now - seen.since >= limit) void call.hangupWith('media timeout');
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
  async placeOutbound(init: OutboundCallInit, req: OutboundRequest): Promise<{ call: Call; callId: string }> {
    if (!this.accepting) throw new CallError('CALL_SHUTTING_DOWN', 'the gateway is shutting down', undefined, 5);
    await this.checkLimits(init.accountSid);
    const { attempts, trunk } = await this.attempts(init.accountSid, req);
    const call = new Call({
      sid: newSid(),
      accountSid: init.accountSid,
      applicationSid: init.applicationSid,
      direction: 'outbound',
      from: req.from,
      to: req.to.number ?? req.to.sipUri ?? req.to.name ?? '',
      callerName: req.callerName,
      trunk,
      customerData: init.customerData,
      parentCallSid: init.parentCallSid,
    }, this.callDeps());
    this.track(call);
    init.onCall?.(call);
    let callId: string;
    try {
      callId = await placeOutbound(this.o, call, req, attempts);
    } catch (e) {
      call.failed('failed', 500, 'Internal Server Error');
      throw e;
    }
    if (!call.isFinal) call.setStatus('trying', 100, 'Trying');
    return { call, callId };
  }

  /** A new inbound call (the inbound handler answers or rejects it). */
  createInbound(init: { accountSid: string; applicationSid: string; from: string; to: string; callerName?: string; trunk?: string; sipCallId: string }): Call {
    const call = new Call({
      sid: newSid(), accountSid: init.accountSid, applicationSid: init.applicationSid, direction: 'inbound',
      from: init.from, to: init.to, callerName: init.callerName, trunk: init.trunk,
    }, this.callDeps());
    call.sipCallId = init.sipCallId;
    this.track(call);
    return call;
  }

  get isAccepting(): boolean {
    return this.accepting;
  }

  private callDeps(): CallDeps {
    return {
      clock: this.o.clock,
      logger: this.o.logger,
      tts: this.o.tts,
      searchPath: this.o.searchPath,
      sipAddress: this.o.sipAddress,
      publicAddress: this.o.publicAddress,
      alert: (accountSid, callSid, alertType, message, detail) => this.alert(accountSid, callSid, alertType, message, detail),
    };
  }

  private attempts(accountSid: string, req: OutboundRequest): ReturnType<typeof attemptsFor> {
    return attemptsFor(this.o, accountSid, req);
  }

  private async checkLimits(accountSid: string): Promise<void> {
    const account = await this.o.store.accounts.get(accountSid);
    if (!account) throw new CallError('CALL_NOT_FOUND', 'account not found');
    if (account.max_concurrent_calls !== null && this.list(accountSid).length >= account.max_concurrent_calls) {
      throw new CallError('CALL_LIMIT', `the account allows ${account.max_concurrent_calls} concurrent calls`, undefined, 1);
    }
    if (account.max_calls_per_second !== null) {
      const now = this.o.clock.now();
      const starts = (this.recentStarts.get(accountSid) ?? []).filter((t) => now - t < 1000);
      if (starts.length >= account.max_calls_per_second) throw new CallError('CALL_LIMIT', `the account allows ${account.max_calls_per_second} new calls per second`, undefined, 1);
      starts.push(now);
      this.recentStarts.set(accountSid, starts);
    }
  }

  /** `dial`: a child leg of `parent` (same account; the caller id is not checked). */
  private async placeChild(parent: Call, init: ChildLegInit, onCall: (child: Call) => void): Promise<Call> {
    const t = init.target;
    const { call } = await this.placeOutbound({ accountSid: parent.accountSid, applicationSid: parent.applicationSid, parentCallSid: parent.sid, customerData: init.customerData, onCall }, {
      from: init.callerId ?? parent.from,
      callerName: init.callerName,
      to: { type: t.type, number: t.number, sipUri: t.sipUri, name: t.name, trunk: t.trunk, auth: t.auth, headers: t.headers },
      timeout: init.timeout,
      timeLimit: init.timeLimit,
      headers: init.headers,
    });
    return call;
  }

  private track(call: Call): void {
    this.calls.set(call.sid, call);
    this.watchMedia();
    call.dialer = (parent, init, onCall) => this.placeChild(parent, init, onCall);
    call.bridgeable = (sid) => {
      const c = this.calls.get(sid);
      return c && c.parentCallSid === call.sid ? c : undefined;
    };
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
    call.on('ended', () => {
      this.calls.delete(call.sid);
      this.rtpSeen.delete(call.sid);
      const p = this.o.store.cdrs.write(cdrOf(call)).catch((e: unknown) => this.o.logger.error('writing the CDR failed', { call_sid: call.sid, err: e instanceof Error ? e : String(e) }));
      this.pendingCdrs.add(p);
      void p.finally(() => this.pendingCdrs.delete(p));
    });
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
    await Promise.all([...this.pendingCdrs]);
  }
}

/** The CDR of an ended call (RecentCalls). */
export function cdrOf(call: Call): CdrInput {
  const iso = (t: number | undefined): string | null => (t === undefined ? null : new Date(t).toISOString());
  const tl = call.timeline.list();
  const sent = tl.find((e) => e.event === 'invite-sent');
  const firstResponse = tl.find((e) => e.event === 'response');
  return {
    call_sid: call.sid,
    account_sid: call.accountSid,
    application_sid: call.applicationSid ?? null,
    direction: call.direction,
    from: call.from,
    to: call.to,
    trunk: call.trunk ?? null,
    sip_callid: call.sipCallId || null,
    attempted_at: new Date(call.attemptedAt).toISOString(),
    answered_at: iso(call.answeredAt),
    terminated_at: iso(call.endedAt),
    duration: call.answeredAt !== undefined && call.endedAt !== undefined ? Math.round((call.endedAt - call.answeredAt) / 1000) : 0,
    answered: call.answered,
    sip_status: call.sipStatus,
    termination_reason: call.terminationReason ?? null,
    termination_cause: call.answered ? (call.terminationBy ?? null) : call.status,
    post_dial_delay_ms: sent && firstResponse ? firstResponse.t - sent.t : null,
    webhook_latency_ms: call.webhookLatencyMs ?? null,
    trace_id: call.traceId,
    timeline: tl.map((e) => ({ ...e })),
  };
}
