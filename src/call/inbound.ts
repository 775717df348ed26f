import { isIP } from 'node:net';
import type { Clock } from '../kernel/clock.js';
import { detach } from '../kernel/detached.js';
import type { Logger } from '../kernel/logger.js';
import type { MediaService, MediaSession } from '../media/index.js';
import { applyAnswer, createAnswer, createOffer, newSdesKey, parseSdp, serializeSdp } from '../sdp/index.js';
import { createChallenge, getHeader, NonceStore, verifyDigest, type Dialog, type IncomingInvite, type SipHeader, type Uri } from '../sip/index.js';
import type { Store, VoipCarrier } from '../store/index.js';
import type { Call } from './call.js';
import type { InboundSignalling } from './collaborators.js';
import { InboundGatewayIndex, inSubnet } from './inbound-auth.js';
import type { CallManager } from './manager.js';
import { remoteOf } from './negotiation.js';

/** Where an accepted inbound call goes. */
export interface InboundRoute {
  readonly accountSid: string;
  readonly applicationSid: string;
  readonly carrier: VoipCarrier;
  /** The dialled number, as the Request-URI carried it. */
  readonly number: string;
  /** Where the carrier sent it from: the packet's source, or a trusted proxy's `X-Forwarded-For`. */
  readonly origin: string;
}

/** The `sip` object of an inbound `session:new` (contract §2.1). */
export interface InboundSip {
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string;
  readonly method: string;
  readonly uri: string;
  readonly calledNumber: string;
  readonly callingNumber: string;
  readonly source_address: string;
  readonly source_port: number;
  readonly protocol: string;
}

export interface InboundOptions {
  readonly clock: Clock;
  readonly logger: Logger;
  readonly store: Store;
  readonly media: MediaService;
  readonly calls: CallManager;
  readonly publicAddress: string;
  /**
   * Issue 16: SIP proxies in front of the node (the Kamailio edge). From them, the carrier is
   * the address in `X-Forwarded-For`, which only they may set; from anyone else the header is
   * ignored. Default: none.
   */
  readonly trustedProxy?: (address: string) => boolean;
  /** Runs the application of a new inbound call (before it is answered). */
  readonly onCall: (call: Call, route: InboundRoute, sip: InboundSip) => void;
}

type Decision = { readonly reject: number; readonly reason: string; readonly headers?: SipHeader[] } | { readonly route: InboundRoute };

const NONCE_TTL_MS = 5 * 60_000;

/**
 * Inbound INVITEs (issue 7): accepted only from a carrier's inbound gateway address (any port)
 * or with the digest credentials of a carrier; the dialled number picks the application.
 * 403 unknown source, 404 unknown number, 488 no common codec, 480 no application.
 */
export class InboundHandler {
  private readonly gateways: InboundGatewayIndex;
  private readonly nonces: NonceStore;

  constructor(private readonly o: InboundOptions) {
    // Gateway writes through the API call trunksChanged(); the TTL covers writes from elsewhere.
    this.gateways = new InboundGatewayIndex(o.store, () => o.clock.now(), { ttlMs: 5000 });
    this.nonces = new NonceStore({ clock: o.clock, ttlMs: NONCE_TTL_MS, maxSize: 10_000 });
  }

  handle(inv: IncomingInvite): void {
    this.decide(inv).then((d) => {
      if ('reject' in d) {
        inv.reject(d.reject, { reason: d.reason, headers: d.headers });
        return;
      }
      this.accept(inv, d.route);
    }).catch((e: unknown) => {
      this.o.logger.error('inbound call failed', { err: e instanceof Error ? e : String(e) });
      inv.reject(500, { reason: 'Server Internal Error' });
    });
  }

  private async decide(inv: IncomingInvite): Promise<Decision> {
    const req = inv.request;
    const origin = this.carrierAddress(inv);
    const carriers = await this.gateways.carriersFor(origin);
    let carrier: VoipCarrier | undefined;
    let dialled = userOf(req.uri);
    let num = dialled ? await this.o.store.phoneNumbers.findByNumber(dialled) : undefined;
    // A carrier we register with sends calls to our Contact (its username): the To user is the number.
    const toUser = userOf(req.to.uri);
    if (!num && toUser && toUser !== dialled) {
      num = await this.o.store.phoneNumbers.findByNumber(toUser);
      if (num) dialled = toUser;
    }
    if (carriers.length > 0) {
      // Several carriers may share an address (the simulator lives on 127.0.0.1 too): the dialled
      // number decides — its own carrier, else one of its account's, else a shared one.
      const mine = carriers.filter((c) => !num || c.account_sid === null || c.account_sid === num.account_sid);
      if (num && mine.length === 0) return { reject: 403, reason: 'Forbidden' };
      carrier = mine.find((c) => c.voip_carrier_sid === num?.voip_carrier_sid) ?? mine[0] ?? carriers[0];
    } else {
      const auth = await this.digest(inv);
      if ('reject' in auth) return auth;
      carrier = auth.carrier;
    }
    if (!num || !num.account_sid) return { reject: 404, reason: 'Not Found' };
    if (carrier.account_sid !== null && carrier.account_sid !== num.account_sid) return { reject: 403, reason: 'Forbidden' };
    const applicationSid = num.application_sid ?? carrier.application_sid;
    if (!applicationSid) return { reject: 480, reason: 'Temporarily Unavailable', headers: [{ name: 'X-Reason', value: 'no application for this number' }] };
    // An INVITE without a body is a late offer (RFC 3261 §13.2.1): our offer goes in the 200.
    if (req.body.length > 0 && !this.offerAcceptable(req.body.toString())) return { reject: 488, reason: 'Not Acceptable Here' };
    return { route: { accountSid: num.account_sid, applicationSid, carrier, number: dialled, origin } };
  }

