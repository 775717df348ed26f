import type { Call } from '../call/call.js';
import type { CallInfo, CallStatus } from '../call/control.js';
import { CallError } from '../call/errors.js';
import { checkAmd } from '../call/amd.js';
import type { CallManager } from '../call/manager.js';
import type { OutboundRequest } from '../call/outbound.js';
import { parseRecordRequest } from '../call/siprec/index.js';
import type { Clock } from '../kernel/clock.js';
import { GatewayError } from '../kernel/errors.js';
import type { Logger } from '../kernel/logger.js';
import type { Application, Hook as StoredHook, Store } from '../store/index.js';
import {
  amdSchema, CallSequence, coreVerbs, HookSpecError, isWebSocketHook, parseVerbList, resolveHook, resolveWsHook, validate, VerbValidationError,
  type ApplicationDefaults, type HookSpec, type SocketOpener, type WebhookSender,
} from '../verbs/index.js';
import { ApplicationRunner, type CallObserver } from './application-runner.js';
import { runAppCommand } from './live-control.js';

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

/** What an in-process caller of `CallsService.create` may add (issue 17). */
export interface CreateCallOptions {
  readonly observer?: CallObserver;
  readonly callSid?: string;
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
  /** This node (its SIP address), the owner of the calls it journals. */
  readonly host?: string;
  /** Opens WebSocket applications' sockets under the URL policy and limits (contract §6.1). */
  readonly openSocket?: SocketOpener;
  /** Ack timeout of WebSocket application messages (contract §6.2: 5 s). */
  readonly wsAckTimeoutMs?: number;
}

/**
 * Outbound calls as the REST API sees them: resolves the application and hooks, places the call,
 * reports its statuses (call_status_hook + notifyUrl) and runs the application on answer.
 */
export class CallsService {
  private readonly runner: ApplicationRunner;

  constructor(private readonly o: CallsServiceOptions) {
    this.runner = new ApplicationRunner({
      clock: o.clock, logger: o.logger, webhooks: o.webhooks, onWebhook: o.onWebhook, journal: o.store.callJournal, host: o.host,
      openSocket: o.openSocket, wsAckTimeoutMs: o.wsAckTimeoutMs,
      onCommand: (call, handle, cmd) => runAppCommand(this, call, handle, cmd),
    });
  }

  /**
   * Places a call as POST /Calls does. In-process clients (campaigns) may pass an `observer` that
   * sees its statuses and AMD events, and the `callSid` to give it (one they stored beforehand).
   */
  async create(accountSid: string, body: CreateCallBody, opts: CreateCallOptions = {}): Promise<{ sid: string; callId: string }> {
    const { observer, callSid } = opts;
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
    if (body.amd !== undefined) checkAmdBody(body.amd);
    if (!account.allow_any_caller_id) {
      const owned = await this.o.store.phoneNumbers.findByNumber(body.from);
      if (!owned || owned.account_sid !== accountSid) {
        throw new CallRequestError(`"${body.from}" is not a phone number of this account (add it under PhoneNumbers, or allow any caller id on the account)`, 'from');
      }
    }
    const secret = await this.o.store.webhookSecrets.get(accountSid);
    const defaults = speechDefaults(body, app);
    const sequence = new CallSequence();
    const { call, callId, invitedAt } = await this.o.calls.placeOutbound({
      accountSid,
      sid: callSid,
      applicationSid: app?.application_sid,
      customerData: body.tag,
      onCall: (c) => this.runner.attach(c, { statusHook, notifyUrl: body.notifyUrl, callHook, appJson, secret, defaults, envVars: app?.env_vars ?? undefined, sequence, amd: body.amd, observer }),
    }, {
      from: body.from,
      callerName: body.callerName,
      fromHost: body.fromHost,
      to: body.to,
      timeout: body.timeout ?? 60,
      timeLimit: body.timeLimit,
      headers: body.headers,
    });
    // The gateway's own share of the set-up: request received → INVITE on the wire (bench:calls);
    // storing the call's record afterwards (before the 201) is not part of it.
    call.note('api-request', { added_delay_ms: Math.round((invitedAt - received) * 100) / 100, record_stored_ms: Math.round((this.o.clock.now() - invitedAt) * 100) / 100 });
    return { sid: call.sid, callId };
  }

