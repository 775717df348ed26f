import { newSid } from '../kernel/ids.js';
import { VerbValidationError } from './errors.js';
import { parseVerbList } from './parse.js';
import type { VerbRegistry } from './registry.js';
import { isPlainObject } from './schema.js';
import type { VerbList } from './types.js';
import type { WebhookRequest, WebhookResult } from './webhook/client.js';
import { HookSpecError, isAbsoluteHookUrl, isWebSocketHook, relativeWsHook, resolveHook, resolveWsHook, type Hook, type HookSpec } from './webhook/hook.js';
import type { WsAppSession } from './ws/session.js';

/** What a request to the application is (contract §2.1, §6.2); the WebSocket channel sends it as the message type. */
export type HookMessageType = 'session:new' | 'session:redirect' | 'verb:hook' | 'dial:confirm';

/** What sends webhooks (WebhookClient; a fake in tests). */
export interface WebhookSender {
  send(req: WebhookRequest): Promise<WebhookResult>;
}

/** A per-call counter for the sequence number every webhook request carries (DESIGN.md §2). */
export class CallSequence {
  #n = 0;
  next(): number {
    return ++this.#n;
  }
}

export interface AppRequestorOptions {
  readonly webhooks: WebhookSender;
  readonly registry: VerbRegistry;
  /** The account's webhook secret: every request is signed with it. */
  readonly secret?: string;
  /** The resolved call_hook: the base for relative hooks, and the lender of its credentials. */
  readonly base?: Hook;
  readonly sequence?: CallSequence;
  readonly newEventId?: () => string;
  /** The call's socket when the application is a WebSocket one (contract §6). */
  readonly socket?: WsAppSession;
  /** Opens the socket of a ws(s) hook the application is redirected to. */
  readonly openSocket?: (hook: Hook) => WsAppSession;
}

/**
 * The application's side of one call, over one of two channels: HTTP webhooks (resolves hooks
 * against the call_hook base, signs, numbers and sends each request) or the call's WebSocket
 * (contract §6: relative hooks go as `verb:hook` with the hook string; absolute http(s) hooks
 * still go over HTTP). Either way the reply is read as a verb list. A redirect to a ws(s) URL
 * moves the call to a socket, one to an http(s) URL moves it back to webhooks.
 */
export class AppRequestor {
  #base: Hook | undefined;
  #socket: WsAppSession | undefined;
  readonly #sequence: CallSequence;

  constructor(private readonly opts: AppRequestorOptions) {
    this.#base = opts.base;
    this.#socket = opts.socket;
    this.#sequence = opts.sequence ?? new CallSequence();
  }

  get base(): Hook | undefined {
    return this.#base;
  }

  /** The call's socket while the application is a WebSocket one. */
  get socket(): WsAppSession | undefined {
    return this.#socket;
  }

  /** Resolves a hook spec; throws HookSpecError for a bad one (or a relative one without a base). */
  resolve(spec: HookSpec): Hook {
    if (isWebSocketHook(spec)) return resolveWsHook(spec);
    const url = typeof spec === 'string' ? spec : spec.url;
    if (this.#socket && typeof url === 'string' && !isAbsoluteHookUrl(url)) return relativeWsHook(spec);
    return resolveHook(spec, this.#base && !isWebSocketHook(this.#base.url) ? this.#base : undefined);
  }

  /** Contract §4.2 redirect: an absolute hook on another host becomes the base for relative hooks. */
  rebase(hook: Hook): void {
    if (!isAbsoluteHookUrl(hook.url)) return;
    if (isWebSocketHook(hook.url)) {
      this.#base = hook;
      return;
    }
    if (this.#socket) {
      // Handover (contract §6): the application moved to HTTP webhooks; its socket closes.
      this.#socket.close();
      this.#socket = undefined;
    }
    if (!this.#base || new URL(this.#base.url).origin !== new URL(hook.url).origin) this.#base = hook;
  }

  /** The socket a hook goes to, or undefined for HTTP; a new ws(s) URL replaces the call's socket. */
  #socketFor(hook: Hook): WsAppSession | undefined {
    if (isWebSocketHook(hook.url)) {
      if (this.#socket && !this.#socket.closed && this.#socket.url === hook.url) return this.#socket;
      if (!this.opts.openSocket) throw new HookSpecError(`${hook.url}: this call cannot open a WebSocket application`);
      this.#socket?.close();
      this.#socket = this.opts.openSocket(hook);
      return this.#socket;
    }
    return isAbsoluteHookUrl(hook.url) ? undefined : this.#socket;
  }

  /** Sends one request; resolves with the reply's JSON (undefined when it had none). */
  async send(hook: Hook, payload: Readonly<Record<string, unknown>>): Promise<unknown> {
    const r = await this.opts.webhooks.send({
      hook,
      payload,
      secret: this.opts.secret,
      eventId: (this.opts.newEventId ?? newSid)(),
      sequence: this.#sequence.next(),
    });
    return r.json;
  }

  /**
   * Sends one request and reads the verbs of its reply (contract §2.2). No JSON, `[]` or `{}`
   * means "no new verbs" (undefined); anything else must be a valid verb list.
   */
  async verbs(hook: Hook, payload: Readonly<Record<string, unknown>>, type: HookMessageType = 'verb:hook'): Promise<VerbList | undefined> {
    const socket = this.#socketFor(hook);
    if (!socket) return this.readVerbs(await this.send(hook, payload), hook.url);
    // A socket's first message is session:new (node-client-ws starts a session on it).
    const kind = socket.started ? type : 'session:new';
    return this.readVerbs(await socket.request(kind, payload, kind === 'session:new' ? undefined : hook.url), hook.url);
  }

  readVerbs(json: unknown, from: string): VerbList | undefined {
    if (json === undefined || json === null) return undefined;
    if (isPlainObject(json) && Object.keys(json).length === 0) return undefined;
    if (!Array.isArray(json)) throw new VerbValidationError('', `the reply from ${from} must be an array of verbs`);
    if (json.length === 0) return undefined;
    return parseVerbList(json, this.opts.registry);
  }
}
