import type { Clock, TimerHandle } from '../kernel/clock.js';
import { detach } from '../kernel/detached.js';
import type { Logger } from '../kernel/logger.js';
import type { MediaService, MediaSession } from '../media/index.js';
import { applyAnswer, createOffer, newSdesKey, parseSdp, serializeSdp, type NegotiatedMedia, type SessionDescription } from '../sdp/index.js';
import { parseUri, type Credentials, type InviteFailure, type OutgoingInvite, type SipHeader, type SipResponse, type Uri, type UserAgent } from '../sip/index.js';
import type { Store } from '../store/index.js';
import type { Call } from './call.js';
import type { DialTarget } from './control.js';
import { chooseRoute, gatewaySecurity, gatewayTarget, type GatewaySecurity } from './carrier.js';
import { CallError } from './errors.js';
import { remoteOf } from './negotiation.js';
import type { CancelReason, OutboundSignalling } from './collaborators.js';

/** What `POST /Calls` (or a dial leg) asks for, already validated. */
export interface OutboundRequest {
  readonly from: string;
  readonly callerName?: string;
  readonly fromHost?: string;
  readonly to: DialTarget;
  /** Ring timeout in seconds. */
  readonly timeout: number;
  readonly timeLimit?: number;
  readonly headers?: Readonly<Record<string, string>>;
}

export interface OutboundContext {
  readonly clock: Clock;
  readonly logger: Logger;
  readonly ua: UserAgent;
  readonly media: MediaService;
  readonly store: Store;
  readonly publicAddress: string;
}

interface Attempt extends GatewaySecurity {
  readonly uri: Uri;
  /** Send to this hop instead of the Request-URI's host (a proxy, or the gateway of a realm). */
  readonly nextHop?: Uri;
  readonly credentials?: Credentials;
  readonly label: string;
  /** The far end for the CDR (`host:port` of the gateway or URI). */
  readonly remote: string;
}

/** RFC 3261 §21.6 and the issue: fail over on 408, 5xx and transport failures only. */
export function shouldFailOver(status: number): boolean {
  return status === 408 || (status >= 500 && status < 600);
}

/** contract §2.4: 486/600/603 → busy, 487 after our CANCEL → no-answer, the rest → failed. */
export function failureStatus(f: InviteFailure): 'busy' | 'no-answer' | 'failed' {
  if (f.status === 486 || f.status === 600 || f.status === 603) return 'busy';
  if (f.cancelled || f.status === 487) return 'no-answer';
  return 'failed';
}

/** The gateways (phone) or the URI (sip/user) to try, in order. */
export async function attemptsFor(ctx: OutboundContext, accountSid: string, req: OutboundRequest): Promise<{ attempts: Attempt[]; trunk?: string }> {
  if (req.to.type === 'phone') return phoneAttempts(ctx, accountSid, req.from, req.to);
  return { attempts: [uriAttempt(req.to)] };
}

/** A phone target: the chosen carrier's gateways in order, with its credentials unless the target brings its own. */
async function phoneAttempts(ctx: OutboundContext, accountSid: string, from: string, t: DialTarget): Promise<{ attempts: Attempt[]; trunk: string }> {
  if (!t.number) throw new CallError('CALL_BAD_TARGET', 'to.number is required for a phone target', 'to.number');
  const route = await chooseRoute(ctx.store, accountSid, from, t.trunk);
  const c = route.carrier;
  const creds = t.auth ?? (c.register_username && c.register_password ? { username: c.register_username, password: c.register_password } : undefined);
  return {
    trunk: c.name,
    attempts: route.gateways.map((gw) => {
      const port = gw.port ?? (gw.protocol.startsWith('tls') ? 5061 : 5060);
      return { ...gatewayTarget(c, gw, t.number ?? ''), ...gatewaySecurity(gw), credentials: creds, label: `${c.name}/${gw.ipv4}:${port}`, remote: `${gw.ipv4}:${port}` };
    }),
  };
}

