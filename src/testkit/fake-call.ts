import type {
  CallControl, CallDirection, CallInfo, PlayOutcome, RecognitionHandle, RecognitionUpdate, RecognizerRequest, SipRequestInit, SynthesizerSpec,
} from '../call/control.js';
import type { Clock } from '../kernel/clock.js';
import type { WebhookRequest, WebhookResult } from '../verbs/webhook/client.js';

/** Everything a FakeCall was asked to do, in order. */
export type FakeCallEvent =
  | { readonly kind: 'say'; readonly text: string; readonly synth: SynthesizerSpec }
  | { readonly kind: 'play'; readonly url: string }
  | { readonly kind: 'answer'; readonly earlyMedia: boolean }
  | { readonly kind: 'interrupt' }
  | { readonly kind: 'hangup'; readonly headers?: Readonly<Record<string, string>> }
  | { readonly kind: 'dtmf'; readonly digits: string; readonly durationMs: number }
  | { readonly kind: 'sipRequest'; readonly method: string; readonly init: SipRequestInit }
  | { readonly kind: 'customerData'; readonly data: Readonly<Record<string, unknown>> }
  | { readonly kind: 'alert'; readonly alertType: string; readonly message: string; readonly detail?: string }
  | { readonly kind: 'statusNote'; readonly fields: Readonly<Record<string, unknown>> }
  | { readonly kind: 'recognize'; readonly req: RecognizerRequest };

/** A recognition a FakeCall started: the test sends updates; the verb stops or finalizes it. */
export class FakeRecognition implements RecognitionHandle {
  stopped = false;
  finalized = 0;
  constructor(readonly req: RecognizerRequest, private readonly onUpdate: (u: RecognitionUpdate) => void, signal: AbortSignal) {
    this.vendor = req.vendor;
    if (signal.aborted) this.stopped = true;
    else signal.addEventListener('abort', () => { this.stopped = true; }, { once: true });
  }

  readonly vendor: string;

  /** Delivers an update unless the recognition was stopped. */
  emit(u: RecognitionUpdate): void {
    if (!this.stopped) this.onUpdate(u);
  }

  transcript(text: string, isFinal: boolean, confidence = 0.9): void {
    this.emit({ type: 'transcript', vendor: this.req.vendor, isFinal, alternatives: [{ transcript: text, confidence }] });
  }

  finalize(): void {
    this.finalized++;
  }

  stop(): void {
    this.stopped = true;
  }
}

export interface FakeCallOptions {
  /** With a clock and `mediaMs`, each say/play lasts `mediaMs` of fake time and can be interrupted. */
  readonly clock?: Clock;
  readonly mediaMs?: number;
  /** What an instant say/play reports as played (default 1000 ms). */
  readonly nominalMs?: number;
  readonly sid?: string;
  readonly direction?: CallDirection;
  readonly answered?: boolean;
  readonly info?: Partial<CallInfo>;
  /** URLs whose play throws (e.g. a 404). */
  readonly failingUrls?: readonly string[];
  /** Makes `say` throw (a TTS failure). */
  readonly sayError?: Error;
  /** The final response of `sipRequest`, or an error it throws. */
  readonly sipResponse?: { readonly status: number; readonly reason: string } | Error;
  /** Give the call `recognize` (speech input); each recognition is kept in `recognitions`. */
  readonly recognize?: boolean;
}

/**
 * An in-process CallControl for verb and interpreter tests: records every action, lets the test
 * press digits and end the call, and plays media instantly or over fake-clock time.
 */
export class FakeCall implements CallControl {
  readonly sid: string;
  readonly accountSid: string;
  readonly direction: CallDirection;
  readonly events: FakeCallEvent[] = [];
  answered: boolean;
  readonly #ended = new AbortController();
  readonly #dtmf = new Set<(digit: string) => void>();
  readonly #waiters: Array<{ test: () => boolean; resolve: () => void }> = [];
  #customerData: Readonly<Record<string, unknown>> | undefined;
  #info: CallInfo;
  readonly recognitions: FakeRecognition[] = [];
  readonly recognize?: (req: RecognizerRequest, onUpdate: (u: RecognitionUpdate) => void, signal: AbortSignal) => RecognitionHandle;

