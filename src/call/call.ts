import type { TimerHandle } from '../kernel/clock.js';
import { detach } from '../kernel/detached.js';
import { Emitter } from '../kernel/emitter.js';
import { parseDtmfInfo, urlSource, type MediaSession } from '../media/index.js';
import type { MediaDirection } from '../sdp/index.js';
import type { Dialog, IncomingReinvite } from '../sip/index.js';
import type {
  AudioStreamHandle, AudioStreamRequest, CallControl, CallDirection, CallInfo, CallStatus, ChildLeg, ChildLegInit, ListenStatus, PlayOutcome, RecognitionHandle,
  RecognitionUpdate, RecognizerRequest, ReferOutcome, SipRequestInit, SynthesizerSpec, TerminationBy,
} from './control.js';
import { CallStreams } from './audio-stream/index.js';
import type { CallDeps, CallEvents, CallInit } from './call-types.js';
import { cloudSaySource, localSaySource, recognizeOnMedia } from './speech.js';
import { CallPlayout } from './playout.js';
import { CallError } from './errors.js';
import { Timeline } from './timeline.js';
import { childLeg } from './child-leg.js';
import { sendRefer, toSipHeaders, type ReferInit } from './refer.js';
import { answerReinvite, remoteOf, withoutSending } from './negotiation.js';
import { checkAmd, runAmd, whenAnswered } from './amd.js';
import type { CallCollaborators, CancelReason } from './collaborators.js';

export type { CallDeps, CallEvents, CallInit } from './call-types.js';

const FINAL: ReadonlySet<CallStatus> = new Set(['completed', 'failed', 'busy', 'no-answer']);


/**
 * One call: a SIP dialog and an RTP session (DESIGN.md §3 call/). Owns its media; reports its
 * status; implements the `CallControl` the verbs drive.
 */
export class Call extends Emitter<CallEvents> implements CallControl {
  readonly sid: string;
  readonly accountSid: string;
  readonly applicationSid?: string;
  readonly direction: CallDirection;
  readonly from: string;
  readonly to: string;
  readonly callerName?: string;
  readonly trunk?: string;
  readonly parentCallSid?: string;
  readonly parentSipCallId?: string;
  readonly timeline: Timeline;
  readonly attemptedAt: number;
  readonly traceId: string;
  sipCallId = '';
  /** The far end's address (`host:port`): the INVITE's source, or the gateway we sent it to. */
  remoteHost: string | undefined;
  status: CallStatus = 'trying';
  sipStatus = 100;
  sipReason = 'Trying';
  answeredAt: number | undefined;
  endedAt: number | undefined;
  terminationBy: TerminationBy | undefined;
  terminationReason: string | undefined;
  customerData: Readonly<Record<string, unknown>> | undefined;
  /** Round-trip of the first application webhook (session:new), for the CDR. */
  webhookLatencyMs: number | undefined;
  /** An application failure that should end the call; the next hang-up carries it as its reason. */
  private failureReason: string | undefined;
  /**
   * Our last SDP in this call (the inbound answer, or the outbound offer): a 183 and the later 200
   * carry the same session, and a re-INVITE's answer continues its o= line (RFC 3264 §8).
   */
  localSdp: string | undefined;
  private dialog: Dialog | undefined;
  /** The RTP direction negotiated last (offer/answer); `localDirection` is what we actually do. */
  private negotiatedDirection: MediaDirection = 'sendrecv';
  private muted = false;
  private media: MediaSession | undefined;
  private readonly ended = new AbortController();
  private readonly dtmfListeners = new Set<(digit: string) => void>();
  private limitTimer: TimerHandle | undefined;
  private readonly playout: CallPlayout;
  private readonly streams: CallStreams;

  constructor(init: CallInit, private readonly deps: CallDeps, private readonly collab: CallCollaborators) {
    super((e) => deps.logger.warn('call listener failed', { err: e instanceof Error ? e : String(e) }));
    this.sid = init.sid;
    this.accountSid = init.accountSid;
    this.applicationSid = init.applicationSid;
    this.direction = init.direction;
    this.from = init.from;
    this.to = init.to;
    this.callerName = init.callerName;
    this.trunk = init.trunk;
    this.parentCallSid = init.parentCallSid;
    this.parentSipCallId = init.parentSipCallId;
    this.customerData = init.customerData;
    this.timeline = new Timeline(deps.clock);
    this.playout = new CallPlayout(this.timeline, this.ended.signal);
    this.streams = new CallStreams(deps, { timeline: this.timeline, info: () => this.info(), onDtmf: (l) => this.onDtmf(l), play: (s, sig) => this.playout.play(this.requireMedia(), s, sig), interrupt: () => this.playout.interrupt(), alert: (t, m) => this.alert(t, m) });
    this.attemptedAt = deps.clock.wallNow();
    this.traceId = init.sid.replace(/-/g, '').slice(0, 16);
  }