/** A sip or user target: one attempt at its URI, which must be a sip:/sips: URI with a routable host. */
function uriAttempt(t: DialTarget): Attempt {
  const raw = t.type === 'sip' ? t.sipUri : t.name;
  const field = t.type === 'sip' ? 'to.sipUri' : 'to.name';
  if (!raw) throw new CallError('CALL_BAD_TARGET', `${field} is required`, field);
  const text = t.type === 'user' && !raw.includes(':') ? `sip:${raw}` : raw;
  let uri: Uri;
  try {
    uri = parseUri(text);
  } catch {
    throw new CallError('CALL_BAD_TARGET', `"${raw}" is not a SIP URI`, field);
  }
  if (uri.scheme !== 'sip' && uri.scheme !== 'sips') throw new CallError('CALL_BAD_TARGET', `"${raw}" is not a sip: URI`, 'to.sipUri');
  if (!('host' in uri) || !uri.host.includes('.') && uri.host !== 'localhost' && !uri.host.startsWith('[')) {
    throw new CallError('CALL_BAD_TARGET', `"${raw}" has no routable host (no SIP realm for user targets)`, field);
  }
  return { uri, credentials: t.auth, label: raw, remote: `${uri.host}${uri.port ? `:${uri.port}` : ''}` };
}

function sipHeaders(...maps: Array<Readonly<Record<string, string>> | undefined>): SipHeader[] {
  const merged = new Map<string, { name: string; value: string }>();
  for (const m of maps) for (const [name, value] of Object.entries(m ?? {})) merged.set(name.toLowerCase(), { name, value: String(value) });
  return [...merged.values()];
}

/**
 * The outbound call's signalling strategy: a CANCEL asked for before the placement exists is
 * kept and applied as soon as it does.
 */
export class OutboundLeg implements OutboundSignalling {
  readonly direction = 'outbound';
  private placement: Placement | undefined;
  private early: CancelReason | undefined;

  cancel(why: CancelReason): void {
    if (this.placement) this.placement.cancel(why);
    else this.early ??= why;
  }

  /** Called once the placement exists. */
  bind(p: Placement): void {
    this.placement = p;
    if (this.early) p.cancel(this.early);
  }
}

/**
 * Places `call` through its attempts in order. Resolves with the SIP Call-ID once the first
 * INVITE is on the wire (the 201 of `POST /Calls`); progress, answer and failure arrive as the
 * call's status changes.
 */
export async function placeOutbound(ctx: OutboundContext, call: Call, leg: OutboundLeg, req: OutboundRequest, attempts: readonly Attempt[]): Promise<string> {
  const media = await ctx.media.createSession({ id: call.sid });
  if (!call.attachMedia(media)) throw new CallError('CALL_WRONG_STATE', 'the call ended while it was being set up');
  const placer = new Placement(ctx, call, req, attempts, media);
  const sent = placer.start();
  leg.bind(placer);
  return sent;
}

class Placement {
  private index = 0;
  private current: OutgoingInvite | undefined;
  private ringTimer: TimerHandle | undefined;
  private earlyMedia = false;
  private cancelledBy: CancelReason | undefined;
  private sentResolve: ((callId: string) => void) | undefined;
  /** The offer of the current attempt. */
  private offer: SessionDescription | undefined;

  constructor(
    private readonly ctx: OutboundContext,
    private readonly call: Call,
    private readonly req: OutboundRequest,
    private readonly attempts: readonly Attempt[],
    private readonly media: MediaSession,
  ) {}

  /**
   * Each attempt's own offer: RTP/SAVP with a fresh SDES key through a `tls/srtp` gateway
   * (RFC 4568 §7.1.1; a key is never reused towards another gateway), RTP/AVP otherwise.
   */
  private offerFor(a: Attempt): SessionDescription {
    const srtp = a.srtp ? { srtp: { key: newSdesKey(), pad: a.srtp.pad } } : {};
    const offer = createOffer({ publicAddress: this.ctx.publicAddress, port: this.media.localPort, ...srtp });
    this.offer = offer;
    this.call.localSdp = serializeSdp(offer);
    return offer;
  }

  start(): Promise<string> {
    const sent = new Promise<string>((resolve) => { this.sentResolve = resolve; });
    this.ringTimer = this.ctx.clock.setTimer(this.req.timeout * 1000, () => this.cancel('timeout'));
    this.next();
    return sent;
  }

