/**
 * One SIPREC recording session (RFC 7866) of one call: we are the Session Recording Client. An
 * INVITE to the recording server (`Require: siprec`, `+sip.src` in the Contact) offers two
 * send-only streams beside the RFC 7865 metadata: label 1 carries what the call's far end says
 * (the audio we receive), label 2 what it hears from us (prompts, the bridged party). Pause and
 * resume are re-INVITEs that make both streams inactive and send-only again (RFC 7866 §8.1.3);
 * stop is a BYE. The server may end it too (its BYE).
 */
import { GatewayError } from '../../kernel/errors.js';
import type { Logger } from '../../kernel/logger.js';
import type { MediaService, MediaSession } from '../../media/index.js';
import { serializeSdp, type MediaDirection, type SessionDescription } from '../../sdp/index.js';
import type { Dialog, InviteFailure, UserAgent } from '../../sip/index.js';
import type { SipHeader, Uri } from '../../sip/message/types.js';
import { getHeader } from '../../sip/message/index.js';
import { remoteOf } from '../negotiation.js';
import { LiveFeed } from './feed.js';
import { METADATA_CONTENT_TYPE, metadataId, newMetadataIds, recordingMetadata } from './metadata.js';
import { answerSdp, applyRecordingAnswer, multipartBody, recordingOffer, type RecordingStreamPort } from './sdp.js';

/** The streams' labels: what the far end says, what it hears. */
export const FAR_END_LABEL = '1';
export const NEAR_END_LABEL = '2';

export type SiprecErrorCode = 'SIPREC_REJECTED' | 'SIPREC_BAD_ANSWER' | 'SIPREC_NO_MEDIA';

export class SiprecError extends GatewayError {
  declare readonly code: SiprecErrorCode;
  constructor(code: SiprecErrorCode, message: string, readonly status?: number) {
    super(code, message);
  }
}

/** The call being recorded, as the recording session sees it. */
export interface RecordedCall {
  readonly sid: string;
  readonly accountSid: string;
  readonly direction: 'inbound' | 'outbound';
  readonly from: string;
  readonly to: string;
  readonly sipCallId: string;
  readonly mediaSession: MediaSession | undefined;
}

export interface RecordingSessionDeps {
  readonly ua: UserAgent;
  readonly media: MediaService;
  readonly publicAddress: string;
  readonly logger: Logger;
  readonly now: () => number;
}

export interface RecordingSessionOptions {
  readonly server: Uri;
  readonly recordingId?: string;
  /** Custom headers for the INVITE (already checked). */
  readonly headers?: readonly SipHeader[];
  /** The server ended the session (its BYE), or its dialog failed. */
  readonly onEnded?: (why: string) => void;
}

export class RecordingSession {
  readonly sessionId = metadataId();
  #dialog: Dialog | undefined;
  #offer: SessionDescription | undefined;
  readonly #sessions: MediaSession[] = [];
  readonly #feeds = [new LiveFeed('siprec far end'), new LiveFeed('siprec near end')];
  readonly #untap: (() => void)[] = [];
  #stopped = false;
  #paused = false;

  /** The SIP Call-ID of the recording session, once its INVITE is out. */
  callId = '';

  constructor(private readonly deps: RecordingSessionDeps, private readonly call: RecordedCall, private readonly o: RecordingSessionOptions) {}

