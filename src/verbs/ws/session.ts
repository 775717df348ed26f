/**
 * One call's socket to its jambonz WebSocket application (contract §6): opens on the first
 * message that wants an ack, waits for the `ack` of those (5 s), sends the fire-and-forget ones,
 * hands the app's commands on, and reconnects as jambonz does when the socket drops mid-call
 * (up to 5 tries, 500 ms back-off doubling up to 2 s then +2 s; then `session:reconnect` with the
 * original `session:new` data, whose ack must come before anything else is sent).
 */
import { randomBytes } from 'node:crypto';
import type { Clock, TimerHandle } from '../../kernel/clock.js';
import { GatewayError, errorMessage } from '../../kernel/errors.js';
import { newSid } from '../../kernel/ids.js';
import type { Logger } from '../../kernel/logger.js';
import { WebhookError } from '../webhook/client.js';
import type { AppSocket, SocketOpener, SocketTarget } from './connection.js';
import { AppMessageError, b3Header, envelope, errorNotice, parseAppMessage, type AckedType, type AppCommand, type NoticeType, type OutgoingMessage } from './messages.js';

export const DEFAULT_ACK_TIMEOUT_MS = 5000;
export const DEFAULT_MAX_RECONNECTS = 5;

export type WsSessionErrorCode = 'WS_CLOSED' | 'WS_CLOSED_BY_APP' | 'WS_RECONNECT_FAILED' | 'WS_BINARY_FRAME';

/** Why a socket is gone for good. */
export class WsSessionError extends GatewayError {
  declare readonly code: WsSessionErrorCode;
  constructor(code: WsSessionErrorCode, message: string) {
    super(code, message);
  }
}

/** The jambonz back-off between connection attempts: 500 ms, doubled below 2 s, then +2 s each. */
export function nextBackoff(ms: number): number {
  return ms < 2000 ? ms * 2 : ms + 2000;
}

/** One message as the call's Timeline shows it (like a webhook's entry). */
export interface WsNote {
  readonly type: string;
  readonly msgid: string;
  readonly hook?: string;
  readonly latency_ms?: number;
  readonly error?: string;
  readonly direction: 'out' | 'in';
}

export interface WsAppSessionOptions {
  readonly clock: Clock;
  readonly logger: Logger;
  readonly open: SocketOpener;
  readonly target: SocketTarget;
  readonly callSid: string;
  /** The call's trace id (16 or 32 hex digits): every message carries it in `b3`. */
  readonly traceId?: string;
  readonly ackTimeoutMs?: number;
  /** Connection attempts after the first (the URL's `#rc`, at most 5). */
  readonly maxReconnects?: number;
  readonly newMsgId?: () => string;
  /** A command from the app; a rejection is answered with `jambonz:error`. */
  readonly onCommand: (cmd: AppCommand) => Promise<void>;
  /** The verbs of the ack to `session:reconnect` (when `session:new` had been acked already). */
  readonly onReconnectVerbs?: (data: unknown) => void;
  /** The socket is gone for good while the call is up: closed by the app, reconnects exhausted, binary frame. */
  readonly onLost: (e: WsSessionError) => void;
  /** An invalid message from the app (also answered with `jambonz:error`). */
  readonly onInvalid?: (e: AppMessageError) => void;
  readonly onNote?: (note: WsNote) => void;
}

interface Pending {
  readonly msg: OutgoingMessage;
  readonly resolve: (data: unknown) => void;
  readonly reject: (e: unknown) => void;
  started: number;
  timer?: TimerHandle;
}

type State = 'idle' | 'connecting' | 'open' | 'reconnecting' | 'closed';

