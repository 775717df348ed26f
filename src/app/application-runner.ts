import type { Call } from '../call/call.js';
import type { CallInfo } from '../call/control.js';
import type { Clock } from '../kernel/clock.js';
import { detach } from '../kernel/detached.js';
import { newSid } from '../kernel/ids.js';
import type { Logger } from '../kernel/logger.js';
import {
  DEFAULT_ACK_TIMEOUT_MS, UnsupportedFeatureAlerts, WsAppSession,
  isAbsoluteHookUrl, isWebSocketHook, resolveHook, resolveWsHook, socketOpener, startApplication, VerbValidationError,
  type AppCommand, type ApplicationDefaults, type ApplicationHandle, type CallSequence, type Hook, type HookSpec, type SocketOpener, type WebhookSender, type WsSessionError,
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
  /** Opens WebSocket applications' sockets (URL policy, limits); an open-policy default. */
  readonly openSocket?: SocketOpener;
  /** Per-message ack timeout of WebSocket applications (contract §6.2: 5 s). */
  readonly wsAckTimeoutMs?: number;
  /** Runs a WebSocket application's command (contract §6.3); none: every command is answered "not supported". */
  readonly onCommand?: (call: Call, handle: ApplicationHandle, cmd: AppCommand) => Promise<void>;
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
  notifier?: StatusNotifier;
  /** The socket of a WebSocket call_hook, made at attach so that early call:status events wait for session:new. */
  socket?: WsAppSession;
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

  /**
   * One call's socket to a WebSocket application (contract §6): its messages on the Timeline like
   * webhooks, its commands to `onCommand`, its loss ending the call.
   */
  private newSocket(call: Call, live: LiveApp, hook: Hook, secret: string | undefined): WsAppSession {
    return new WsAppSession({
      clock: this.o.clock, logger: this.o.logger, callSid: call.sid, traceId: call.traceId, ackTimeoutMs: this.o.wsAckTimeoutMs,
      open: this.o.openSocket ?? socketOpener({ clock: this.o.clock }),
      target: { url: hook.url, username: hook.username, password: hook.password, secret }, maxReconnects: hook.retries,
      onCommand: (cmd) => {
        if (!live.handle) return Promise.reject(new Error('the application is not running'));
        if (!this.o.onCommand) return Promise.reject(new Error(`${cmd.command} is not supported`));
        return this.o.onCommand(call, live.handle, cmd);
      },
      onReconnectVerbs: (data) => live.handle?.replace(data),
      onLost: (e) => this.socketLost(call, live, e),
      onInvalid: (e) => call.alert('invalid-app-payload', `${hook.url}: ${e.message}`),
      onNote: (n) => {
        call.note('webhook', { url: hook.url, method: 'WS', ...n });
        // Acked messages count as application round-trips in the metrics, like webhooks.
        if (n.latency_ms !== undefined) this.o.onWebhook?.(n.latency_ms, true);
        else if (n.error !== undefined) this.o.onWebhook?.(this.o.wsAckTimeoutMs ?? DEFAULT_ACK_TIMEOUT_MS, false);
      },
    });
  }

  /** The socket is gone for good (closed by the app, reconnects exhausted): an alert, then the call ends. */
  private socketLost(call: Call, live: LiveApp, e: WsSessionError): void {
    if (live.handle) {
      detach(this.o.logger, 'ending a call whose application socket is lost', live.handle.fail(e));
      return;
    }
    call.alert('webhook-connection-failure', e.message);
    detach(this.o.logger, 'ending a call whose application socket is lost', call.hangup());
  }

  /** Where `call:status` goes for a WebSocket application: its socket, unless the status hook is another URL (contract §6.1). */
  private socketSink(live: LiveApp, statusHook: HookSpec | undefined): ((body: Readonly<Record<string, unknown>>) => void) | undefined {
    const socket = live.handle?.socket() ?? (live.handle ? undefined : live.socket);
    if (!socket || socket.closed) return undefined;
    const url = statusHook === undefined ? undefined : typeof statusHook === 'string' ? statusHook : statusHook.url;
    // A relative status hook (a redirect's statusHook) names the app's own socket, as in jambonz.
    if (url !== undefined && isAbsoluteHookUrl(url) && url.split('#')[0] !== socket.url) return undefined;
    return (body) => socket.notify('call:status', body);
  }

  /** Runs `call`'s application (now, or at the answer) and reports its statuses until it ends. */
  attach(call: Call, a: AppAttachment): void {
    const webhooks = this.timed(call);
    const live: LiveApp = {};
    const notifier = new StatusNotifier({
      webhooks, clock: this.o.clock, logger: this.o.logger,
      statusHook: a.statusHook, notifyUrl: a.notifyUrl, secret: a.secret, sequence: a.sequence,
      info: () => call.info(),
      onAlert: (type, message) => call.alert(type, message),
      overSocket: (statusHook) => this.socketSink(live, statusHook),
    });
    live.notifier = notifier;
    this.apps.set(call.sid, live);
    try {
      if (isWebSocketHook(a.callHook) && a.appJson === undefined) live.socket = this.newSocket(call, live, resolveWsHook(a.callHook as HookSpec), a.secret);
    } catch (e) {
      this.o.logger.warn('invalid ws call_hook', { call_sid: call.sid, err: e instanceof Error ? e : String(e) });
    }
    const journal = this.journalFor(call, { statusHook: a.statusHook, notifyUrl: a.notifyUrl });
    const start = (): void => {
      live.handle = startApplication({
        call, clock: this.o.clock, logger: this.o.logger, webhooks,
        callHook: a.callHook, appJson: a.appJson, secret: a.secret, defaults: a.defaults, envVars: a.envVars,
        sequence: a.sequence, sessionFields: a.sessionFields, unsupportedAlerts: this.unsupportedAlerts,
        socket: live.socket, openSocket: (hook) => this.newSocket(call, live, hook, a.secret),
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
        if (a.amd) this.startAmd(call, a.amd, live, notifier, webhooks, a);
        start();
      }
    });
    if (a.startNow) start();
    call.on('ended', () => {
      // Keep the app reachable until its last status event is out, then forget it.
      detach(this.o.logger, 'forgetting an ended application', notifier.idle().then(() => {
        // The last call:status is out (or queued on the socket, which sends it before closing).
        (live.handle?.socket() ?? live.socket)?.close();
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
    const spec = amd.actionHook as HookSpec;
    // A WebSocket application gets the events as verb:hook for amd.actionHook (contract §6.2).
    const send = isWebSocketHook(a.callHook)
      ? async (event: Readonly<Record<string, unknown>>): Promise<void> => live.handle?.hook(spec, event)
      : this.amdWebhook(call, live, webhooks, a, resolveHook(spec, a.callHook ? resolveHook(a.callHook) : undefined));
    let chain = Promise.resolve();
    try {
      call.startAmd(amd, (event) => {
        notifier.notify('ANSWERING_MACHINE_DETECTION', event);
        a.observer?.amd?.(event, { replace: (verbs) => live.handle?.replace(verbs), hangup: () => call.hangupWith('campaign voicemail: hang up') });
        chain = chain.then(() => send(event)).catch((e: unknown) => {
          call.alert(e instanceof VerbValidationError ? 'invalid-app-payload' : 'webhook-failure', `amd actionHook: ${e instanceof Error ? e.message : String(e)}`);
        });
      });
    } catch (e) {
      call.alert('amd-error', e instanceof Error ? e.message : String(e));
    }
  }

  /** An AMD event to an HTTP application's amd.actionHook; verbs in the reply replace the application. */
  private amdWebhook(call: Call, live: LiveApp, webhooks: WebhookSender, a: AppAttachment, hook: Hook): (event: Readonly<Record<string, unknown>>) => Promise<void> {
    return async (event) => {
      const r = await webhooks.send({ hook, payload: { ...call.info(), ...event }, secret: a.secret, eventId: newSid(), sequence: a.sequence.next() });
      if (Array.isArray(r.json) && r.json.length > 0 && !call.isFinal) live.handle?.replace(r.json);
    };
  }
}