  /** Where the INVITE came from: the packet's source, or the `X-Forwarded-For` of a trusted proxy. */
  private carrierAddress(inv: IncomingInvite): string {
    if (!this.o.trustedProxy?.(inv.source.address)) return inv.source.address;
    const xff = getHeader(inv.request, 'X-Forwarded-For');
    // The first address is the one the proxy saw; anything not an address is ignored.
    const first = xff?.split(',')[0]?.trim() ?? '';
    return isIP(first) ? first : inv.source.address;
  }

  /**
   * RFC 3261 §22.4 / RFC 8760: a carrier that authenticates with digest instead of its address.
   * Nonces are bounded and single-use per nc (RFC 7616 §3.4); an expired one of ours gets a new
   * challenge with `stale=true` (§3.3) rather than a 403.
   */
  private async digest(inv: IncomingInvite): Promise<{ carrier: VoipCarrier } | { reject: number; reason: string; headers?: SipHeader[] }> {
    const all = (await this.o.store.voipCarriers.list({})).filter((c) => c.is_active && c.inbound_auth_username && c.inbound_auth_password);
    if (all.length === 0) return { reject: 403, reason: 'Forbidden' };
    const realm = this.o.publicAddress;
    const creds = getHeader(inv.request, 'Authorization');
    let stale = false;
    if (creds) {
      for (const c of all) {
        const v = verifyDigest(creds, {
          method: 'INVITE', realm, nonces: this.nonces,
          password: (u) => (u === c.inbound_auth_username ? c.inbound_auth_password ?? undefined : undefined),
        });
        if (v.ok) return { carrier: c };
        if (v.reason === 'stale') stale = true;
        if (v.reason === 'replay') return { reject: 403, reason: 'Forbidden' };
      }
      if (!stale) return { reject: 403, reason: 'Forbidden' };
    }
    const challenge = createChallenge({ realm, nonce: this.nonces.issue(), algorithm: 'MD5', qop: ['auth'], ...(stale ? { stale: true } : {}) });
    return { reject: 401, reason: 'Unauthorized', headers: [{ name: 'WWW-Authenticate', value: challenge }] };
  }

  /** Carriers or gateways changed (API writes): the inbound gateway index re-reads them. */
  trunksChanged(): void {
    this.gateways.invalidate();
  }

  private offerAcceptable(body: string): boolean {
    try {
      return createAnswer(parseSdp(body), { publicAddress: this.o.publicAddress, port: 9, srtp: { key: newSdesKey() } }).ok;
    } catch {
      return false;
    }
  }

  private accept(inv: IncomingInvite, route: InboundRoute): void {
    const req = inv.request;
    const from = 'user' in req.from.uri && req.from.uri.user ? decodeURIComponent(req.from.uri.user) : '';
    const signalling: InboundSignalling = {
      direction: 'inbound',
      answer: (call, opts) => this.answer(call, inv, opts.earlyMedia === true),
      reject: (call, status, reason, headers) => {
        inv.reject(status, { reason, headers: Object.entries(headers ?? {}).map(([name, value]) => ({ name, value })) });
        call.failed(status === 486 || status === 600 || status === 603 ? 'busy' : 'failed', status, reason, 'jambonz');
      },
    };
    const call = this.o.calls.createInbound({ accountSid: route.accountSid, applicationSid: route.applicationSid, from, to: route.number, callerName: req.from.displayName, trunk: route.carrier.name, sipCallId: req.callId }, signalling);
    call.remoteHost = `${inv.source.address}:${inv.source.port}`;
    inv.on('cancelled', () => call.failed('no-answer', 487, 'Request Terminated', 'caller'));
    inv.progress(180);
    const { origin } = route;
    call.timeline.add('invite-received', { from: `${inv.source.address}:${inv.source.port}`, carrier: route.carrier.name, ...(origin !== inv.source.address ? { carrier_address: origin } : {}) });
    this.o.onCall(call, route, sipObject(inv, route.number, from, origin));
  }

