import type { CallControl } from '../call/control.js';
import type { Clock } from '../kernel/clock.js';
import type { Logger } from '../kernel/logger.js';
import { linkedController } from './abort.js';
import { VerbValidationError } from './errors.js';
import type { AppRequestor } from './requestor.js';
import type { UnsupportedFeatureAlerts } from './unsupported.js';
import type { ParsedVerb, SessionSettings, VerbContext, VerbList, VerbOutcome } from './types.js';
import { WebhookError } from './webhook/client.js';
import { HookSpecError, type HookSpec } from './webhook/hook.js';
import { WsSessionError } from './ws/session.js';

export interface InterpreterOptions {
  readonly call: CallControl;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly requestor: AppRequestor;
  readonly session: SessionSettings;
  /** The redirect verb's `statusHook` (a new call_status_hook for the rest of the call). */
  readonly onStatusHook?: (spec: HookSpec) => void;
  /** Hang up when the verb list runs out (default true; false for a dial confirmHook app). */
  readonly hangUpAtEnd?: boolean;
  /** The gateway's memory of which application used which unsupported property (issue 14). */
  readonly unsupportedAlerts?: UnsupportedFeatureAlerts;
  /** The application's key for those alerts when the call has no application_sid: its call_hook URL. */
  readonly appKey?: string;
}

/** The alert type for a failure that ends the application (contract §2.2, §2.8). */
export function alertTypeFor(e: unknown): string {
  if (e instanceof WebhookError) {
    // A URL the policy forbids fails like one that cannot be reached (docs/security.md).
    if (e.code === 'WEBHOOK_CONNECT' || e.code === 'URL_FORBIDDEN') return 'webhook-connection-failure';
    if (e.code === 'WEBHOOK_INVALID_JSON') return 'invalid-app-payload';
    return 'webhook-failure';
  }
  if (e instanceof WsSessionError) {
    // Contract §6.1: a socket that cannot be got back fails like an unreachable webhook.
    if (e.code === 'WS_RECONNECT_FAILED') return 'webhook-connection-failure';
    return e.code === 'WS_BINARY_FRAME' ? 'invalid-app-payload' : 'webhook-failure';
  }
  return 'invalid-app-payload';
}

/** Failures of the application itself (its webhooks or its verbs) end the call cleanly. */
export function isAppFailure(e: unknown): boolean {
  return e instanceof WebhookError || e instanceof VerbValidationError || e instanceof HookSpecError || e instanceof WsSessionError;
}

/**
 * Runs a verb list on a live call (contract §4.1). A hook reply with verbs replaces the rest of
 * the list; when the list runs out the call is hung up; it stops when the call ends. Live control
 * (`replace`, `redirect`) aborts the running verb and puts new verbs in place at once.
 */
export class Interpreter {
  #list: ParsedVerb[] = [];
  #pending: VerbList | undefined;
  #current: AbortController | undefined;
  #stopped = false;
  readonly #log: Logger;

  constructor(private readonly opts: InterpreterOptions) {
    this.#log = opts.logger.child({ call_sid: opts.call.sid });
  }