  get endedSignal(): AbortSignal {
    return this.ended.signal;
  }

  get answered(): boolean {
    return this.answeredAt !== undefined;
  }

  get isFinal(): boolean {
    return FINAL.has(this.status);
  }

  get mediaSession(): MediaSession | undefined {
    return this.media;
  }

  get sipDialog(): Dialog | undefined {
    return this.dialog;
  }

  info(): CallInfo {
    const duration = this.answeredAt !== undefined && this.endedAt !== undefined ? Math.round((this.endedAt - this.answeredAt) / 1000) : undefined;
    return {
      call_sid: this.sid,
      direction: this.direction,
      from: this.from,
      to: this.to,
      call_id: this.sipCallId,
      sip_status: this.sipStatus,
      sip_reason: this.sipReason,
      call_status: this.status,
      account_sid: this.accountSid,
      ...(this.applicationSid ? { application_sid: this.applicationSid } : {}),
      trace_id: this.traceId,
      fs_sip_address: this.deps.sipAddress,
      ...(this.callerName ? { caller_name: this.callerName } : {}),
      ...(this.parentCallSid ? { parent_call_sid: this.parentCallSid } : {}),
      ...(this.terminationBy && this.isFinal ? { call_termination_by: this.terminationBy } : {}),
      ...(this.status === 'completed' && duration !== undefined ? { duration } : {}),
      ...(this.isFinal && this.terminationReason ? { termination_reason: this.terminationReason } : {}),
      ...(this.customerData ? { customerData: this.customerData } : {}),
    };
  }

  /** Moves to `status` and reports it. A final status is reported once; later changes are ignored. */
  setStatus(status: CallStatus, sipStatus: number, sipReason: string): void {
    if (this.isFinal) return;
    this.status = status;
    this.sipStatus = sipStatus;
    this.sipReason = sipReason;
    this.timeline.add(`status:${status}`, { sip_status: sipStatus, sip_reason: sipReason });
    this.emit('status', this.info());
  }

  /**
   * Gives the call its media session. A call that has already ended refuses it (and closes it):
   * returns false, and the caller stops setting the call up.
   */
  attachMedia(media: MediaSession): boolean {
    if (this.isFinal || this.media) {
      this.closeMedia(media);
      return false;
    }
    this.media = media;
    media.onDtmf((e) => this.dtmf(e.digit, e.source));
    return true;
  }

  private closeMedia(media: MediaSession): void {
    media.close().catch((e: unknown) => this.deps.logger.warn('closing media failed', { err: e instanceof Error ? e : String(e) }));
  }

  /** The callee answered (outbound) or we answered (inbound): the dialog is up. */
  answeredWith(dialog: Dialog, timeLimitSeconds?: number): void {
    this.dialog = dialog;
    this.answeredAt = this.deps.clock.wallNow();
    // However the dialog ends, the call ends with it (a BYE we sent has already finished it).
    dialog.on('terminated', (reason, req) => {
      if (reason === 'bye-received') {
        this.timeline.add('bye-received', req ? { headers: req.headers.length } : undefined);
        this.finish('caller', 'remote hangup');
      } else if (reason === 'ack-timeout') {
        this.timeline.add('ack-timeout');
        this.finish('jambonz', 'no ACK for our 2xx');
      } else {
        this.finish('jambonz', reason === 'closed' ? 'SIP stack closed' : 'dialog ended');
      }
    });
    dialog.on('info', (req) => {
      const info = parseDtmfInfo(req.contentType ?? '', req.body.toString());
      if (info) this.dtmf(info.digit, 'sip-info');
    });
    dialog.on('reinvite', (r) => this.reinvited(r));
    this.setStatus('in-progress', 200, 'OK');
    if (timeLimitSeconds && timeLimitSeconds > 0) {
      this.limitTimer = this.deps.clock.setTimer(timeLimitSeconds * 1000, () => {
        this.timeline.add('time-limit', { seconds: timeLimitSeconds });
        detach(this.deps.logger, 'hanging up at the time limit', this.hangupWith('time limit reached'));
      });
    }
  }