  /**
   * Creates the RTP session, answers the offer, and sends 183 (early media) or 200. An INVITE
   * without SDP (late offer, RFC 3261 §13.2.1) gets our offer in the 200 and its answer in the
   * ACK: the call is answered once that ACK brings a usable answer.
   */
  private async answer(call: Call, inv: IncomingInvite, early: boolean): Promise<void> {
    const late = inv.request.body.length === 0;
    let media = call.mediaSession;
    let sdp = call.localSdp;
    if (!media || !sdp) {
      media = await this.o.media.createSession({ id: call.sid });
      // A CANCEL (or hang-up) may have ended the call while the session was being made.
      if (!call.attachMedia(media)) return;
      sdp = late ? serializeSdp(createOffer({ publicAddress: this.o.publicAddress, port: media.localPort })) : this.answerOffer(call, inv, media);
      call.localSdp = sdp;
    }
    if (call.isFinal || inv.done && !inv.answered) return;
    if (early) {
      // An offer may not travel in an unreliable 183 (RFC 3262): a late-offer call rings instead.
      if (late) return;
      inv.progress(183, { body: sdp, contentType: 'application/sdp' });
      call.timeline.add('early-media');
      return;
    }
    const dialog = inv.accept({ body: sdp, contentType: 'application/sdp' });
    if (!late) {
      call.answeredWith(dialog);
      return;
    }
    await this.awaitLateAnswer(call, dialog, sdp);
  }

  /**
   * The offer in the INVITE, answered and applied to the RTP session; our answer SDP. An RTP/SAVP
   * offer is answered with a crypto line of our own fresh key (RFC 4568 §7.1.2), and the call is SRTP.
   */
  private answerOffer(call: Call, inv: IncomingInvite, media: MediaSession): string {
    const r = createAnswer(parseSdp(inv.request.body.toString()), { publicAddress: this.o.publicAddress, port: media.localPort, srtp: { key: newSdesKey() } });
    if (!r.ok) throw r.error;
    media.setRemote(remoteOf(r.media));
    call.negotiated(r.media.direction);
    return serializeSdp(r.answer);
  }

  /**
   * Late offer: the ACK carries the answer. No usable answer → BYE; no ACK at all → failed.
   * Settles once the call is answered (or has failed), so verbs after `answer` find it answered.
   */
  private awaitLateAnswer(call: Call, dialog: Dialog, offerSdp: string): Promise<void> {
    call.timeline.add('late-offer');
    let settle: () => void = () => undefined;
    const settled = new Promise<void>((r) => { settle = r; });
    const offTerminated = dialog.on('terminated', (reason) => {
      if (!call.answered) call.failed('failed', 408, `no ACK with an SDP answer (${reason})`, 'jambonz');
      settle();
    });
    dialog.once('confirmed', (ack) => {
      offTerminated();
      settle();
      let answer;
      try {
        answer = applyAnswer(parseSdp(offerSdp), parseSdp(ack.body.toString()));
      } catch {
        answer = undefined;
      }
      call.answeredWith(dialog);
      if (!answer?.ok) {
        call.timeline.add('sdp-answer-rejected');
        detach(this.o.logger, 'BYE after an ACK without a usable answer', call.hangupWith('no usable SDP answer in the ACK'));
        return;
      }
      call.mediaSession?.setRemote(remoteOf(answer.media));
      call.negotiated(answer.media.direction);
    });
    return settled;
  }
}

/**
 * The TLS transport's client-certificate policy: a connection from `address` must present a
 * certificate that verifies when an active inbound gateway with `mutual_tls` (of an active
 * carrier) covers that address. Read per connection, not per message.
 */
export function clientCertPolicy(store: Store): (address: string) => Promise<boolean> {
  return async (address) => {
    const gateways = (await store.sipGateways.list({})).filter((g) => g.mutual_tls && g.inbound && g.is_active && inSubnet(address, g.ipv4, g.netmask));
    for (const g of gateways) {
      if ((await store.voipCarriers.get(g.voip_carrier_sid))?.is_active) return true;
    }
    return false;
  };
}

function userOf(u: Uri): string {
  if ('user' in u && u.user) return decodeURIComponent(u.user);
  return 'number' in u ? u.number : '';
}

function sipObject(inv: IncomingInvite, calledNumber: string, callingNumber: string, origin: string): InboundSip {
  const req = inv.request;
  const headers: Record<string, string> = {};
  for (const h of req.headers) {
    const k = h.name.toLowerCase();
    headers[k] = headers[k] ? `${headers[k]}, ${h.value}` : h.value;
  }
  return {
    headers, body: req.body.toString(), method: req.method, uri: inviteUri(inv), calledNumber, callingNumber,
    source_address: origin, source_port: inv.source.port, protocol: inv.source.transport,
  };
}

function inviteUri(inv: IncomingInvite): string {
  const u = inv.request.uri;
  if ('host' in u) return `${u.scheme}:${u.user ? `${u.user}@` : ''}${u.host}${u.port ? `:${u.port}` : ''}`;
  return 'number' in u ? `tel:${u.number}` : `${u.scheme}:${u.opaque}`;
}
