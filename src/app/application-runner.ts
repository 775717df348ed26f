import type { Call } from '../call/call.js';
import type { CallInfo } from '../call/control.js';
import type { Clock } from '../kernel/clock.js';
import { detach } from '../kernel/detached.js';
import { newSid } from '../kernel/ids.js';
import type { Logger } from '../kernel/logger.js';
import {
  UnsupportedFeatureAlerts,
  isWebSocketHook, resolveHook, startApplication, VerbValidationError, type ApplicationDefaults, type ApplicationHandle, type CallSequence, type HookSpec, type WebhookSender,
} from '../verbs/index.js';
import { StatusNotifier } from './status-notifier.js';
import type { CallJournalRepository } from '../store/index.js';

export interface ApplicationRunnerOptions {
  readonly clock: Clock;
  readonly logger: Logger;
  readonly webhooks: WebhookSender;
  /** Where live calls' status destinations are kept, so a restart can tell them how the call ended. */
  readonly journal?: CallJournalRepository;
  /** This node (its SIP address): the journal's owner of the calls it runs. */
  readonly host?: string;
  /** Called after every application webhook with its round-trip (metrics). */
  readonly onWebhook?: (latencyMs: number, ok: boolean) => void;
}

/** What one call's application is made of: its hooks, defaults and status destinations. */
export interface AppAttachment {
  readonly statusHook?: HookSpec;
  readonly notifyUrl?: HookSpec;
  readonly callHook?: HookSpec;
  readonly appJson?: string | readonly unknown[];
  readonly secret?: string;
  readonly defaults: ApplicationDefaults;
  readonly envVars?: Readonly<Record<string, unknown>>;
  readonly sequence: CallSequence;
  /** Inbound calls run their application before answer. */
  readonly startNow?: boolean;
  readonly sessionFields?: Readonly<Record<string, unknown>>;
  readonly amd?: Readonly<Record<string, unknown>>;
  readonly observer?: CallObserver;
}

/** Issue 17: what an in-process client (the campaign dialer) may do to a call it observes. */
export interface ObservedCallControl {
  /** Replaces the running application with `verbs` (validated: throws VerbValidationError). */
  replace(verbs: readonly unknown[]): void;
  hangup(): Promise<void>;
}

/** Issue 17: an in-process client's view of a call it placed, next to the status hooks. */
export interface CallObserver {
  /** Every status change, with the info call_status_hook gets (the final one included). */
  status?(info: CallInfo): void;
  /** Every AMD event, as it goes to amd.actionHook (issue 6). */
  amd?(event: Readonly<Record<string, unknown>>, control: ObservedCallControl): void;
}

interface StatusDestinations {
  readonly statusHook?: HookSpec;
  readonly notifyUrl?: HookSpec;
}

interface LiveApp {
  handle?: ApplicationHandle;
  notifier: StatusNotifier;
}

/**
 * The application lifecycle of live calls: starts each call's application (webhooks or app_json),
 * sends its status events (call_status_hook + notifyUrl), runs AMD hooks, and keeps the running
 * application reachable for live control until the call's last status event is out.
 */
export class ApplicationRunner {
  private readonly apps = new Map<string, LiveApp>();
  /** First uses of properties accepted but not acted on, per application, for this gateway (issue 14). */
  private readonly unsupportedAlerts = new UnsupportedFeatureAlerts();

  constructor(private readonly o: ApplicationRunnerOptions) {}

  /** The running application of a live call, if it has started. */
  handle(callSid: string): ApplicationHandle | undefined {
    return this.apps.get(callSid)?.handle;
  }

  /** The webhook sender for one call: every request lands on the call's timeline with its round-trip. */
  private timed(call: Call): WebhookSender {
    const inner = this.o.webhooks;
    const clock = this.o.clock;
    const onWebhook = this.o.onWebhook;
    return {
      async send(req) {
        const started = clock.now();
        try {
          const r = await inner.send(req);
          call.note('webhook', { url: req.hook.url, method: req.hook.method, status: r.status, latency_ms: r.latencyMs, attempts: r.attempts });
          onWebhook?.(r.latencyMs, true);
          return r;
        } catch (e) {
          const ms = Math.round(clock.now() - started);
          call.note('webhook', { url: req.hook.url, method: req.hook.method, error: e instanceof Error ? e.message : String(e), latency_ms: ms });
          onWebhook?.(ms, false);
          throw e;
        }
      },
    };
  }

