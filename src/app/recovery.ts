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
/** Issue 16: the calls of a cluster node whose heartbeat expired. */
export const NODE_LOST_REASON = 'node lost';

/**
 * Issue 12: on start, settle what a previous process of this node left open. Every call record
 * without an end becomes `failed` with termination_reason "gateway restart"; every call whose
 * status destinations were journalled is told so (call_status_hook and notifyUrl), then forgotten.
 */
export async function settleAfterRestart(o: RecoveryOptions): Promise<RecoveryResult> {
  // A SQLite file has one process at a time (locking_mode EXCLUSIVE): whatever is open in it was
  // left by a dead process, whatever its address was. A shared PostgreSQL store: this node's only.
  const host = o.store.kind === 'sqlite' ? undefined : o.host;
  return settleOpenCalls(o, host, RESTART_REASON, 'gateway-restart');
}

/**
 * Issue 16: another node's heartbeat expired; its calls died with it. Settled as `failed` /
 * "node lost" by whichever node's conditional update wins, and only that node tells the hooks.
 */
export function settleLostNode(o: RecoveryOptions, lostHost: string): Promise<RecoveryResult> {
  return settleOpenCalls(o, lostHost, NODE_LOST_REASON, 'node-lost');
}

/** Ends every open record of `host` (every host when undefined) and tells the journalled hooks of those this call ended. */
async function settleOpenCalls(o: RecoveryOptions, host: string | undefined, reason: string, event: string): Promise<RecoveryResult> {
  const now = new Date(o.clock.wallNow()).toISOString();
  const open = await o.store.cdrs.listOpen(host);
  const settled: string[] = [];
  for (const cdr of open) {
    if (await o.store.cdrs.settleOpen(cdr.call_sid, { terminated_at: now, termination_reason: reason, termination_cause: 'failed', event })) settled.push(cdr.call_sid);
  }
  const mine = new Set(settled);
  // Journal entries without a record (the call never got one) are ours to clear too.
  const journal = (await o.store.callJournal.listByHost(host)).filter((e) => mine.has(e.call_sid) || !open.some((c) => c.call_sid === e.call_sid));
  if (open.length > 0 || journal.length > 0) o.logger.warn(`settled calls left open: ${reason}`, { host: host ?? 'any', records: settled.length, journalled: journal.length });
  const notified = Promise.all(journal.map(async (entry) => {
    const cdr = await o.store.cdrs.get(entry.call_sid);
    if (cdr && mine.has(cdr.call_sid)) await tell(o, cdr, entry.hooks, reason);
    await o.store.callJournal.delete(entry.call_sid);
  })).then(() => undefined, (e: unknown) => o.logger.error(`telling status hooks about "${reason}" failed`, { err: e instanceof Error ? e : String(e) }));
  return { settled: settled.length, notified };
}

async function tell(o: RecoveryOptions, cdr: Cdr, hooks: Readonly<Record<string, unknown>>, reason: string): Promise<void> {
  const info = endedInfo(cdr, cdr.host ?? o.host, reason);
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
function endedInfo(cdr: Cdr, host: string, reason: string): CallInfo {
  return {
    call_sid: cdr.call_sid,
    direction: cdr.direction,
    from: cdr.from,
    to: cdr.to,
    call_id: cdr.sip_callid ?? '',
    sip_status: 500,
    sip_reason: reason,
    call_status: 'failed',
    account_sid: cdr.account_sid,
    ...(cdr.application_sid ? { application_sid: cdr.application_sid } : {}),
    trace_id: cdr.trace_id ?? '',
    fs_sip_address: host,
    call_termination_by: 'jambonz',
    termination_reason: reason,
  };
}