  /** An inbound call (issue 7): `session:new` with the `sip` object goes out before the call is answered. */
  async inbound(call: Call, applicationSid: string, sip: Readonly<Record<string, unknown>>): Promise<void> {
    const app = await this.o.store.applications.get(applicationSid);
    const secret = await this.o.store.webhookSecrets.get(call.accountSid);
    const sequence = new CallSequence();
    const callHook = hookSpec(app?.call_hook);
    const appJson = app?.app_json ?? undefined;
    // jambonz (middleware.js): an inbound call of a WebSocket application sends its status events
    // over the socket only; the application's call_status_hook is not used.
    const statusHook = isWebSocketHook(callHook) && appJson === undefined ? undefined : hookSpec(app?.call_status_hook);
    this.runner.attach(call, {
      statusHook, callHook, appJson, secret, sequence,
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
    const handle = this.runner.handle(sid);
    if (!handle || !call.answered) throw new CallError('CALL_WRONG_STATE', 'the call is not answered yet');
    await handle.redirect(hook);
  }

  /**
   * PUT `transcribe_status` (contract §5.1, issue 14): pause, resume or stop the call's background
   * transcription. Like jambonz, a call with none running accepts it and nothing happens.
   */
  transcribeStatus(accountSid: string, sid: string, status: 'pause' | 'resume' | 'stop'): void {
    const call = this.live(accountSid, sid);
    const handle = this.runner.handle(sid);
    if (!handle || !call.answered) throw new CallError('CALL_WRONG_STATE', 'the call is not answered yet');
    const t = handle.session.transcription;
    call.note('transcribe-status', { status, running: t !== undefined });
    if (!t) return;
    if (status === 'stop') {
      t.stop();
      handle.session.transcription = undefined;
    } else if (status === 'pause') t.pause();
    else t.resume();
  }

  /**
   * PUT `listen_status` (issue 15; jambonz `_lccListenStatus`): `pause` stops sending the call's
   * audio to its listen streams, `silence` sends silence frames in its place, `resume` sends it
   * again. Like jambonz, a call with no stream running accepts it and nothing happens.
   */
  listenStatus(accountSid: string, callSid: string, status: 'pause' | 'resume' | 'silence'): void {
    const call = this.live(accountSid, callSid);
    if (!call.answered) throw new CallError('CALL_WRONG_STATE', 'the call is not answered yet');
    // Each stream notes the change on the call's timeline.
    call.listenStatus(status);
  }

  /**
   * PUT `record` (contract §5.1) and the ws `record` command: SIPREC recording of an answered
   * call (docs/recording.md). Checked now (RecordError); the recording server's answer comes
   * later, and a failure then is a `record-failure` alert.
   */
  record(accountSid: string, callSid: string, data: unknown): void {
    const req = parseRecordRequest(data);
    const call = this.live(accountSid, callSid);
    if (!call.answered) throw new CallError('CALL_WRONG_STATE', 'the call is not answered yet');
    this.o.calls.recorder.apply(call, req);
  }

  /**
   * PUT `whisper` (contract §5.1): one say/play verb or a list of them, played on the call (loop
   * forced to 1) without touching the running application; the audio queues behind what is playing.
   */
  whisper(accountSid: string, sid: string, verbs: unknown): void {
    const call = this.live(accountSid, sid);
    const handle = this.runner.handle(sid);
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
    call.cancel('api');
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

/** `amd` of POST /Calls: the verb schema's shape, then the tuning's ranges (400 with the path). */
function checkAmdBody(amd: Readonly<Record<string, unknown>>): void {
  try {
    validate(amdSchema, amd, 'amd');
  } catch (e) {
    if (e instanceof VerbValidationError) throw new CallRequestError(e.message, e.path || 'amd');
    throw e;
  }
  checkAmd(amd);
}

function checkHook(spec: HookSpec | undefined, field: string): void {
  if (spec === undefined) return;
  try {
    if (isWebSocketHook(spec)) resolveWsHook(spec);
    else resolveHook(spec);
  } catch (e) {
    if (e instanceof HookSpecError) throw new CallRequestError(e.message, field);
    throw e;
  }
}

/** Request fields win over the application's; espeak when nothing names a synthesizer (issue 5). */
function speechDefaults(b: CreateCallBody, app: Application | undefined): ApplicationDefaults {
  return { synthesizer: synthesizerDefaults(b, app), recognizer: recognizerDefaults(b, app) };
}

function synthesizerDefaults(b: CreateCallBody, app: Application | undefined): NonNullable<ApplicationDefaults['synthesizer']> {
  return {
    vendor: b.speech_synthesis_vendor ?? app?.speech_synthesis_vendor ?? 'espeak',
    language: b.speech_synthesis_language ?? app?.speech_synthesis_language ?? 'en-US',
    voice: b.speech_synthesis_voice ?? app?.speech_synthesis_voice ?? undefined,
    label: b.speech_synthesis_label ?? app?.speech_synthesis_label ?? undefined,
  };
}

function recognizerDefaults(b: CreateCallBody, app: Application | undefined): NonNullable<ApplicationDefaults['recognizer']> {
  return {
    vendor: b.speech_recognizer_vendor ?? app?.speech_recognizer_vendor ?? 'default',
    language: b.speech_recognizer_language ?? app?.speech_recognizer_language ?? 'en-US',
    label: b.speech_recognizer_label ?? app?.speech_recognizer_label ?? undefined,
  };
}