/** The WebSocket channel of one call (one socket per call, contract §6.1). */
export class WsAppSession {
  #state: State = 'idle';
  #socket: AppSocket | undefined;
  /** Messages waiting for the socket (or for the ack of `session:reconnect`). */
  #queue: OutgoingMessage[] = [];
  /** Notices held until `session:new` is out, so the app sees them on its session. */
  #held: OutgoingMessage[] = [];
  readonly #pending = new Map<string, Pending>();
  #sessionData: Readonly<Record<string, unknown>> | undefined;
  #sessionNewId: string | undefined;
  #reconnectId: string | undefined;
  #retryTimer: TimerHandle | undefined;
  readonly #log: Logger;

  constructor(private readonly o: WsAppSessionOptions) {
    this.#log = o.logger.child({ call_sid: o.callSid, ws: o.target.url });
  }

  get url(): string {
    return this.o.target.url;
  }

  /** Whether `session:new` has been asked for (the app has a session on this socket). */
  get started(): boolean {
    return this.#sessionData !== undefined;
  }

  get closed(): boolean {
    return this.#state === 'closed';
  }

  /** Sends a message that waits for an `ack`; resolves with the ack's `data`. */
  request(type: AckedType, data: Readonly<Record<string, unknown>>, hook?: string): Promise<unknown> {
    if (this.#state === 'closed') return Promise.reject(new WsSessionError('WS_CLOSED', `the socket to ${this.url} is closed`));
    const msg = envelope(type, this.#msgId(), this.o.callSid, data, hook, this.#b3());
    if (type === 'session:new') {
      this.#sessionData = data;
      this.#sessionNewId = msg.msgid;
    }
    return new Promise<unknown>((resolve, reject) => {
      this.#pending.set(msg.msgid, { msg, resolve, reject, started: this.o.clock.now() });
      this.#queue.push(msg);
      this.#pump();
    });
  }

  /** Sends a fire-and-forget message (held until `session:new` is out; dropped once closed). */
  notify(type: NoticeType, data: Readonly<Record<string, unknown>>): void {
    if (this.#state === 'closed') {
      this.#log.debug('socket closed: message dropped', { type });
      return;
    }
    const msg = envelope(type, this.#msgId(), this.o.callSid, data, undefined, this.#b3());
    if (this.#sessionData === undefined) this.#held.push(msg);
    else {
      this.#queue.push(msg);
      this.#pump();
    }
  }

  /** Closes the socket (1000) after sending what is queued; pending requests reject. Idempotent. */
  close(): void {
    if (this.#state === 'closed') return;
    const open = this.#state === 'open' && this.#reconnectId === undefined;
    if (open) this.#flush();
    this.#shutdown(new WsSessionError('WS_CLOSED', 'the call ended'));
    this.#socket?.close(1000);
    this.#socket = undefined;
  }

  #msgId(): string {
    return (this.o.newMsgId ?? newSid)();
  }

  /** The B3 trace context of one message: the call's trace, a new span. */
  #b3(): string | undefined {
    return this.o.traceId === undefined ? undefined : b3Header(this.o.traceId, randomBytes(8).toString('hex'));
  }

  #pump(): void {
    if (this.#state === 'idle') {
      if (this.#queue.some((m) => this.#pending.has(m.msgid))) void this.#connect(false);
      return;
    }
    if (this.#state === 'open' && this.#reconnectId === undefined) this.#flush();
  }

  #flush(): void {
    const out = this.#queue;
    this.#queue = [];
    for (const msg of out) {
      this.#write(msg);
      if (msg.msgid === this.#sessionNewId && this.#held.length > 0) {
        for (const h of this.#held) this.#write(h);
        this.#held = [];
      }
    }
  }

  #write(msg: OutgoingMessage): void {
    const p = this.#pending.get(msg.msgid);
    if (p) {
      p.started = this.o.clock.now();
      p.timer?.cancel();
      p.timer = this.o.clock.setTimer(this.o.ackTimeoutMs ?? DEFAULT_ACK_TIMEOUT_MS, () => this.#ackTimeout(p));
    } else this.o.onNote?.({ type: msg.type, msgid: msg.msgid, direction: 'out' });
    try {
      this.#socket?.send(JSON.stringify(msg));
    } catch (e) {
      this.#log.warn('socket send failed', { type: msg.type, err: errorMessage(e) });
    }
  }

  /** Opens the socket: the first connect retries connection failures as jambonz does (`#rc`, 5 by default). */
  async #connect(reconnect: boolean): Promise<void> {
    this.#state = reconnect ? 'reconnecting' : 'connecting';
    const tries = this.o.maxReconnects ?? DEFAULT_MAX_RECONNECTS;
    let backoff = 500;
    let last: unknown;
    // A first connect is one attempt plus `tries` retries; a reconnect is `tries` attempts, each after the back-off.
    const attempts = reconnect ? tries : tries + 1;
    for (let attempt = 0; attempt < attempts; attempt++) {
      if (attempt > 0 || reconnect) {
        await this.#sleep(backoff);
        backoff = nextBackoff(backoff);
      }
      if (this.closed) return;
      try {
        const socket = await this.o.open(this.o.target);
        if (this.closed) {
          socket.close(1000);
          return;
        }
        this.#opened(socket, reconnect);
        return;
      } catch (e) {
        last = e;
        this.#log.info('connecting to the application failed', { attempt: attempt + 1, reconnect, err: errorMessage(e) });
        if (!reconnect && !(e instanceof WebhookError && (e.code === 'WEBHOOK_CONNECT' || e.code === 'WEBHOOK_TIMEOUT'))) break;
      }
    }
    const why = last === undefined ? 'no reconnect allowed (#rc=0)' : errorMessage(last);
    const err = last instanceof WebhookError ? last : new WebhookError('WEBHOOK_CONNECT', `WS ${this.url}: ${why}`, this.url, 1);
    if (reconnect) this.#lost(new WsSessionError('WS_RECONNECT_FAILED', `the socket to ${this.url} dropped and ${tries} reconnects failed: ${err.message}`));
    else this.#shutdown(err);
  }

  #sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      this.#retryTimer = this.o.clock.setTimer(ms, () => {
        this.#retryTimer = undefined;
        resolve();
      });
    });
  }

  #opened(socket: AppSocket, reconnect: boolean): void {
    this.#socket = socket;
    this.#state = 'open';
    socket.onMessage((text, binary) => this.#onMessage(text, binary));
    socket.onClose((code) => {
      if (this.#socket === socket) this.#onClose(code);
    });
    if (!reconnect) {
      this.#flush();
      return;
    }
    // Contract §6.1: session:reconnect carries the original session:new data; nothing else goes before its ack.
    const msg = envelope('session:reconnect', this.#msgId(), this.o.callSid, this.#sessionData ?? {}, undefined, this.#b3());
    this.#reconnectId = msg.msgid;
    this.#pending.set(msg.msgid, { msg, resolve: (data) => this.#reconnected(data), reject: () => undefined, started: this.o.clock.now() });
    this.#write(msg);
  }

  #reconnected(data: unknown): void {
    this.#reconnectId = undefined;
    const first = this.#sessionNewId === undefined ? undefined : this.#pending.get(this.#sessionNewId);
    if (first) {
      // The socket dropped before session:new was acked: this ack stands for it.
      this.#pending.delete(first.msg.msgid);
      first.timer?.cancel();
      first.resolve(data);
    } else if (Array.isArray(data) && data.length > 0) this.o.onReconnectVerbs?.(data);
    // What was waiting for an ack when the socket dropped goes again, before what was queued since.
    const resend = [...this.#pending.values()].map((p) => p.msg);
    this.#queue = [...resend, ...this.#queue.filter((m) => !this.#pending.has(m.msgid))];
    this.#flush();
  }

  #onClose(code: number): void {
    this.#socket = undefined;
    if (this.#state === 'closed') return;
    if (code === 1000) {
      this.#lost(new WsSessionError('WS_CLOSED_BY_APP', `the application closed the socket to ${this.url}`));
      return;
    }
    this.#log.info('socket dropped: reconnecting', { code });
    this.#reconnectId = undefined;
    for (const [id, p] of this.#pending) {
      p.timer?.cancel();
      if (p.msg.type === 'session:reconnect') this.#pending.delete(id);
    }
    void this.#connect(true);
  }

  #onMessage(text: string, binary: boolean): void {
    if (binary) {
      // Contract §6.3: jambonz treats a binary frame as a malicious client and closes the socket.
      this.#socket?.close(1003, 'binary frames are not accepted');
      this.#lost(new WsSessionError('WS_BINARY_FRAME', `the application at ${this.url} sent a binary frame`));
      return;
    }
    let msg;
    try {
      msg = parseAppMessage(text);
    } catch (e) {
      if (!(e instanceof AppMessageError)) throw e;
      this.o.onInvalid?.(e);
      this.notify('jambonz:error', errorNotice('InvalidMessage', e.message, text));
      return;
    }
    if (msg.kind === 'ack') this.#onAck(msg.msgid, msg.data);
    else this.#onCommand(msg, text);
  }

  #onAck(msgid: string, data: unknown): void {
    const p = this.#pending.get(msgid);
    if (!p) {
      this.#log.info('ack to an unknown msgid: discarded', { msgid });
      return;
    }
    this.#pending.delete(msgid);
    p.timer?.cancel();
    this.o.onNote?.({ type: p.msg.type, msgid, hook: p.msg.hook, latency_ms: Math.round(this.o.clock.now() - p.started), direction: 'out' });
    p.resolve(data);
  }

  #onCommand(cmd: AppCommand, text: string): void {
    this.o.onNote?.({ type: `command:${cmd.command}`, msgid: cmd.msgid ?? '', direction: 'in' });
    this.o.onCommand(cmd).catch((e: unknown) => {
      this.#log.info('command failed', { command: cmd.command, err: errorMessage(e) });
      this.notify('jambonz:error', errorNotice('CommandFailed', `${cmd.command}: ${errorMessage(e)}`, text));
    });
  }

  /** No ack in time: `session:new` fails the call; others go on with no new verbs (as jambonz, after the delay). */
  #ackTimeout(p: Pending): void {
    if (!this.#pending.delete(p.msg.msgid)) return;
    const ms = this.o.ackTimeoutMs ?? DEFAULT_ACK_TIMEOUT_MS;
    const message = `WS ${this.url}: no ack to ${p.msg.type} ${p.msg.msgid} within ${ms} ms`;
    this.o.onNote?.({ type: p.msg.type, msgid: p.msg.msgid, hook: p.msg.hook, error: message, direction: 'out' });
    if (p.msg.type === 'session:reconnect') {
      this.#lost(new WsSessionError('WS_RECONNECT_FAILED', message));
      return;
    }
    if (p.msg.type === 'session:new') {
      p.reject(new WebhookError('WEBHOOK_TIMEOUT', message, this.url, 1));
      return;
    }
    this.#log.warn('no ack: going on without new verbs', { type: p.msg.type, msgid: p.msg.msgid });
    p.resolve(undefined);
  }

  /** Gone for good while the call needs it: close, fail what waits, tell the owner. */
  #lost(e: WsSessionError): void {
    if (this.#state === 'closed') return;
    this.#shutdown(e);
    this.#socket?.close(1000);
    this.#socket = undefined;
    this.o.onLost(e);
  }

  #shutdown(e: unknown): void {
    this.#state = 'closed';
    this.#retryTimer?.cancel();
    this.#retryTimer = undefined;
    const pending = [...this.#pending.values()];
    this.#pending.clear();
    this.#queue = [];
    this.#held = [];
    for (const p of pending) {
      p.timer?.cancel();
      p.reject(e);
    }
  }
}