  /** Ends an unanswered call with a failure status (busy, no-answer, failed). */
  failed(status: 'failed' | 'busy' | 'no-answer', sipStatus: number, sipReason: string, by?: TerminationBy): void {
    if (this.isFinal) return;
    this.terminationBy = by;
    this.setStatus(status, sipStatus, sipReason);
    this.release(sipReason);
  }

  private dtmf(digit: string, source: string): void {
    this.timeline.add('dtmf', { digit, source });
    for (const l of [...this.dtmfListeners]) l(digit);
  }

  /** An answered call ends: `completed` once, media closed, `ended` emitted. */
  private finish(by: TerminationBy, reason: string): void {
    if (this.isFinal) return;
    this.terminationBy = by;
    this.terminationReason = reason;
    this.endedAt = this.deps.clock.wallNow();
    this.setStatus('completed', this.sipStatus >= 200 && this.sipStatus < 300 ? this.sipStatus : 200, this.sipReason);
    this.release(reason);
  }

  private release(reason: string): void {
    this.endedAt ??= this.deps.clock.wallNow();
    this.terminationReason ??= reason;
    this.limitTimer?.cancel();
    this.ended.abort(new CallError('CALL_WRONG_STATE', `call ended: ${reason}`));
    if (this.media) this.closeMedia(this.media);
    this.timeline.add('ended', { reason });
    this.emit('ended', this);
  }

  // ---- CallControl ----

  /** Inbound: answers (or sends 183 with `earlyMedia`); outbound calls are answered by the callee. */
  async answer(opts: { earlyMedia?: boolean } = {}): Promise<void> {
    const s = this.collab.signalling;
    if (this.answered || this.isFinal || s.direction !== 'inbound') return;
    await s.answer(this, opts);
  }

  /** Inbound `sip:decline`: rejects the unanswered INVITE with `status`. */
  decline(status: number, reason: string, headers?: Readonly<Record<string, string>>): void {
    if (this.answered || this.isFinal) throw new CallError('CALL_WRONG_STATE', 'sip:decline needs an unanswered inbound call');
    const s = this.collab.signalling;
    if (s.direction !== 'inbound') throw new CallError('CALL_WRONG_STATE', 'sip:decline applies to inbound calls only');
    s.reject(this, status, reason, headers);
  }

  /** Outbound, before answer: CANCEL the INVITE (ring timeout, REST API, hang-up). */
  cancel(why: CancelReason): void {
    const s = this.collab.signalling;
    if (this.answered || this.isFinal || s.direction !== 'outbound') return;
    s.cancel(why);
  }

  /** Local voices (espeak) as before; any other vendor through the speech service, streaming (issue 14). */
  async say(text: string, synth: SynthesizerSpec, signal: AbortSignal): Promise<PlayOutcome> {
    const media = this.requireMedia();
    const speech = this.deps.speech;
    if (speech && !this.deps.tts.has(synth.vendor)) {
      const { source, after } = cloudSaySource({ ...this.deps, speech }, this, text, synth);
      const r = await this.playout.play(media, source, signal);
      after(!r.interrupted);
      return r;
    }
    return this.playout.play(media, localSaySource(this.deps.tts, this.timeline, text, synth), signal);
  }

  /** Listens to the caller through the recognizer's vendor (issue 14). */
  recognize(req: RecognizerRequest, onUpdate: (u: RecognitionUpdate) => void, signal: AbortSignal): RecognitionHandle {
    const media = this.requireMedia();
    const speech = this.deps.speech;
    if (!speech) throw new CallError('CALL_WRONG_STATE', 'speech recognition is not configured on this gateway');
    return recognizeOnMedia({ ...this.deps, speech }, this, media, req, onUpdate, AbortSignal.any([signal, this.ended.signal]));
  }