  constructor(private readonly opts: FakeCallOptions = {}) {
    this.sid = opts.sid ?? opts.info?.call_sid ?? 'call-1';
    this.accountSid = opts.info?.account_sid ?? 'acct-1';
    this.direction = opts.direction ?? 'outbound';
    this.answered = opts.answered ?? true;
    this.#customerData = opts.info?.customerData;
    this.#info = {
      call_sid: this.sid,
      direction: this.direction,
      from: '15085551212',
      to: '16175551212',
      call_id: 'sip-call-id-1',
      sip_status: 200,
      sip_reason: 'OK',
      call_status: 'in-progress',
      account_sid: this.accountSid,
      trace_id: 'trace-1',
      fs_sip_address: '127.0.0.1:5060',
      ...opts.info,
    };
    if (opts.recognize) {
      this.recognize = (req, onUpdate, signal) => {
        const r = new FakeRecognition(req, onUpdate, AbortSignal.any([signal, this.#ended.signal]));
        this.recognitions.push(r);
        this.#record({ kind: 'recognize', req });
        return r;
      };
    }
  }

  get endedSignal(): AbortSignal {
    return this.#ended.signal;
  }

  info(): CallInfo {
    return { ...this.#info, ...(this.#customerData === undefined ? {} : { customerData: this.#customerData }) };
  }

  get said(): string[] {
    return this.events.flatMap((e) => (e.kind === 'say' ? [e.text] : []));
  }

  get played(): string[] {
    return this.events.flatMap((e) => (e.kind === 'play' ? [e.url] : []));
  }

  get alerts(): Array<{ alertType: string; message: string }> {
    return this.events.flatMap((e) => (e.kind === 'alert' ? [{ alertType: e.alertType, message: e.message }] : []));
  }

  get hangups(): number {
    return this.events.filter((e) => e.kind === 'hangup').length;
  }

  /** Delivers digits to the DTMF listeners, one by one. */
  press(digits: string): void {
    for (const d of digits) for (const fn of [...this.#dtmf]) fn(d);
  }

  /** The far end hangs up. */
  remoteHangup(): void {
    this.#end('caller');
  }

  /** Resolves once `test` holds (checked after every recorded event). */
  until(test: (call: this) => boolean): Promise<void> {
    if (test(this)) return Promise.resolve();
    return new Promise((resolve) => this.#waiters.push({ test: () => test(this), resolve }));
  }

  async answer(opts?: { readonly earlyMedia?: boolean }): Promise<void> {
    this.#record({ kind: 'answer', earlyMedia: opts?.earlyMedia ?? false });
    if (!opts?.earlyMedia) this.answered = true;
  }

  say(text: string, synth: SynthesizerSpec, signal: AbortSignal): Promise<PlayOutcome> {
    this.#record({ kind: 'say', text, synth });
    if (this.opts.sayError) return Promise.reject(this.opts.sayError);
    return this.#media(signal);
  }

  play(url: string, signal: AbortSignal): Promise<PlayOutcome> {
    this.#record({ kind: 'play', url });
    if (this.opts.failingUrls?.includes(url)) return Promise.reject(new Error(`404 Not Found: ${url}`));
    return this.#media(signal);
  }

  onDtmf(listener: (digit: string) => void): () => void {
    this.#dtmf.add(listener);
    return () => this.#dtmf.delete(listener);
  }

  get dtmfListeners(): number {
    return this.#dtmf.size;
  }

  async sendDtmf(digits: string, durationMs: number): Promise<void> {
    this.#record({ kind: 'dtmf', digits, durationMs });
  }

  async hangup(headers?: Readonly<Record<string, string>>): Promise<void> {
    this.#record(headers === undefined ? { kind: 'hangup' } : { kind: 'hangup', headers });
    this.#end('jambonz');
  }

  async sipRequest(method: string, init: SipRequestInit): Promise<{ readonly status: number; readonly reason: string }> {
    this.#record({ kind: 'sipRequest', method, init });
    const r = this.opts.sipResponse ?? { status: 200, reason: 'OK' };
    if (r instanceof Error) throw r;
    return r;
  }

  setCustomerData(data: Readonly<Record<string, unknown>>): void {
    this.#customerData = data;
    this.#record({ kind: 'customerData', data });
  }

  statusNote(fields: Readonly<Record<string, unknown>>): void {
    this.#record({ kind: 'statusNote', fields });
  }

  alert(alertType: string, message: string, detail?: string): void {
    this.#record(detail === undefined ? { kind: 'alert', alertType, message } : { kind: 'alert', alertType, message, detail });
  }

  #end(by: 'caller' | 'jambonz'): void {
    if (this.#ended.signal.aborted) return;
    this.#info = { ...this.#info, call_status: 'completed', call_termination_by: by };
    this.#ended.abort();
    this.#notify();
  }

  #cut = new AbortController();

  interruptPlayback(): void {
    this.#record({ kind: 'interrupt' });
    this.#cut.abort();
    this.#cut = new AbortController();
  }

  #media(own: AbortSignal): Promise<PlayOutcome> {
    const signal = AbortSignal.any([own, this.#cut.signal]);
    const { clock, mediaMs } = this.opts;
    if (signal.aborted) return Promise.resolve({ playbackMs: 0, interrupted: true });
    if (!clock || !mediaMs) return Promise.resolve({ playbackMs: this.opts.nominalMs ?? 1000, interrupted: false });
    const started = clock.now();
    return new Promise((resolve) => {
      const onAbort = (): void => {
        timer.cancel();
        resolve({ playbackMs: clock.now() - started, interrupted: true });
      };
      const timer = clock.setTimer(mediaMs, () => {
        signal.removeEventListener('abort', onAbort);
        resolve({ playbackMs: mediaMs, interrupted: false });
      });
      signal.addEventListener('abort', onAbort, { once: true });
    });
  }

  #record(e: FakeCallEvent): void {
    this.events.push(e);
    this.#notify();
  }

  #notify(): void {
    for (let i = this.#waiters.length - 1; i >= 0; i--) {
      if (this.#waiters[i].test()) {
        this.#waiters[i].resolve();
        this.#waiters.splice(i, 1);
      }
    }
  }
}

/** A scripted reply: JSON to return, or an error to throw (e.g. a WebhookError). */
export type FakeReply = unknown;

/**
 * An in-process webhook sender (the shape of WebhookClient.send) for interpreter tests: records
 * every request and answers from a script.
 */
export class FakeWebhooks {
  readonly requests: WebhookRequest[] = [];

  constructor(private readonly reply: (req: WebhookRequest, n: number) => FakeReply | Promise<FakeReply> = () => undefined) {}

  async send(req: WebhookRequest): Promise<WebhookResult> {
    this.requests.push(req);
    const r = await this.reply(req, this.requests.length);
    if (r instanceof Error) throw r;
    return { status: 200, json: r, latencyMs: 0, attempts: 1 };
  }

  /** The request URLs' paths, in order. */
  get paths(): string[] {
    return this.requests.map((r) => new URL(r.hook.url).pathname);
  }
}