  private next(): void {
    const a = this.attempts[this.index++];
    const offer = this.offerFor(a);
    const fromHost = this.req.fromHost ?? this.ctx.publicAddress;
    const inv = this.ctx.ua.invite({
      uri: a.uri,
      nextHop: a.nextHop,
      from: { uri: { scheme: 'sip', user: this.req.from, host: fromHost, params: {}, headers: {} }, displayName: this.req.callerName },
      headers: sipHeaders(this.req.headers, { 'X-Call-Sid': this.call.sid, 'X-Account-Sid': this.call.accountSid }, this.req.to.headers),
      body: serializeSdp(offer),
      credentials: a.credentials,
      tlsVerify: a.tlsVerify,
      contactUser: this.req.from.replace(/[^A-Za-z0-9+._-]/g, '') || 'vgw',
    });
    this.current = inv;
    inv.on('sent', (r) => {
      this.call.sipCallId ||= r.callId;
      this.call.remoteHost = a.remote;
      this.call.timeline.add('invite-sent', { to: a.label, call_id: r.callId });
      this.sentResolve?.(r.callId);
      this.sentResolve = undefined;
    });
    inv.on('progress', (res) => this.progress(res));
    inv.on('answered', (dialog, res) => {
      this.ringTimer?.cancel();
      this.call.timeline.add('response', { status: res.status, reason: res.reason });
      // A 200 without a body after a 183 that carried the answer keeps that answer (common, if lax).
      const usable = res.body.length === 0 && this.earlyMedia ? true : this.negotiate(res);
      if (!usable) {
        // RFC 3264 §5 / RFC 3261 §13.2.2.4: the 2xx is ACKed (done), then the session is ended.
        this.call.timeline.add('sdp-answer-rejected');
        detach(this.ctx.logger, 'BYE after an unusable SDP answer', dialog.bye());
        this.call.failed('failed', 488, 'Not Acceptable Here (unusable SDP answer)');
        return;
      }
      this.call.answeredWith(dialog, this.req.timeLimit);
    });
    inv.on('failed', (f) => this.failed(a, f));
  }

  private progress(res: SipResponse): void {
    this.call.timeline.add('response', { status: res.status, reason: res.reason });
    if (res.body.length > 0 && this.negotiate(res)) {
      this.earlyMedia = true;
      this.call.setStatus('early-media', res.status, res.reason);
    } else {
      this.call.setStatus('ringing', res.status, res.reason);
    }
  }

  /** Applies an SDP answer from a 18x or 2xx to the RTP session. */
  private negotiate(res: SipResponse): boolean {
    if (!this.offer) return false;
    let result;
    try {
      result = applyAnswer(this.offer, parseSdp(res.body.toString()));
    } catch {
      return false;
    }
    if (!result.ok) return false;
    const m: NegotiatedMedia = result.media;
    this.media.setRemote(remoteOf(m));
    this.call.negotiated(m.direction);
    return true;
  }

  private failed(a: Attempt, f: InviteFailure): void {
    this.call.timeline.add('invite-failed', { to: a.label, status: f.status, reason: f.reason });
    if (this.sentResolve && f.status === 503 && !f.response && this.index >= this.attempts.length) {
      // Nothing could even be sent (DNS, transport): still answer the API, then report failure.
      this.sentResolve(this.call.sipCallId || '');
      this.sentResolve = undefined;
    }
    const canFailOver = !this.cancelledBy && !this.earlyMedia && shouldFailOver(f.status) && this.index < this.attempts.length;
    if (canFailOver) {
      this.ctx.logger.info('failing over to the next gateway', { call_sid: this.call.sid, status: f.status, from: a.label });
      this.next();
      return;
    }
    this.ringTimer?.cancel();
    const status = this.cancelledBy === 'timeout' || this.cancelledBy === 'api' ? 'no-answer' : failureStatus(f);
    this.call.failed(this.cancelledBy === 'hangup' ? 'no-answer' : status, f.status, f.reason);
    this.sentResolve?.(this.call.sipCallId);
  }

  cancel(why: CancelReason): void {
    if (this.call.answered || this.call.isFinal) return;
    this.cancelledBy ??= why;
    this.call.timeline.add('cancel', { why });
    this.current?.cancel(why === 'timeout' ? 'SIP;cause=487;text="ring timeout"' : undefined);
  }
}