  /** Runs `call`'s application (now, or at the answer) and reports its statuses until it ends. */
  attach(call: Call, a: AppAttachment): void {
    const webhooks = this.timed(call);
    const notifier = new StatusNotifier({
      webhooks, clock: this.o.clock, logger: this.o.logger,
      statusHook: a.statusHook, notifyUrl: a.notifyUrl, secret: a.secret, sequence: a.sequence,
      info: () => call.info(),
      onAlert: (type, message) => call.alert(type, message),
    });
    const live: LiveApp = { notifier };
    this.apps.set(call.sid, live);
    const journal = this.journalFor(call, { statusHook: a.statusHook, notifyUrl: a.notifyUrl });
    const start = (): void => {
      if (isWebSocketHook(a.callHook)) {
        // Until the WebSocket API lands (issue 15) such an application cannot run: end cleanly.
        call.alert('webhook-websocket-unsupported', `call_hook ${typeof a.callHook === 'string' ? a.callHook : a.callHook?.url}: WebSocket applications (ws.jambonz.org) are not supported yet`);
        detach(this.o.logger, 'ending a call whose application is a WebSocket', call.hangup());
        return;
      }
      live.handle = startApplication({
        call, clock: this.o.clock, logger: this.o.logger, webhooks,
        callHook: a.callHook, appJson: a.appJson, secret: a.secret, defaults: a.defaults, envVars: a.envVars,
        sequence: a.sequence, sessionFields: a.sessionFields, unsupportedAlerts: this.unsupportedAlerts,
        onStatusHook: (spec) => {
          notifier.setStatusHook(spec);
          journal.update({ statusHook: spec, notifyUrl: a.notifyUrl });
        },
      });
    };
    call.on('child', (child) => child.on('status', (info) => notifier.childStatus(info)));
    call.on('notify', (event, fields) => notifier.notify(event, fields));
    call.on('statusNote', (info, fields) => notifier.statusNote(info, fields));
    call.on('status', (info) => {
      notifier.status(info);
      a.observer?.status?.(info);
      if (info.call_status === 'in-progress' && !live.handle) {
        if (a.amd && !isWebSocketHook(a.callHook)) this.startAmd(call, a.amd, live, notifier, webhooks, a);
        start();
      }
    });
    if (a.startNow) start();
    call.on('ended', () => {
      // Keep the app reachable until its last status event is out, then forget it.
      detach(this.o.logger, 'forgetting an ended application', notifier.idle().then(() => {
        this.apps.delete(call.sid);
        return journal.close();
      }));
    });
  }

  /**
   * The journal entry of a live call's status destinations (issue 12: a crash must not leave
   * them uninformed). Writes are chained so the delete at the end always lands last, and start
   * on the next turn of the event loop: the call's INVITE goes out first (the store is synchronous).
   */
  private journalFor(call: Call, hooks: StatusDestinations): { update(h: StatusDestinations): void; close(): Promise<void> } {
    const repo = this.o.journal;
    const host = this.o.host;
    if (!repo || !host) return { update: () => undefined, close: async () => undefined };
    let chain = new Promise<void>((resolve) => setImmediate(resolve));
    const step = (what: string, f: () => Promise<unknown>): Promise<void> => {
      chain = chain.then(f).then(() => undefined, (e: unknown) => this.o.logger.error(`${what} failed`, { call_sid: call.sid, err: e instanceof Error ? e : String(e) }));
      return chain;
    };
    const put = (h: StatusDestinations): void => {
      if (h.statusHook === undefined && h.notifyUrl === undefined) return;
      void step('journalling the call', () => repo.put({ call_sid: call.sid, account_sid: call.accountSid, host, hooks: { ...h } }));
    };
    put(hooks);
    return { update: put, close: () => step('clearing the call journal', () => repo.delete(call.sid)) };
  }

  /**
   * Issue 6: AMD events go, in order, to `amd.actionHook` (call info + event fields; a verb list in
   * the reply replaces the running application) and to notifyUrl as ANSWERING_MACHINE_DETECTION.
   */
  private startAmd(call: Call, amd: Readonly<Record<string, unknown>>, live: LiveApp, notifier: StatusNotifier, webhooks: WebhookSender, a: AppAttachment): void {
    const base = a.callHook ? resolveHook(a.callHook) : undefined;
    const hook = resolveHook(amd.actionHook as HookSpec, base);
    let chain = Promise.resolve();
    try {
      call.startAmd(amd, (event) => {
        notifier.notify('ANSWERING_MACHINE_DETECTION', event);
        a.observer?.amd?.(event, { replace: (verbs) => live.handle?.replace(verbs), hangup: () => call.hangupWith('campaign voicemail: hang up') });
        chain = chain.then(async () => {
          const r = await webhooks.send({ hook, payload: { ...call.info(), ...event }, secret: a.secret, eventId: newSid(), sequence: a.sequence.next() });
          if (Array.isArray(r.json) && r.json.length > 0 && !call.isFinal) live.handle?.replace(r.json);
        }).catch((e: unknown) => {
          call.alert(e instanceof VerbValidationError ? 'invalid-app-payload' : 'webhook-failure', `amd actionHook: ${e instanceof Error ? e.message : String(e)}`);
        });
      });
    } catch (e) {
      call.alert('amd-error', e instanceof Error ? e.message : String(e));
    }
  }
}
