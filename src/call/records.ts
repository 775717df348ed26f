import type { Logger } from '../kernel/logger.js';
import type { CdrInput, Store } from '../store/index.js';
import type { Call } from './call.js';

/**
 * A call's record (CDR) is written when the call starts, rewritten as it is answered and when it
 * ends (issue 12: nothing the API acknowledged may vanish in a crash). Writes of one call are
 * chained, so a slow store can never put an older state over a newer one.
 */
export class CallRecords {
  private readonly chains = new Map<string, Promise<void>>();

  constructor(private readonly store: Store, private readonly logger: Logger, private readonly host: string) {}

  /** Starts recording `call`: its record now, and again at each step until it ends. */
  track(call: Call): void {
    this.write(call);
    call.on('status', (info) => {
      if (info.call_status === 'in-progress') this.write(call);
    });
    call.on('ended', () => {
      this.write(call);
      const last = this.chains.get(call.sid);
      void last?.then(() => {
        if (this.chains.get(call.sid) === last) this.chains.delete(call.sid);
      });
    });
  }

  /** Settles when every record written so far is in the store. */
  async flush(): Promise<void> {
    await Promise.all([...this.chains.values()]);
  }

  private write(call: Call): void {
    const cdr = cdrOf(call, this.host);
    const prev = this.chains.get(call.sid) ?? Promise.resolve();
    const next = prev.then(() => this.store.cdrs.write(cdr)).then(
      () => undefined,
      (e: unknown) => this.logger.error('writing the call record failed', { call_sid: call.sid, err: e instanceof Error ? e : String(e) }),
    );
    this.chains.set(call.sid, next);
  }
}

/** The record of a call as it stands (RecentCalls once it has ended). */
export function cdrOf(call: Call, host: string | null = null): CdrInput {
  const iso = (t: number | undefined): string | null => (t === undefined ? null : new Date(t).toISOString());
  const tl = call.timeline.list();
  const sent = tl.find((e) => e.event === 'invite-sent');
  const firstResponse = tl.find((e) => e.event === 'response');
  const ended = call.isFinal;
  return {
    call_sid: call.sid,
    account_sid: call.accountSid,
    application_sid: call.applicationSid ?? null,
    direction: call.direction,
    from: call.from,
    to: call.to,
    trunk: call.trunk ?? null,
    sip_callid: call.sipCallId || null,
    sip_parent_callid: call.parentSipCallId ?? null,
    attempted_at: new Date(call.attemptedAt).toISOString(),
    answered_at: iso(call.answeredAt),
    terminated_at: ended ? iso(call.endedAt) : null,
    duration: ended && call.answeredAt !== undefined && call.endedAt !== undefined ? Math.round((call.endedAt - call.answeredAt) / 1000) : 0,
    answered: call.answered,
    sip_status: call.sipStatus,
    termination_reason: ended ? (call.terminationReason ?? null) : null,
    termination_cause: ended ? (call.answered ? (call.terminationBy ?? null) : call.status) : null,
    post_dial_delay_ms: sent && firstResponse ? firstResponse.t - sent.t : null,
    webhook_latency_ms: call.webhookLatencyMs ?? null,
    host,
    remote_host: call.remoteHost ?? null,
    trace_id: call.traceId,
    timeline: tl.map((e) => ({ ...e })),
  };
}
