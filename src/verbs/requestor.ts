import { newSid } from '../kernel/ids.js';
import { VerbValidationError } from './errors.js';
import { parseVerbList } from './parse.js';
import type { VerbRegistry } from './registry.js';
import { isPlainObject } from './schema.js';
import type { VerbList } from './types.js';
import type { WebhookRequest, WebhookResult } from './webhook/client.js';
import { resolveHook, type Hook, type HookSpec } from './webhook/hook.js';

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
}

/**
 * The application's side of the webhooks of one call: resolves hooks against the call_hook base,
 * signs, numbers and sends each request, and reads the reply as a verb list.
 */
export class AppRequestor {
  #base: Hook | undefined;
  readonly #sequence: CallSequence;

  constructor(private readonly opts: AppRequestorOptions) {
    this.#base = opts.base;
    this.#sequence = opts.sequence ?? new CallSequence();
  }

  get base(): Hook | undefined {
    return this.#base;
  }

  /** Resolves a hook spec; throws HookSpecError for a bad one (or a relative one without a base). */
  resolve(spec: HookSpec): Hook {
    return resolveHook(spec, this.#base);
  }

  /** Contract §4.2 redirect: an absolute hook on another host becomes the base for relative hooks. */
  rebase(hook: Hook): void {
    if (!this.#base || new URL(this.#base.url).origin !== new URL(hook.url).origin) this.#base = hook;
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
  async verbs(hook: Hook, payload: Readonly<Record<string, unknown>>): Promise<VerbList | undefined> {
    return this.readVerbs(await this.send(hook, payload), hook.url);
  }

  readVerbs(json: unknown, from: string): VerbList | undefined {
    if (json === undefined || json === null) return undefined;
    if (isPlainObject(json) && Object.keys(json).length === 0) return undefined;
    if (!Array.isArray(json)) throw new VerbValidationError('', `the reply from ${from} must be an array of verbs`);
    if (json.length === 0) return undefined;
    return parseVerbList(json, this.opts.registry);
  }
}
