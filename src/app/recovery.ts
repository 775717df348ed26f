import type { CallInfo } from '../call/control.js';
import type { Clock } from '../kernel/clock.js';
import type { Logger } from '../kernel/logger.js';
import type { Cdr, Store } from '../store/index.js';
import type { HookSpec, WebhookSender } from '../verbs/index.js';
import { StatusNotifier } from './status-notifier.js';

export interface RecoveryOptions {
  readonly store: Store;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly webhooks: WebhookSender;
  /** This node (its SIP address): only its own calls are settled. */
  readonly host: string;
}

export interface RecoveryResult {
  /** Records that were still open and are now `failed` / `gateway restart`. */
  readonly settled: number;
  /** Settles when every status destination has been told (or has failed). */
  readonly notified: Promise<void>;
}

export const RESTART_REASON = 'gateway restart';

/**
 * Issue 12: on start, settle what a previous process of this node left open. Every call record
 * without an end becomes `failed` with termination_reason "gateway restart"; every call whose
 * status destinations were journalled is told so (call_status_hook and notifyUrl), then forgotten.
 */
export async function settleAfterRestart(o: RecoveryOptions): Promise<RecoveryResult> {
  const now = new Date(o.clock.wallNow()).toISOString();
  // A SQLite file has one process at a time (locking_mode EXCLUSIVE): whatever is open in it was
  // left by a dead process, whatever its address was. A shared PostgreSQL store: this node's only.
  const host = o.store.kind === 'sqlite' ? undefined : o.host;
  const open = await o.store.cdrs.listOpen(host);
  for (const cdr of open) {
    await o.store.cdrs.write({
      ...cdr,
      terminated_at: now,
      termination_reason: RESTART_REASON,
      termination_cause: 'failed',
      timeline: [...cdr.timeline, { at: now, t: Date.parse(now) - Date.parse(cdr.attempted_at), event: 'gateway-restart' }],
    });
  }
  const journal = await o.store.callJournal.listByHost(host);
  if (open.length > 0 || journal.length > 0) o.logger.warn('settled calls left open by a previous process', { records: open.length, journalled: journal.length });
  const notified = Promise.all(journal.map(async (entry) => {
    const cdr = await o.store.cdrs.get(entry.call_sid);
    if (cdr) await tell(o, cdr, entry.hooks);
    await o.store.callJournal.delete(entry.call_sid);
  })).then(() => undefined, (e: unknown) => o.logger.error('telling status hooks about the restart failed', { err: e instanceof Error ? e : String(e) }));
  return { settled: open.length, notified };
}

async function tell(o: RecoveryOptions, cdr: Cdr, hooks: Readonly<Record<string, unknown>>): Promise<void> {
  const info = restartInfo(cdr, o.host);
  const notifier = new StatusNotifier({
    webhooks: o.webhooks, clock: o.clock, logger: o.logger,
    statusHook: hooks.statusHook as HookSpec | undefined, notifyUrl: hooks.notifyUrl as HookSpec | undefined,
    secret: await o.store.webhookSecrets.get(cdr.account_sid),
    info: () => info,
    onAlert: (alertType, message) => {
      o.store.alerts.write({ account_sid: cdr.account_sid, call_sid: cdr.call_sid, alert_type: alertType, message, detail: null, time: new Date(o.clock.wallNow()).toISOString() })
        .catch((e: unknown) => o.logger.error('writing an alert failed', { err: e instanceof Error ? e : String(e) }));
    },
  });
  notifier.status(info);
  await notifier.idle();
}

/** The final `call:status` of a call that died with its process. */
function restartInfo(cdr: Cdr, host: string): CallInfo {
  return {
    call_sid: cdr.call_sid,
    direction: cdr.direction,
    from: cdr.from,
    to: cdr.to,
    call_id: cdr.sip_callid ?? '',
    sip_status: 500,
    sip_reason: RESTART_REASON,
    call_status: 'failed',
    account_sid: cdr.account_sid,
    ...(cdr.application_sid ? { application_sid: cdr.application_sid } : {}),
    trace_id: cdr.trace_id ?? '',
    fs_sip_address: host,
    call_termination_by: 'jambonz',
    termination_reason: RESTART_REASON,
  };
}
