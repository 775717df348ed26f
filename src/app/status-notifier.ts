import type { CallInfo, CallStatus } from '../call/control.js';
import type { Clock } from '../kernel/clock.js';
import { newSid } from '../kernel/ids.js';
import type { Logger } from '../kernel/logger.js';
import { alertTypeFor, CallSequence, resolveHook, WebhookError, type Hook, type HookSpec, type WebhookSender } from '../verbs/index.js';

/** The Cognigy event name of each jambonz call_status (DESIGN.md §2), sent in notifyUrl bodies. */
export const COGNIGY_EVENTS: Readonly<Record<CallStatus, string>> = {
  trying: 'CALL_CREATED',
  ringing: 'CALL_RINGING',
  'early-media': 'CALL_EARLY_MEDIA',
  'in-progress': 'CALL_IN_PROGRESS',
  completed: 'CALL_COMPLETED',
  failed: 'CALL_FAILED',
  busy: 'USER_BUSY',
  'no-answer': 'NO_ANSWER',
};

export interface StatusNotifierOptions {
  readonly webhooks: WebhookSender;
  readonly clock: Clock;
  readonly logger: Logger;
  /** The call's `call_status_hook` (gets every status change). */
  readonly statusHook?: HookSpec;
  /** The per-call `notifyUrl` (gets every status change and every `notify` event, with `event`). */
  readonly notifyUrl?: HookSpec;
  /** The resolved call_hook, for relative hooks. */
  readonly base?: Hook;
  /** The account's webhook secret. */
  readonly secret?: string;
  /** Records an alert for the call's account; webhook failures go here, never into the call. */
  readonly onAlert: (alertType: string, message: string) => void;
  /** The call's current info, for `notify` events. */
  readonly info?: () => CallInfo;
  readonly sequence?: CallSequence;
  readonly newEventId?: () => string;
  /**
   * A WebSocket application's socket takes `call:status` events instead of the status hook
   * (contract §6.1) when this returns a sink for the current status hook.
   */
  readonly overSocket?: (statusHook: HookSpec | undefined) => ((body: Readonly<Record<string, unknown>>) => void) | undefined;
}

type Target = 'status' | 'notify';

/**
 * Posts a call's status changes in order (one queue per destination, never reordered; a slow
 * hook delays only its own queue, never the call). Bodies are the flat `call:status` payload +
 * `event_id`, `sequence`, `timestamp`; notifyUrl bodies add `event` (the Cognigy name).
 */
export class StatusNotifier {
  #statusHook: HookSpec | undefined;
  readonly #tails: Record<Target, Promise<void>> = { status: Promise.resolve(), notify: Promise.resolve() };
  readonly #sequence: CallSequence;

  constructor(private readonly opts: StatusNotifierOptions) {
    this.#statusHook = opts.statusHook;
    this.#sequence = opts.sequence ?? new CallSequence();
  }

  /** The redirect verb's `statusHook`: later status changes go there. */
  setStatusHook(spec: HookSpec | undefined): void {
    this.#statusHook = spec;
  }

  /** One status change, with the call info as it is at this moment. */
  status(info: CallInfo): void {
    const meta = this.#meta();
    this.#toStatusHook({ ...info, ...meta });
    if (this.opts.notifyUrl !== undefined) this.#enqueue('notify', this.opts.notifyUrl, { ...info, event: COGNIGY_EVENTS[info.call_status], ...meta });
  }

  /** An extra `call:status` that is not a status change (contract §2.3): to the status hook only. */
  statusNote(info: CallInfo, fields: Readonly<Record<string, unknown>>): void {
    this.#toStatusHook({ ...info, ...fields, ...this.#meta() });
  }

  /** A `dial` child leg's status (its own call_sid, with parent_call_sid): to the status hook only (contract §4.4). */
  childStatus(info: CallInfo): void {
    this.#toStatusHook({ ...info, ...this.#meta() });
  }

  /** Any other event for notifyUrl (ANSWERING_MACHINE_DETECTION, TRANSFER_DIAL_SUCCESS …), same flat shape. */
  notify(event: string, fields: Readonly<Record<string, unknown>> = {}, info?: CallInfo): void {
    if (this.opts.notifyUrl === undefined) return;
    const base = info ?? this.opts.info?.();
    this.#enqueue('notify', this.opts.notifyUrl, { ...base, ...fields, event, ...this.#meta() });
  }

  /** Settles when everything queued so far has been sent (or has failed). */
  async idle(): Promise<void> {
    await Promise.all([this.#tails.status, this.#tails.notify]);
  }

  #meta(): { event_id: string; sequence: number; timestamp: string } {
    return {
      event_id: (this.opts.newEventId ?? newSid)(),
      sequence: this.#sequence.next(),
      timestamp: new Date(this.opts.clock.wallNow()).toISOString(),
    };
  }

  /** `call:status` to the app's socket (contract §6.1) or to the status hook. */
  #toStatusHook(body: Readonly<Record<string, unknown>>): void {
    const sink = this.opts.overSocket?.(this.#statusHook);
    if (sink) sink(body);
    else if (this.#statusHook !== undefined) this.#enqueue('status', this.#statusHook, body);
  }

  #enqueue(target: Target, spec: HookSpec, body: Readonly<Record<string, unknown>>): void {
    this.#tails[target] = this.#tails[target].then(() => this.#deliver(target, spec, body));
  }

  async #deliver(target: Target, spec: HookSpec, body: Readonly<Record<string, unknown>>): Promise<void> {
    const what = target === 'status' ? 'call_status_hook' : 'notifyUrl';
    try {
      const hook = resolveHook(spec, this.opts.base);
      await this.opts.webhooks.send({
        hook,
        payload: body,
        secret: this.opts.secret,
        eventId: String(body.event_id),
        sequence: Number(body.sequence),
      });
    } catch (e) {
      // The reply to a status event is never read, so an unparsable one is no failure.
      if (e instanceof WebhookError && e.code === 'WEBHOOK_INVALID_JSON') return;
      const message = `${what} ${String(body.call_status ?? body.event)}: ${e instanceof Error ? e.message : String(e)}`;
      this.opts.logger.warn('status webhook failed', { call_sid: body.call_sid, err: message });
      this.opts.onAlert(e instanceof WebhookError ? alertTypeFor(e) : 'webhook-failure', message);
    }
  }
}
