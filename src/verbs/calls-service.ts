import type { Call } from '../call/call.js';
import type { CallInfo, CallStatus } from '../call/control.js';
import { CallError } from '../call/errors.js';
import { checkAmd } from '../call/amd.js';
import { newSid } from '../kernel/ids.js';
import type { CallManager } from '../call/manager.js';
import type { OutboundRequest } from '../call/outbound.js';
import type { Clock } from '../kernel/clock.js';
import { GatewayError } from '../kernel/errors.js';
import type { Logger } from '../kernel/logger.js';
import type { Application, Hook as StoredHook, Store } from '../store/index.js';
import { VerbValidationError } from './errors.js';
import { parseVerbList } from './parse.js';
import { coreVerbs } from './verbs/index.js';
import { CallSequence, type WebhookSender } from './requestor.js';
import { validate } from './schema.js';
import { startApplication, type ApplicationDefaults, type ApplicationHandle } from './session.js';
import { StatusNotifier } from './status-notifier.js';
import { amdSchema } from './verbs/config.js';
import { HookSpecError, resolveHook, type HookSpec } from './webhook/hook.js';

/** `POST /Calls` body (contract §1.1 plus the seed's fields), already schema-checked by the API. */
export interface CreateCallBody {
  readonly application_sid?: string;
  readonly call_hook?: HookSpec;
  readonly call_status_hook?: HookSpec;
  readonly app_json?: string | readonly unknown[];
  readonly from: string;
  readonly fromHost?: string;
  readonly callerName?: string;
  readonly to: OutboundRequest['to'] & { readonly type: 'phone' | 'sip' | 'user' };
  readonly timeout?: number;
  readonly timeLimit?: number;
  readonly tag?: Readonly<Record<string, unknown>>;
  readonly headers?: Readonly<Record<string, string>>;
  readonly notifyUrl?: HookSpec;
  readonly amd?: Readonly<Record<string, unknown>>;
  readonly speech_synthesis_vendor?: string;
  readonly speech_synthesis_language?: string;
  readonly speech_synthesis_voice?: string;
  readonly speech_synthesis_label?: string;
  readonly speech_recognizer_vendor?: string;
  readonly speech_recognizer_language?: string;
  readonly speech_recognizer_label?: string;
}

/** A request the service refuses; `field` is the body path at fault (→ 400 with that path). */
export class CallRequestError extends GatewayError {
  constructor(message: string, readonly field: string) {
    super('CALL_REQUEST_INVALID', message);
  }
}

export interface CallsServiceOptions {
  readonly clock: Clock;
  readonly logger: Logger;
  readonly store: Store;
  readonly calls: CallManager;
  readonly webhooks: WebhookSender;
  /** Called after every application webhook with its round-trip (metrics). */
  readonly onWebhook?: (latencyMs: number, ok: boolean) => void;
}

interface LiveApp {
  handle?: ApplicationHandle;
  notifier: StatusNotifier;
}

/**
 * Outbound calls as the REST API sees them: resolves the application and hooks, places the call,
 * reports its statuses (call_status_hook + notifyUrl) and runs the application on answer.
 */
export class CallsService {
  private readonly apps = new Map<string, LiveApp>();

  constructor(private readonly o: CallsServiceOptions) {}

  async create(accountSid: string, body: CreateCallBody): Promise<{ sid: string; callId: string }> {
    const received = this.o.clock.now();
    const account = await this.o.store.accounts.get(accountSid);
    if (!account) throw new CallError('CALL_NOT_FOUND', 'account not found');
    const app = await this.application(accountSid, body.application_sid);
    const callHook = body.call_hook ?? hookSpec(app?.call_hook);
    const appJson = body.app_json ?? app?.app_json ?? undefined;
    if (!callHook && !appJson) throw new CallRequestError('give application_sid, call_hook or app_json', 'application_sid');
    checkHook(callHook, 'call_hook');
    const statusHook = body.call_status_hook ?? hookSpec(app?.call_status_hook);
    checkHook(statusHook, 'call_status_hook');
    checkHook(body.notifyUrl, 'notifyUrl');
    if (body.amd !== undefined) {
      try {
        validate(amdSchema, body.amd, 'amd');
      } catch (e) {
        if (e instanceof VerbValidationError) throw new CallRequestError(e.message, e.path || 'amd');
        throw e;
      }
      checkAmd(body.amd);
    }
    if (!account.allow_any_caller_id) {
      const owned = await this.o.store.phoneNumbers.findByNumber(body.from);
      if (!owned || owned.account_sid !== accountSid) {
        throw new CallRequestError(`"${body.from}" is not a phone number of this account (add it under PhoneNumbers, or allow any caller id on the account)`, 'from');
      }
    }
    const secret = await this.o.store.webhookSecrets.get(accountSid);
    const defaults = speechDefaults(body, app);
    const sequence = new CallSequence();
    const { call, callId } = await this.o.calls.placeOutbound({
      accountSid,
      applicationSid: app?.application_sid,
      customerData: body.tag,
      onCall: (c) => this.attach(c, { statusHook, notifyUrl: body.notifyUrl, callHook, appJson, secret, defaults, envVars: app?.env_vars ?? undefined, sequence, amd: body.amd }),
    }, {
      from: body.from,
      callerName: body.callerName,
      fromHost: body.fromHost,
      to: body.to,
      timeout: body.timeout ?? 60,
      timeLimit: body.timeLimit,
      headers: body.headers,
    });
    // The gateway's own share of the set-up: request received → INVITE on the wire (bench:calls).
    call.note('api-request', { added_delay_ms: Math.round((this.o.clock.now() - received) * 100) / 100 });
    return { sid: call.sid, callId };
  }

