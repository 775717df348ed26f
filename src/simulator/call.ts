/**
 * One call into the simulator carrier: the behaviour picked from the dialled number, the SDP
 * answer (RFC 3264 §6) and RTP session, ringing, answering, the callee's audio, recording what
 * the caller sends, RFC 4733 digits, and the simulator's own BYE after `maxCallMs`.
 */
import { join } from 'node:path';
import type { Clock, TimerHandle } from '../kernel/clock.js';
import { detach } from '../kernel/detached.js';
import type { Logger } from '../kernel/logger.js';
import { sequenceSource, silenceSource, lazyPcmSource, type AudioSource, type MediaEngine, type RtpSession } from '../media/index.js';
import { createAnswer, createOffer, parseSdp, serializeSdp, type NegotiatedMedia, type SessionDescription } from '../sdp/index.js';
import type { Dialog, DialogEndReason, IncomingInvite, IncomingReinvite, Uri } from '../sip/index.js';
import { normaliseNumber, planFor, type SimulatorBehaviour } from './numbers.js';
import type { SimulatorPrompts } from './prompts.js';

export type CallEndReason = 'rejected' | 'not-acceptable' | 'cancelled' | 'caller-bye' | 'simulator-bye' | 'ack-timeout' | 'closed' | 'error';

/** What the simulator remembers of a call (times are wall-clock epoch milliseconds). */
export interface SimulatorCallRecord {
  readonly callId: string;
  /** The dialled digits (Request-URI user without `+` and non-digits). */
  readonly number: string;
  readonly behaviour: SimulatorBehaviour;
  readonly answered: boolean;
  readonly startedAt: number;
  readonly answeredAt?: number;
  readonly endedAt?: number;
  /** RFC 4733 digits received, in order. */
  readonly dtmf: string;
  /** Mono 8 kHz WAV of what the caller sent, for answered calls. */
  readonly recording?: string;
  /** The final response we sent (200, 486, 487, 488, 503, 603…). */
  readonly status?: number;
  readonly endReason?: CallEndReason;
}

type MutableRecord = { -readonly [K in keyof SimulatorCallRecord]: SimulatorCallRecord[K] };

export interface CallContext {
  readonly clock: Clock;
  readonly logger: Logger;
  readonly engine: MediaEngine;
  readonly publicAddress: string;
  readonly prompts: SimulatorPrompts;
  readonly recordDir: string;
  readonly maxCallMs: number;
  readonly answerDelayMs: number;
  /** Silence before "Hello?" and between the greeting and the beep. */
  readonly promptGapMs: number;
  readonly onEnded: (call: SimulatedCall) => void;
}

const END_REASONS: Readonly<Record<DialogEndReason, CallEndReason>> = {
  'bye-received': 'caller-bye', 'bye-sent': 'simulator-bye', 'ack-timeout': 'ack-timeout', closed: 'closed',
};

/** The dialled number of a Request-URI: the user of a sip(s): URI, the number of a tel: URI. */
export function dialledUser(uri: Uri): string {
  if ('number' in uri) return uri.number;
  if ('host' in uri) return uri.user ?? '';
  return '';
}

/** A Call-ID as a file name: anything but [A-Za-z0-9._@-] becomes `_`. */
export function recordingName(callId: string): string {
  return `${callId.replace(/[^\w.@-]/g, '_').slice(0, 200)}.wav`;
}

export class SimulatedCall {
  readonly record: MutableRecord;
  readonly #inv: IncomingInvite;
  readonly #ctx: CallContext;
  readonly #log: Logger;
  readonly #timers: TimerHandle[] = [];
  readonly #abort = new AbortController();
  #session: RtpSession | undefined;
  #dialog: Dialog | undefined;
  #lastLocal: SessionDescription | undefined;
  #ended = false;
  #finished: Promise<void> | undefined;

