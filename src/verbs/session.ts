import type { CallControl, SynthesizerSpec } from '../call/control.js';
import type { Clock } from '../kernel/clock.js';
import type { Logger } from '../kernel/logger.js';
import { VerbValidationError } from './errors.js';
import { Interpreter } from './interpreter.js';
import { parseAppJson, parseVerbList } from './parse.js';
import type { VerbRegistry } from './registry.js';
import { AppRequestor, type CallSequence, type WebhookSender } from './requestor.js';
import type { RecognizerSpec, SessionSettings, VerbList } from './types.js';
import { coreVerbs } from './verbs/index.js';
import type { UnsupportedFeatureAlerts } from './unsupported.js';
import { isWebSocketHook, resolveHook, resolveWsHook, type Hook, type HookSpec } from './webhook/hook.js';
import type { WsAppSession } from './ws/session.js';

/** What `say` uses when neither the request nor the application names a synthesizer (issue 5). */
export const DEFAULT_SYNTHESIZER: SynthesizerSpec = { vendor: 'espeak', language: 'en-US' };
export const DEFAULT_RECOGNIZER: RecognizerSpec = { vendor: 'default', language: 'en-US' };

export interface ApplicationDefaults {
  readonly synthesizer?: SynthesizerSpec;
  readonly recognizer?: RecognizerSpec;
}

export interface StartApplicationOptions {
  /** The answered call. */
  readonly call: CallControl;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly webhooks: WebhookSender;
  /** The application: `call_hook` is requested with `session:new` unless `appJson` is given. */
  readonly callHook?: HookSpec;
  /** Inline verbs (a JSON string or an array); run without requesting call_hook, which stays the base for relative hooks. */
  readonly appJson?: string | readonly unknown[];
  /** The account's webhook secret; signs every request. */
  readonly secret?: string;
  readonly defaults?: ApplicationDefaults;
  /** The application's env vars, sent as `env_vars` when there are any. */
  readonly envVars?: Readonly<Record<string, unknown>>;
  readonly registry?: VerbRegistry;
  /** Share one counter with the status notifier for one sequence across all of a call's webhooks. */
  readonly sequence?: CallSequence;
  readonly newEventId?: () => string;
  /** Extra `session:new` fields, e.g. the inbound call's `sip` object (contract §2.1). */
  readonly sessionFields?: Readonly<Record<string, unknown>>;
  /** The redirect verb's `statusHook`. */
  readonly onStatusHook?: (spec: HookSpec) => void;
  /** Remembers first uses of unsupported properties per application (one per gateway); none: no such alerts. */
  readonly unsupportedAlerts?: UnsupportedFeatureAlerts;
  /** The call's socket when call_hook is ws(s) (contract §6); required for such a call_hook. */
  readonly socket?: WsAppSession;
  /** Opens a socket for a redirect to a ws(s) URL (contract §6); none: such a redirect fails. */
  readonly openSocket?: (hook: Hook) => WsAppSession;
}

export interface ApplicationHandle {
  /** Live control `call_hook`: `session:redirect`, then the reply's verbs replace the app at once. */
  redirect(hook: HookSpec): Promise<void>;
  /** Replaces the application with `verbs` (validated first: throws VerbValidationError). */
  replace(verbs: unknown): void;
  /** Adds `verbs` after the current list (a ws `redirect` with `queueCommand`; validated first). */
  append(verbs: unknown): void;
  /**
   * A `verb:hook` outside any verb (AMD's actionHook, contract §2.4/§6.2): call info + `fields`;
   * verbs in the reply replace the application. Rejects with the webhook or validation error.
   */
  hook(spec: HookSpec, fields: Readonly<Record<string, unknown>>): Promise<void>;
  /** Applies `config` verb properties at once, beside the running verb (validated first). */
  configure(props: unknown): Promise<void>;
  /** Ends the call after a failure of the application's channel (an alert, then a hang-up). */
  fail(e: unknown): Promise<void>;
  /** The application's socket while it is a WebSocket one (contract §6). */
  readonly socket: () => WsAppSession | undefined;
  /** Settles when the application has finished (the call was hung up or ended); never rejects. */
  readonly done: Promise<void>;
  readonly session: SessionSettings;
}

