import type { Logger } from '../kernel/logger.js';
import type { CdrInput, Store } from '../store/index.js';
import type { Call } from './call.js';

/**
 * A call's record (CDR) is written when the call starts, rewritten as it is answered and when it
 * ends (issue 12: nothing the API acknowledged may vanish in a crash). The records of one event-
 * loop turn go to the store together, in one transaction (a SQLite write is synchronous on the
 * media thread: one batch costs a fraction of one write per record); batches are written one
 * after another, so an older state can never land over a newer one.
 */
export class CallRecords {
  /** The calls whose latest state is not written yet (their records are taken when the batch goes). */
  private pending = new Map<string, Call>();
  private scheduled = false;
  private tail: Promise<void> = Promise.resolve();

  constructor(private readonly store: Store, private readonly logger: Logger, private readonly host: string) {}

  /** Starts recording `call`: its record now, and again at each step until it ends. */
  track(call: Call): void {
    this.write(call);
    call.on('status', (info) => {
      if (info.call_status === 'in-progress') this.write(call);
    });
    call.on('ended', () => this.write(call));
  }

  /** Settles when every record written so far is in the store. */
  async flush(): Promise<void> {
    this.writeBatch();
    await this.tail;
  }

  private write(call: Call): void {
    this.pending.set(call.sid, call);
    if (this.scheduled) return;
    this.scheduled = true;
    setImmediate(() => this.writeBatch());
  }

  private writeBatch(): void {
    this.scheduled = false;
    if (this.pending.size === 0) return;
    const batch = [...this.pending.values()].map((c) => cdrOf(c, this.host));
    this.pending = new Map();
    this.tail = this.tail.then(() => this.store.cdrs.saveMany(batch)).catch((e: unknown) => {
      this.logger.error('writing call records failed', { calls: batch.length, call_sids: batch.slice(0, 5).map((c) => c.call_sid), err: e instanceof Error ? e : String(e) });
    });
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