  /** An inbound call (issue 7): `session:new` with the `sip` object goes out before the call is answered. */
  async inbound(call: Call, applicationSid: string, sip: Readonly<Record<string, unknown>>): Promise<void> {
    const app = await this.o.store.applications.get(applicationSid);
    const secret = await this.o.store.webhookSecrets.get(call.accountSid);
    const sequence = new CallSequence();
    const callHook = hookSpec(app?.call_hook);
    const appJson = app?.app_json ?? undefined;
    this.attach(call, {
      statusHook: hookSpec(app?.call_status_hook), callHook, appJson, secret, sequence,
      defaults: speechDefaults({ from: call.from, to: { type: 'phone' } }, app), envVars: app?.env_vars ?? undefined,
      startNow: true, sessionFields: { sip },
    });
    call.setStatus('trying', 100, 'Trying');
  }

  private async application(accountSid: string, sid: string | undefined): Promise<Application | undefined> {
    if (sid === undefined) return undefined;
    const app = await this.o.store.applications.get(sid);
    if (!app || app.account_sid !== accountSid) throw new CallRequestError(`application_sid not found ${sid}`, 'application_sid');
    return app;
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

  private attach(call: Call, a: {
    statusHook?: HookSpec; notifyUrl?: HookSpec; callHook?: HookSpec; appJson?: string | readonly unknown[];
    secret?: string; defaults: ApplicationDefaults; envVars?: Readonly<Record<string, unknown>>; sequence: CallSequence;
    /** Inbound calls run their application before answer. */
    startNow?: boolean; sessionFields?: Readonly<Record<string, unknown>>;
    amd?: Readonly<Record<string, unknown>>;
  }): void {
    const webhooks = this.timed(call);
    const notifier = new StatusNotifier({
      webhooks, clock: this.o.clock, logger: this.o.logger,
      statusHook: a.statusHook, notifyUrl: a.notifyUrl, secret: a.secret, sequence: a.sequence,
      info: () => call.info(),
      onAlert: (type, message) => call.alert(type, message),
    });
    const live: LiveApp = { notifier };
    this.apps.set(call.sid, live);
    const start = (): void => {
      live.handle = startApplication({
        call, clock: this.o.clock, logger: this.o.logger, webhooks,
        callHook: a.callHook, appJson: a.appJson, secret: a.secret, defaults: a.defaults, envVars: a.envVars,
        sequence: a.sequence, onStatusHook: (spec) => notifier.setStatusHook(spec), sessionFields: a.sessionFields,
      });
    };
    call.on('child', (child) => child.on('status', (info) => notifier.childStatus(info)));
    call.on('notify', (event, fields) => notifier.notify(event, fields));
    call.on('statusNote', (info, fields) => notifier.statusNote(info, fields));
    call.on('status', (info) => {
      notifier.status(info);
      if (info.call_status === 'in-progress' && !live.handle) {
        if (a.amd) this.startAmd(call, a.amd, live, notifier, webhooks, a);
        start();
      }
    });
    if (a.startNow) start();
    call.on('ended', () => {
      // Keep the app reachable until its last status event is out, then forget it.
      void notifier.idle().then(() => this.apps.delete(call.sid));
    });
  }

  /**
   * Issue 6: AMD events go, in order, to `amd.actionHook` (call info + event fields; a verb list in
   * the reply replaces the running application) and to notifyUrl as ANSWERING_MACHINE_DETECTION.
   */
  private startAmd(call: Call, amd: Readonly<Record<string, unknown>>, live: LiveApp, notifier: StatusNotifier, webhooks: WebhookSender, a: { callHook?: HookSpec; secret?: string; sequence: CallSequence }): void {
    const base = a.callHook ? resolveHook(a.callHook) : undefined;
    const hook = resolveHook(amd.actionHook as HookSpec, base);
    let chain = Promise.resolve();
    try {
      call.startAmd(amd, (event) => {
        notifier.notify('ANSWERING_MACHINE_DETECTION', event);
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

  /** The live call of an account, or a 404-style CallError. */
  live(accountSid: string, sid: string): Call {
    const call = this.o.calls.get(sid);
    if (!call || call.accountSid !== accountSid) throw new CallError('CALL_NOT_FOUND', 'call not found');
    return call;
  }

  /** The live call, or undefined (finished calls are in the CDRs). */
  find(accountSid: string, sid: string): Call | undefined {
    const call = this.o.calls.get(sid);
    return call && call.accountSid === accountSid ? call : undefined;
  }

  list(accountSid: string, f: { direction?: string; from?: string; to?: string; callStatus?: CallStatus }): CallInfo[] {
    return this.o.calls.list(accountSid, f).map((c) => c.info());
  }

  /** PUT `call_hook`: `session:redirect`, its verbs replace the running app. */
  async redirect(accountSid: string, sid: string, hook: HookSpec): Promise<void> {
    const call = this.live(accountSid, sid);
    checkHook(hook, 'call_hook');
    const handle = this.apps.get(sid)?.handle;
    if (!handle || !call.answered) throw new CallError('CALL_WRONG_STATE', 'the call is not answered yet');
    await handle.redirect(hook);
  }

  /**
   * PUT `whisper` (contract §5.1): one say/play verb or a list of them, played on the call (loop
   * forced to 1) without touching the running application; the audio queues behind what is playing.
   */
  whisper(accountSid: string, sid: string, verbs: unknown): void {
    const call = this.live(accountSid, sid);
    const handle = this.apps.get(sid)?.handle;
    if (!handle || !call.answered) throw new CallError('CALL_WRONG_STATE', 'the call is not answered yet');
    const list = parseVerbList(Array.isArray(verbs) ? verbs : [verbs], coreVerbs());
    for (const [i, v] of list.entries()) {
      if (v.name !== 'say' && v.name !== 'play') throw new CallRequestError(`whisper takes say or play verbs, not ${v.name}`, `whisper[${i}]`);
    }
    const synth = handle.session.synthesizer;
    const run = async (): Promise<void> => {
      for (const v of list) {
        const items = v.name === 'say' ? v.props.text : v.props.url;
        for (const item of Array.isArray(items) ? items : [items]) {
          if (typeof item !== 'string') continue;
          if (v.name === 'say') await call.say(item, (v.props.synthesizer as typeof synth | undefined) ?? synth, call.endedSignal);
          else await call.play(item, call.endedSignal);
        }
      }
    };
    run().catch((e: unknown) => call.alert('verb-failure', `whisper: ${e instanceof Error ? e.message : String(e)}`));
  }

  /** PUT `call_status`: completed hangs up an answered call; no-answer cancels a ringing one. */
  async setStatus(accountSid: string, sid: string, status: 'completed' | 'no-answer'): Promise<void> {
    const call = this.live(accountSid, sid);
    if (status === 'completed') {
      if (!call.answered) throw new CallError('CALL_WRONG_STATE', 'call_status completed needs an answered call (use no-answer while it rings)');
      await call.hangupWith('call_status completed (REST)');
      return;
    }
    if (call.answered || call.isFinal) throw new CallError('CALL_WRONG_STATE', 'call_status no-answer only applies while the call rings');
    call.cancelPending?.('api');
  }

  /** DELETE: hangs up whatever the state (DESIGN.md §2). */
  async hangup(accountSid: string, sid: string): Promise<void> {
    await this.live(accountSid, sid).hangupWith('deleted through the REST API');
  }
}

/** A stored hook (nullable fields) as a hook spec. */
function hookSpec(h: StoredHook | null | undefined): HookSpec | undefined {
  if (!h) return undefined;
  return { url: h.url, method: h.method ?? undefined, username: h.username ?? undefined, password: h.password ?? undefined };
}

function checkHook(spec: HookSpec | undefined, field: string): void {
  if (spec === undefined) return;
  try {
    resolveHook(spec);
  } catch (e) {
    if (e instanceof HookSpecError) throw new CallRequestError(e.message, field);
    throw e;
  }
}

/** Request fields win over the application's; espeak when nothing names a synthesizer (issue 5). */
function speechDefaults(b: CreateCallBody, app: Application | undefined): ApplicationDefaults {
  const vendor = b.speech_synthesis_vendor ?? app?.speech_synthesis_vendor ?? 'espeak';
  return {
    synthesizer: {
      vendor,
      language: b.speech_synthesis_language ?? app?.speech_synthesis_language ?? 'en-US',
      voice: b.speech_synthesis_voice ?? app?.speech_synthesis_voice ?? undefined,
      label: b.speech_synthesis_label ?? app?.speech_synthesis_label ?? undefined,
    },
    recognizer: {
      vendor: b.speech_recognizer_vendor ?? app?.speech_recognizer_vendor ?? 'default',
      language: b.speech_recognizer_language ?? app?.speech_recognizer_language ?? 'en-US',
      label: b.speech_recognizer_label ?? app?.speech_recognizer_label ?? undefined,
    },
  };
}