  /** Plays audio from an http(s) URL; nothing else (a tenant's app must never read the gateway's disk). */
  async play(url: string, signal: AbortSignal): Promise<PlayOutcome> {
    const media = this.requireMedia();
    if (!/^https?:\/\//i.test(url)) throw new CallError('CALL_BAD_URL', `play takes http(s) URLs only, not "${url.slice(0, 200)}"`);
    const source = urlSource(url, { searchPath: this.deps.searchPath, urlPolicy: this.deps.urlPolicy, clock: this.deps.clock });
    return this.playout.play(media, source, signal);
  }

  interruptPlayback(): void {
    this.playout.interrupt();
  }

  /** A `listen` stream of this call's audio to a WebSocket server (issue 15, src/call/audio-stream/). */
  streamAudio(req: AudioStreamRequest, signal: AbortSignal): AudioStreamHandle {
    return this.streams.start(this.requireMedia(), req, AbortSignal.any([signal, this.ended.signal]));
  }

  /** `listen_status` for every stream of the call; how many there were. */
  listenStatus(status: ListenStatus): number {
    return this.streams.setStatus(status);
  }

  private requireMedia(): MediaSession {
    if (!this.media || this.ended.signal.aborted) throw new CallError('CALL_WRONG_STATE', 'the call has no media (not answered or already ended)');
    return this.media;
  }

  onDtmf(listener: (digit: string) => void): () => void {
    this.dtmfListeners.add(listener);
    return () => this.dtmfListeners.delete(listener);
  }

  async sendDtmf(digits: string, durationMs: number): Promise<void> {
    await this.requireMedia().sendDtmf(digits, { toneMs: durationMs });
  }

  hangup(headers?: Readonly<Record<string, string>>): Promise<void> {
    return this.hangupWith(this.failureReason ?? 'hangup', headers);
  }

  /** Ends the call from our side, whatever its state. Idempotent. */
  async hangupWith(reason: string, headers?: Readonly<Record<string, string>>): Promise<void> {
    if (this.isFinal) return;
    if (!this.answered) {
      const s = this.collab.signalling;
      if (s.direction === 'inbound') {
        // An app failure before answer → 480 with the reason (contract §2.2); verbs ran out → 603.
        const failure = this.failureReason;
        s.reject(this, failure ? 480 : 603, failure ? 'Temporarily Unavailable' : 'Decline', failure ? { 'X-Reason': failure.slice(0, 200) } : undefined);
      } else {
        s.cancel('hangup');
      }
      return;
    }
    const dialog = this.dialog;
    this.timeline.add('bye-sent', { reason });
    this.finish('jambonz', reason);
    if (!dialog) return;
    // The call has ended whatever becomes of the BYE (an unresolvable Contact, a dead transport).
    const r = await dialog.bye(toSipHeaders(headers)).catch((e: unknown) => e);
    if (r instanceof Error) {
      this.timeline.add('bye-failed', { error: r.message });
      this.deps.logger.warn('BYE could not be sent', { call_sid: this.sid, err: r });
    }
  }

  async sipRequest(method: string, init: SipRequestInit): Promise<{ status: number; reason: string }> {
    if (!this.dialog || this.isFinal) throw new CallError('CALL_WRONG_STATE', 'sip:request needs an answered call');
    const res = await this.dialog.request(method.toUpperCase(), { body: init.body, contentType: init.contentType, headers: toSipHeaders(init.headers) });
    return { status: res.status, reason: res.reason };
  }

  async placeChild(init: ChildLegInit): Promise<ChildLeg> {
    const legs = this.collab.legs;
    if (!legs) throw new CallError('CALL_WRONG_STATE', 'this call cannot dial');
    // 'child' goes out before the leg's first status, so its listeners see every event.
    const child = await legs.place(this, init, (c) => this.emit('child', c));
    // The parent going away takes its unanswered or bridged children with it.
    const stop = (): void => detach(this.deps.logger, 'hanging up a child leg', child.hangupWith('parent call ended'));
    this.ended.signal.addEventListener('abort', stop, { once: true });
    child.endedSignal.addEventListener('abort', () => this.ended.signal.removeEventListener('abort', stop), { once: true });
    return childLeg(child);
  }

  bridgeTo(leg: ChildLeg): void {
    const other = this.collab.legs?.find(this, leg.sid);
    const mine = this.requireMedia();
    const theirs = other?.mediaSession;
    if (!theirs) throw new CallError('CALL_WRONG_STATE', 'the child leg has no media');
    mine.bridge(theirs);
    this.timeline.add('bridged', { with: leg.sid });
    other.endedSignal.addEventListener('abort', () => {
      if (!mine.closed) mine.unbridge();
      this.timeline.add('unbridged', { with: leg.sid });
    }, { once: true });
  }

  async refer(referTo: string, init: ReferInit, onNotify: (sipStatus: number) => void, signal: AbortSignal): Promise<ReferOutcome> {
    const dialog = this.dialog;
    if (!dialog || this.isFinal) throw new CallError('CALL_WRONG_STATE', 'sip:refer needs an answered call');
    return sendRefer({ dialog, clock: this.deps.clock, timeline: this.timeline, stops: [signal, this.ended.signal] }, referTo, init, onNotify);
  }

  /**
   * Answering-machine detection on the callee's audio; events go to `onEvent` (issue 6). On a
   * call that is not answered yet (`config.amd` before answer) it starts at the answer.
   */
  startAmd(amd: Readonly<Record<string, unknown>>, onEvent: (event: Readonly<Record<string, unknown>>) => void): () => void {
    const params = checkAmd(amd);
    const run = (): (() => void) => {
      const media = this.requireMedia();
      this.timeline.add('amd-started');
      return runAmd(media, params, this.deps.clock, this.ended.signal, (e) => {
        this.timeline.add(e.type, { ...(e.reason ? { reason: e.reason } : {}), confidence: e.confidence, decision_ms: e.decision_ms });
        onEvent({ ...e });
      });
    };
    if (this.isFinal && !this.answered) throw new CallError('CALL_WRONG_STATE', 'the call has ended');
    return whenAnswered(this, run);
  }

  notifyEvent(event: string, fields: Readonly<Record<string, unknown>>): void {
    this.timeline.add('event', { event });
    this.emit('notify', event, fields);
  }

  /** The direction an offer/answer settled on (initial or re-INVITE), applied to the RTP session. */
  negotiated(direction: MediaDirection): void {
    this.negotiatedDirection = direction;
    this.media?.setDirection(this.localDirection);
  }

  statusNote(fields: Readonly<Record<string, unknown>>): void {
    this.emit('statusNote', this.info(), fields);
  }

  /** PUT mute_status: stop (or resume) sending our audio; the far end's audio still arrives. */
  mute(on: boolean): void {
    this.timeline.add(on ? 'mute' : 'unmute');
    this.muted = on;
    this.media?.setDirection(this.localDirection);
  }

  /** What our RTP session does: the negotiated direction, minus sending while muted. */
  private get localDirection(): MediaDirection {
    return this.muted ? withoutSending(this.negotiatedDirection) : this.negotiatedDirection;
  }

  /**
   * A re-INVITE in the call (RFC 3261 §14.2): hold, resume, a new address, or a session refresh.
   * An offer is answered and applied to the RTP session; a refused one leaves the call as it was.
   */
  private reinvited(r: IncomingReinvite): void {
    const media = this.media;
    if (!media || media.closed || !this.localSdp) {
      r.respond(488, { reason: 'No Media Session' });
      return;
    }
    const a = answerReinvite(r.request.body.toString(), this.localSdp, media.localPort, this.deps.publicAddress);
    if (a.status !== 200) {
      r.respond(a.status, { reason: a.reason });
      this.timeline.add('reinvite-rejected', { status: a.status, reason: a.detail });
      return;
    }
    if (a.media) {
      media.setRemote(remoteOf(a.media));
      this.negotiated(a.media.direction);
      this.localSdp = a.sdp;
    }
    this.timeline.add('reinvite', a.media ? { direction: a.media.direction, ...(a.media.remoteHold ? { hold: true } : {}) } : { offer: false });
    r.respond(200, { body: a.sdp, contentType: 'application/sdp' });
  }

  setCustomerData(data: Readonly<Record<string, unknown>>): void {
    this.customerData = data;
  }

  /** A step the application layer wants on the timeline (webhooks with their round-trip …). */
  note(event: string, detail?: Readonly<Record<string, unknown>>): void {
    if (event === 'webhook' && this.webhookLatencyMs === undefined && typeof detail?.latency_ms === 'number') this.webhookLatencyMs = detail.latency_ms;
    this.timeline.add(event, detail);
  }

  alert(alertType: string, message: string, detail?: string): void {
    this.timeline.add('alert', { alert_type: alertType, message });
    if (/^(webhook-|invalid-app-payload)/.test(alertType)) this.failureReason ??= `${alertType}: ${message}`;
    this.deps.alert(this.accountSid, this.sid, alertType, message, detail);
  }
}