/** `session:new` body (contract §2.1): call info + defaults + env_vars. */
function sessionNewPayload(call: CallControl, s: SessionSettings, envVars: StartApplicationOptions['envVars'], extra: StartApplicationOptions['sessionFields']): Record<string, unknown> {
  const { vendor, language, voice, label } = s.synthesizer;
  const r = s.recognizer;
  const payload: Record<string, unknown> = {
    ...call.info(),
    ...extra,
    defaults: { synthesizer: { vendor, language, voice, label }, recognizer: { vendor: r.vendor, language: r.language, label: r.label } },
  };
  if (envVars && Object.keys(envVars).length > 0) payload.env_vars = envVars;
  return payload;
}

function newSession(defaults: ApplicationDefaults | undefined): SessionSettings {
  const synthesizer = defaults?.synthesizer ?? DEFAULT_SYNTHESIZER;
  const recognizer = defaults?.recognizer ?? DEFAULT_RECOGNIZER;
  return { synthesizer, recognizer, extras: new Map(), initial: { synthesizer, recognizer } };
}

/**
 * Starts the application of an answered outbound call: `session:new` to call_hook (or app_json),
 * then the interpreter runs the verbs until the call ends.
 */
export function startApplication(opts: StartApplicationOptions): ApplicationHandle {
  const registry = opts.registry ?? coreVerbs();
  const session = newSession(opts.defaults);
  let base: Hook | undefined;
  let setupError: unknown;
  try {
    base = opts.callHook === undefined ? undefined : isWebSocketHook(opts.callHook) ? resolveWsHook(opts.callHook) : resolveHook(opts.callHook);
  } catch (e) {
    setupError = e;
  }
  const requestor = new AppRequestor({
    webhooks: opts.webhooks, registry, secret: opts.secret, base, sequence: opts.sequence, newEventId: opts.newEventId, socket: opts.socket, openSocket: opts.openSocket,
  });
  const interpreter = new Interpreter({
    call: opts.call, clock: opts.clock, logger: opts.logger, requestor, session, onStatusHook: opts.onStatusHook,
    unsupportedAlerts: opts.unsupportedAlerts, appKey: base?.url,
  });

  const initialVerbs = async (): Promise<VerbList> => {
    if (setupError !== undefined) throw setupError;
    if (opts.appJson !== undefined) return parseAppJson(opts.appJson, registry);
    if (!base) throw new VerbValidationError('', 'the application has neither call_hook nor app_json');
    const verbs = await requestor.verbs(base, sessionNewPayload(opts.call, session, opts.envVars, opts.sessionFields), 'session:new');
    if (!verbs) throw new VerbValidationError('', `the call_hook ${base.url} returned no verbs`);
    return verbs;
  };

  const run = async (): Promise<void> => {
    let verbs: VerbList;
    try {
      verbs = await initialVerbs();
    } catch (e) {
      await interpreter.fail(e);
      return;
    }
    await interpreter.run(verbs);
  };

  const done = run().catch((e: unknown) => {
    opts.logger.error('application crashed', { call_sid: opts.call.sid, err: e instanceof Error ? e : String(e) });
  });
  return {
    redirect: (hook) => interpreter.redirect(hook),
    replace: (verbs) => interpreter.replace(parseVerbList(verbs, registry)),
    append: (verbs) => interpreter.append(parseVerbList(verbs, registry)),
    hook: async (spec, fields) => {
      const verbs = await requestor.verbs(requestor.resolve(spec), { ...opts.call.info(), ...fields });
      if (verbs && !opts.call.endedSignal.aborted) interpreter.replace(verbs);
    },
    configure: async (props) => {
      const [verb] = parseVerbList([{ ...(typeof props === 'object' && props !== null ? props : {}), verb: 'config' }], registry);
      await interpreter.runAside(verb);
    },
    fail: (e) => interpreter.fail(e),
    socket: () => requestor.socket,
    done,
    session,
  };
}