  /** Sends the INVITE; resolves once the server answered and the streams flow. Throws SiprecError. */
  async start(): Promise<void> {
    const callMedia = this.call.mediaSession;
    if (!callMedia) throw new SiprecError('SIPREC_NO_MEDIA', 'the call has no media to record');
    try {
      for (let i = 0; i < 2; i++) this.#sessions.push(await this.deps.media.createSession({ latch: false, inbandDtmf: false }));
      const offer = recordingOffer(this.deps.publicAddress, this.#streams(), 'sendonly');
      this.#offer = offer;
      const dialog = await this.#invite(offer);
      if (this.#stopped) {
        await dialog.bye();
        return;
      }
      this.#dialog = dialog;
      dialog.on('terminated', (reason) => {
        if (this.#stopped) return;
        void this.#release().then(() => this.o.onEnded?.(reason === 'bye-received' ? 'the recording server ended the session' : `the recording dialog ended (${reason})`));
      });
      this.#tap(callMedia);
    } catch (e) {
      await this.#release();
      throw e;
    }
  }

  async pause(): Promise<void> {
    if (this.#paused) return;
    await this.#reoffer('inactive');
    this.#paused = true;
  }

  async resume(): Promise<void> {
    if (!this.#paused) return;
    await this.#reoffer('sendonly');
    this.#paused = false;
  }

  /** Ends the recording: a BYE to the server, the streams closed. Safe to call more than once. */
  async stop(): Promise<void> {
    if (this.#stopped) return;
    const dialog = this.#dialog;
    await this.#release();
    if (dialog && !dialog.terminated) {
      const r = await dialog.bye();
      if (r instanceof Error) this.deps.logger.warn('BYE to the recording server failed', { err: r });
    }
  }

  #invite(offer: SessionDescription): Promise<Dialog> {
    const { call, deps } = this;
    const [farEnd, nearEnd] = call.direction === 'inbound' ? [call.from, call.to] : [call.to, call.from];
    const aor = (user: string): string => `sip:${user.replace(/[^A-Za-z0-9+._-]/g, '') || 'anonymous'}@${deps.publicAddress}`;
    const ids = newMetadataIds([FAR_END_LABEL, NEAR_END_LABEL]);
    const metadata = recordingMetadata({
      sessionId: this.sessionId, sipCallId: call.sipCallId || undefined, ids, associatedAt: new Date(deps.now()).toISOString(),
      participants: [{ aor: aor(farEnd), sends: FAR_END_LABEL }, { aor: aor(nearEnd), sends: NEAR_END_LABEL }],
    });
    const { contentType, body } = multipartBody([
      { contentType: 'application/sdp', body: serializeSdp(offer) },
      { contentType: METADATA_CONTENT_TYPE, disposition: 'recording-session', body: metadata },
    ]);
    const headers: SipHeader[] = [
      { name: 'Require', value: 'siprec' }, { name: 'X-Call-Sid', value: call.sid }, { name: 'X-Account-Sid', value: call.accountSid },
      ...(this.o.recordingId ? [{ name: 'X-Recording-ID', value: this.o.recordingId }] : []),
      ...(this.o.headers ?? []),
    ];
    const inv = deps.ua.invite({
      uri: this.o.server, from: { uri: { scheme: 'sip', user: 'vgw-src', host: deps.publicAddress, params: {}, headers: {} } },
      headers, body, contentType, contactUser: 'vgw-src', contactParams: { '+sip.src': null },
    });
    inv.on('sent', (req) => { this.callId = req.callId; });
    return new Promise<Dialog>((resolve, reject) => {
      inv.once('failed', (f: InviteFailure) => reject(new SiprecError('SIPREC_REJECTED', `the recording server answered ${f.status} ${f.reason}`, f.status)));
      inv.once('answered', (dialog, res) => {
        if (this.#stopped) {
          resolve(dialog); // stopped meanwhile: start() ends the dialog
          return;
        }
        try {
          const media = applyRecordingAnswer(offer, answerSdp(getHeader(res, 'content-type'), res.body.toString('utf8')));
          media.forEach((m, i) => {
            this.#sessions[i].setRemote(remoteOf(m));
            this.#sessions[i].setDirection('sendonly');
          });
          resolve(dialog);
        } catch (e) {
          void dialog.bye();
          reject(new SiprecError('SIPREC_BAD_ANSWER', `the recording server's answer is not usable: ${e instanceof Error ? e.message : String(e)}`));
        }
      });
    });
  }

  /** Feeds the call's audio both ways into the recording streams. */
  #tap(callMedia: MediaSession): void {
    const [far, near] = this.#feeds;
    this.#untap.push(
      callMedia.onAudio((frame, info) => { if (!this.#paused) far.push(frame, info.samples); }),
      callMedia.onSentAudio((pcm, n) => { if (!this.#paused) near.push(pcm, n); }),
    );
    this.#sessions.forEach((s, i) => {
      s.play(this.#feeds[i]).catch((e: unknown) => this.deps.logger.warn('recording stream ended', { err: e instanceof Error ? e : String(e) }));
    });
  }

  /** The two streams, as the SDP offers them: label 1 on the first session, label 2 on the second. */
  #streams(): RecordingStreamPort[] {
    return [FAR_END_LABEL, NEAR_END_LABEL].map((label, i) => ({ label, port: this.#sessions[i].localPort }));
  }

  async #reoffer(direction: MediaDirection): Promise<void> {
    const dialog = this.#dialog;
    if (!dialog || !this.#offer || this.#stopped) return;
    const offer = recordingOffer(this.deps.publicAddress, this.#streams(), direction, this.#offer);
    const res = await dialog.reinvite({ body: serializeSdp(offer), contentType: 'application/sdp' });
    if (res.status >= 300) throw new SiprecError('SIPREC_REJECTED', `the recording server answered the re-INVITE ${res.status} ${res.reason}`, res.status);
    this.#offer = offer;
    for (const s of this.#sessions) s.setDirection(direction);
  }

  async #release(): Promise<void> {
    this.#stopped = true;
    for (const u of this.#untap.splice(0)) u();
    for (const f of this.#feeds) f.end();
    await Promise.all(this.#sessions.splice(0).map((s) => s.close()));
  }
}