  /** Runs `verbs` (or verbs given to `replace` before this) until the list or the call ends. */
  async run(verbs: VerbList): Promise<void> {
    const ended = this.opts.call.endedSignal;
    this.#list = [...(this.#pending ?? verbs)];
    this.#pending = undefined;
    while (!ended.aborted && !this.#stopped) {
      if (this.#pending) {
        this.#list = [...this.#pending];
        this.#pending = undefined;
      }
      const verb = this.#list.shift();
      if (!verb) break;
      const outcome = await this.#runOne(verb);
      if (outcome?.end) this.#stopped = true;
      else if (this.#pending) continue;
      else if (outcome?.replace) this.#list = [...outcome.replace];
    }
    if (!ended.aborted && !this.#stopped) {
      this.#stopped = true;
      if (this.opts.hangUpAtEnd === false) return;
      this.#log.debug('verb list ended: hanging up');
      await this.#hangup();
    }
  }

  /** Replaces the application with `verbs` at once, aborting the running verb. */
  replace(verbs: VerbList): void {
    if (this.#stopped || this.opts.call.endedSignal.aborted) return;
    this.#pending = verbs;
    this.#current?.abort();
  }

  /** A WebSocket `redirect` command with `queueCommand: true` (contract §6.3): the verbs go after the current list. */
  append(verbs: VerbList): void {
    if (this.#stopped || this.opts.call.endedSignal.aborted) return;
    if (this.#pending) this.#pending = [...this.#pending, ...verbs];
    else this.#list.push(...verbs);
  }

  /** Runs one verb now, beside the list (a WebSocket `config` command, applied at once: contract §6.3). */
  async runAside(verb: ParsedVerb): Promise<void> {
    if (this.#stopped || this.opts.call.endedSignal.aborted) return;
    await verb.definition.run(this.#context(verb), verb.props, this.opts.call.endedSignal);
  }

  /**
   * Live control `call_hook` (contract §5.1): `session:redirect` to `spec`; the verbs of the reply
   * replace the application. Rejects only for an invalid hook spec; webhook failures end the call.
   */
  async redirect(spec: HookSpec): Promise<void> {
    const hook = this.opts.requestor.resolve(spec);
    try {
      const verbs = await this.opts.requestor.verbs(hook, { ...this.opts.call.info() }, 'session:redirect');
      this.opts.requestor.rebase(hook);
      if (verbs) this.replace(verbs);
      else this.#log.warn('call_hook redirect returned no verbs; the application goes on', { url: hook.url });
    } catch (e) {
      await this.fail(e);
    }
  }

  /** Ends the call after a failure of the application: an alert, then a hang-up. */
  async fail(e: unknown): Promise<void> {
    if (this.#stopped || this.opts.call.endedSignal.aborted) return;
    this.#stopped = true;
    const type = alertTypeFor(e);
    const message = e instanceof Error ? e.message : String(e);
    this.#log.warn('application failed: hanging up', { alert: type, err: message });
    this.opts.call.alert(type, message);
    this.#current?.abort();
    await this.#hangup();
  }

  /** `verb:status` to a WebSocket application when `config.notifyEvents` is on (contract §6.2; jambonz: `{event, id, name}`). */
  #verbStatus(verb: ParsedVerb, event: 'starting' | 'finished'): void {
    const socket = this.opts.requestor.socket;
    if (!socket || this.opts.session.extras.get('notifyEvents') !== true) return;
    socket.notify('verb:status', { event, ...(verb.id === undefined ? {} : { id: verb.id }), name: verb.name });
  }

  async #runOne(verb: ParsedVerb): Promise<VerbOutcome | undefined> {
    this.#verbStatus(verb, 'starting');
    try {
      return await this.#runVerb(verb);
    } finally {
      this.#verbStatus(verb, 'finished');
    }
  }

  async #runVerb(verb: ParsedVerb): Promise<VerbOutcome | undefined> {
    const link = linkedController(this.opts.call.endedSignal);
    this.#current = link.controller;
    try {
      return (await verb.definition.run(this.#context(verb), verb.props, link.controller.signal)) ?? undefined;
    } catch (e) {
      if (link.controller.signal.aborted) {
        this.#log.debug('verb ended after it was aborted', { verb: verb.name, err: String(e) });
      } else if (isAppFailure(e)) {
        await this.fail(e);
      } else {
        this.#log.error('verb failed', { verb: verb.name, err: e instanceof Error ? e : String(e) });
        this.opts.call.alert('verb-failure', `${verb.name}: ${e instanceof Error ? e.message : String(e)}`);
      }
      return undefined;
    } finally {
      link.dispose();
      if (this.#current === link.controller) this.#current = undefined;
    }
  }

  #context(verb: ParsedVerb): VerbContext {
    const { call, clock, session, requestor } = this.opts;
    return {
      call,
      clock,
      session,
      logger: this.#log.child({ verb: verb.name }),
      verbId: verb.id,
      actionHook: (spec, fields) => {
        const payload = { ...call.info(), ...fields, ...(verb.id === undefined ? {} : { verb_id: verb.id }) };
        return requestor.verbs(requestor.resolve(spec), payload);
      },
      redirect: async (spec) => {
        const hook = requestor.resolve(spec);
        const verbs = await requestor.verbs(hook, { ...call.info() });
        requestor.rebase(hook);
        return verbs;
      },
      setStatusHook: (spec) => this.opts.onStatusHook?.(spec),
      replaceApplication: (verbs) => this.replace(verbs),
      runOnLeg: (leg, spec) => this.#runOnLeg(leg, spec),
      reportUnsupported: (uses) => this.opts.unsupportedAlerts?.report(call, uses, this.opts.appKey),
    };
  }

  async #runOnLeg(leg: CallControl, spec: HookSpec): Promise<void> {
    const { clock, requestor, session } = this.opts;
    const sub = new Interpreter({
      call: leg, clock, logger: this.opts.logger, requestor, hangUpAtEnd: false,
      // Its own copy: a `config` in the sub-application leaves this one's settings alone.
      session: { ...session, extras: new Map(session.extras), stopAmd: undefined },
    });
    let verbs: VerbList | undefined;
    try {
      verbs = await requestor.verbs(requestor.resolve(spec), { ...leg.info() }, 'dial:confirm');
    } catch (e) {
      await sub.fail(e);
      throw e;
    }
    if (verbs) await sub.run(verbs);
  }

  async #hangup(): Promise<void> {
    try {
      await this.opts.call.hangup();
    } catch (e) {
      this.#log.warn('hang-up failed', { err: e instanceof Error ? e : String(e) });
    }
  }
}