  constructor(inv: IncomingInvite, ctx: CallContext) {
    this.#inv = inv;
    this.#ctx = ctx;
    const number = normaliseNumber(dialledUser(inv.request.uri));
    this.record = { callId: inv.request.callId, number, behaviour: planFor(number).behaviour, answered: false, startedAt: ctx.clock.wallNow(), dtmf: '' };
    this.#log = ctx.logger.child({ callId: this.record.callId, number });
  }

  get ended(): boolean {
    return this.#ended;
  }

  /** Runs the call's behaviour; returns once it rings, is rejected or is answered. */
  async start(): Promise<void> {
    const plan = planFor(this.record.number, { answerDelayMs: this.#ctx.answerDelayMs });
    this.#log.info('simulator call', { behaviour: plan.behaviour });
    if (plan.kind === 'reject') {
      this.#inv.reject(plan.status, { reason: plan.reason });
      this.#end('rejected', plan.status);
      return;
    }
    this.#inv.on('cancelled', () => this.#end('cancelled', 487));
    const media = await this.#prepareMedia();
    if (!media || this.#ended) return;
    this.#inv.progress(180);
    if (plan.kind === 'ring-forever') return;
    this.#timer(plan.ringMs, () => this.#answer(plan.as, media));
  }

  /** Ends the call for a shutdown: BYE when answered (waiting at most `waitMs` for its reply), 503 when ringing. */
  hangUp(waitMs = 1000): Promise<void> {
    if (this.#ended) return this.#finished ?? Promise.resolve();
    const dialog = this.#dialog;
    let bye: Promise<unknown> = Promise.resolve();
    if (!this.#inv.done) this.#inv.reject(503, { reason: 'Simulator Shutting Down' });
    this.#end('closed', this.record.status ?? 503);
    if (dialog && !dialog.terminated) {
      bye = new Promise<void>((resolve) => {
        const t = this.#ctx.clock.setTimer(waitMs, resolve);
        dialog.bye().then(() => { t.cancel(); resolve(); }, (e: unknown) => { t.cancel(); this.#log.warn('simulator BYE failed', { err: e instanceof Error ? e : String(e) }); resolve(); });
      });
    }
    return Promise.all([bye, this.#finished]).then(() => undefined);
  }

  /** Parses the offer and binds an RTP session; answers 488/503 itself when it cannot. */
  async #prepareMedia(): Promise<NegotiatedMedia | null> {
    const body = this.#inv.request.body.toString();
    let offer: SessionDescription;
    try {
      if (body.trim() === '') throw new Error('offerless INVITE');
      offer = parseSdp(body);
    } catch (e) {
      this.#log.warn('simulator cannot use the offer', { err: e instanceof Error ? e : String(e) });
      return this.#refuse(488, 'Not Acceptable Here', 'not-acceptable');
    }
    try {
      this.#session = await this.#ctx.engine.createSession({ id: `sim-${this.record.callId}` });
    } catch (e) {
      this.#log.error('simulator has no RTP port', { err: e instanceof Error ? e : String(e) });
      return this.#refuse(503, 'Service Unavailable', 'error');
    }
    if (this.#ended) {
      detach(this.#log, 'closing RTP session', this.#session.close());
      return null;
    }
    const r = createAnswer(offer, { publicAddress: this.#ctx.publicAddress, port: this.#session.localPort });
    if (!r.ok) return this.#refuse(488, 'Not Acceptable Here', 'not-acceptable');
    this.#lastLocal = r.answer;
    return r.media;
  }

  #refuse(status: number, reason: string, why: CallEndReason): null {
    this.#inv.reject(status, { reason });
    this.#end(why, status);
    return null;
  }

  #answer(as: 'human' | 'voicemail', media: NegotiatedMedia): void {
    if (this.#ended || this.#inv.done || !this.#session || !this.#lastLocal) return;
    const session = this.#session;
    const dialog = this.#inv.accept({ body: serializeSdp(this.#lastLocal), contentType: 'application/sdp' });
    this.#dialog = dialog;
    Object.assign(this.record, { answered: true, answeredAt: this.#ctx.clock.wallNow(), status: 200 });
    this.#apply(media);
    dialog.on('terminated', (reason) => this.#end(END_REASONS[reason]));
    dialog.on('reinvite', (re) => this.#reinvite(re));
    session.onDtmf((e) => {
      this.record.dtmf += e.digit;
      this.#log.debug('simulator received DTMF', { digit: e.digit });
    });
    const path = join(this.#ctx.recordDir, recordingName(this.record.callId));
    detach(this.#log, 'simulator recording', session.startRecording({ inbound: path }).then(() => {
      if (!session.closed) this.record.recording = path;
    }, (e: unknown) => {
      // A call hung up while its recording was being opened simply has none.
      if (!session.closed) throw e;
    }));
    detach(this.#log, 'simulator playback', session.play(this.#script(as), this.#abort.signal));
    this.#timer(this.#ctx.maxCallMs, () => {
      this.#log.info('simulator hangs up at its call limit');
      detach(this.#log, 'simulator BYE', dialog.bye());
    });
  }

  /** Human: silence then "Hello?". Voicemail: greeting, silence, beep. Then silence (listening). */
  #script(as: 'human' | 'voicemail'): AudioSource {
    const { prompts, promptGapMs } = this.#ctx;
    if (as === 'voicemail') return lazyPcmSource('simulator:voicemail', async () => ({ samples: await prompts.voicemail(promptGapMs), sampleRate: 8000 }));
    return sequenceSource([
      silenceSource(promptGapMs),
      lazyPcmSource('simulator:hello', async () => ({ samples: await prompts.hello(), sampleRate: 8000 })),
    ]);
  }

  #apply(m: NegotiatedMedia): void {
    const s = this.#session;
    if (!s) return;
    s.setRemote({ address: m.remoteAddress, port: m.remotePort, codec: m.codec, payloadType: m.payloadType, dtmfPayloadType: m.dtmfPayloadType });
    s.setDirection(m.direction);
  }

  /** A re-INVITE (hold, resume, new address) is answered like the first offer (RFC 3264 §8). */
  #reinvite(re: IncomingReinvite): void {
    const s = this.#session;
    if (!s || s.closed) return re.respond(488);
    const opts = { publicAddress: this.#ctx.publicAddress, port: s.localPort, previous: this.#lastLocal };
    const body = re.request.body.toString();
    if (body.trim() === '') {
      // §14.2: an offerless re-INVITE gets our offer in the 200; the answer in the ACK is not needed.
      this.#lastLocal = createOffer(opts);
      return re.respond(200, { body: serializeSdp(this.#lastLocal), contentType: 'application/sdp' });
    }
    let r: ReturnType<typeof createAnswer>;
    try {
      r = createAnswer(parseSdp(body), opts);
    } catch {
      return re.respond(488);
    }
    if (!r.ok) return re.respond(488);
    this.#lastLocal = r.answer;
    this.#apply(r.media);
    re.respond(200, { body: serializeSdp(r.answer), contentType: 'application/sdp' });
  }

  #timer(ms: number, fn: () => void): void {
    this.#timers.push(this.#ctx.clock.setTimer(ms, fn));
  }

  #end(reason: CallEndReason, status?: number): void {
    if (this.#ended) return;
    this.#ended = true;
    for (const t of this.#timers) t.cancel();
    this.#abort.abort();
    this.record.endReason = reason;
    if (status !== undefined && this.record.status === undefined) this.record.status = status;
    this.#finished = this.#cleanup();
  }

  async #cleanup(): Promise<void> {
    const s = this.#session;
    try {
      if (s) {
        await s.stopRecording().catch((e: unknown) => this.#log.warn('simulator recording failed', { err: e instanceof Error ? e : String(e) }));
        await s.close();
      }
    } finally {
      this.record.endedAt = this.#ctx.clock.wallNow();
      this.#log.info('simulator call ended', { reason: this.record.endReason, status: this.record.status, dtmf: this.record.dtmf });
      this.#ctx.onEnded(this);
    }
  }
}
