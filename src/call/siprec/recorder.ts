/**
 * Call recording on request (contract §5.1 `record`, the WebSocket `record` command): SIPREC
 * recording sessions (RFC 7866) started, paused, resumed and stopped on a live call. Requests are
 * checked at once and then run in order per call, in the background, as jambonz does (202): what
 * fails afterwards (the server refuses, cannot be reached) is a `record-failure` alert and a
 * Timeline entry. A recording ends with its call.
 */
import type { Clock } from '../../kernel/clock.js';
import { GatewayError, errorMessage } from '../../kernel/errors.js';
import type { Logger } from '../../kernel/logger.js';
import { resolveAllowed, type UrlPolicy } from '../../kernel/net-policy.js';
import type { MediaService } from '../../media/index.js';
import type { UserAgent } from '../../sip/index.js';
import { checkExtraHeaders, parseUri } from '../../sip/message/index.js';
import type { SipHeader, SipUri } from '../../sip/message/types.js';
import type { Call } from '../call.js';
import { RecordingSession } from './recording-session.js';

export const RECORD_ACTIONS = ['startCallRecording', 'stopCallRecording', 'pauseCallRecording', 'resumeCallRecording'] as const;
export type RecordAction = (typeof RECORD_ACTIONS)[number];

/** The body of a `record` request, checked (contract §5.1). */
export interface RecordRequest {
  readonly action: RecordAction;
  readonly server?: SipUri;
  readonly recordingId?: string;
  readonly headers?: readonly SipHeader[];
}

export type RecordErrorCode = 'RECORD_INVALID' | 'RECORD_UNSUPPORTED' | 'RECORD_WRONG_STATE';

/** A `record` request that cannot run; `path` names the field. */
export class RecordError extends GatewayError {
  declare readonly code: RecordErrorCode;
  constructor(code: RecordErrorCode, message: string, readonly path: string) {
    super(code, message);
  }
}

/** Checks a `record` body: `action`; for a start, `siprecServerURL` (a sip:/sips: URI), `recordingID`, `headers`. */
export function parseRecordRequest(data: unknown, path = 'record'): RecordRequest {
  if (typeof data !== 'object' || data === null || Array.isArray(data)) throw new RecordError('RECORD_INVALID', `${path} must be an object`, path);
  const d = data as Record<string, unknown>;
  if (typeof d.action !== 'string' || !(RECORD_ACTIONS as readonly string[]).includes(d.action)) {
    throw new RecordError('RECORD_INVALID', `${path}.action must be one of ${RECORD_ACTIONS.join(', ')}`, `${path}.action`);
  }
  const action = d.action as RecordAction;
  if (d.type !== undefined && d.type !== 'siprec' && d.type !== 'cloud') throw new RecordError('RECORD_INVALID', `${path}.type must be siprec or cloud`, `${path}.type`);
  if (action !== 'startCallRecording') return { action };
  if (d.type === 'cloud') throw new RecordError('RECORD_UNSUPPORTED', `${path}.type cloud (recording to a storage bucket) is not supported; use siprec`, `${path}.type`);
  const server = serverUri(d.siprecServerURL, `${path}.siprecServerURL`);
  if (d.recordingID !== undefined && typeof d.recordingID !== 'string') throw new RecordError('RECORD_INVALID', `${path}.recordingID must be a string`, `${path}.recordingID`);
  const headers = recordHeaders(d.headers, `${path}.headers`);
  return { action, server, ...(typeof d.recordingID === 'string' && d.recordingID !== '' ? { recordingId: d.recordingID } : {}), ...(headers ? { headers } : {}) };
}

/** The recording server: a sip:/sips: URI (a bare host[:port] is taken as sip:). */
function serverUri(v: unknown, path: string): SipUri {
  if (typeof v !== 'string' || v === '') throw new RecordError('RECORD_INVALID', `${path} is required`, path);
  let uri;
  try {
    uri = parseUri(/^sips?:/i.test(v) ? v : `sip:${v}`);
  } catch {
    throw new RecordError('RECORD_INVALID', `${path} must be a SIP URI`, path);
  }
  if (!('host' in uri) || (uri.scheme !== 'sip' && uri.scheme !== 'sips')) throw new RecordError('RECORD_INVALID', `${path} must be a sip: or sips: URI`, path);
  return uri as SipUri;
}

function recordHeaders(h: unknown, path: string): SipHeader[] | undefined {
  if (h === undefined) return undefined;
  if (typeof h !== 'object' || h === null || Array.isArray(h)) throw new RecordError('RECORD_INVALID', `${path} must be an object`, path);
  const list = Object.entries(h).map(([name, value]) => {
    if (typeof value !== 'string') throw new RecordError('RECORD_INVALID', `${path}.${name} must be a string`, `${path}.${name}`);
    return { name, value };
  });
  try {
    checkExtraHeaders(list);
  } catch (e) {
    throw new RecordError('RECORD_INVALID', `${path}: ${errorMessage(e)}`, path);
  }
  return list;
}

export interface CallRecorderOptions {
  readonly clock: Clock;
  readonly logger: Logger;
  readonly ua: UserAgent;
  readonly media: MediaService;
  readonly publicAddress: string;
  /** The recording server is a tenant's address too: checked like a webhook's (docs/security.md). */
  readonly urlPolicy?: UrlPolicy;
}

interface Entry {
  /** What the requests so far will have made of it (checked against the next one). */
  state: 'recording' | 'paused' | 'stopped';
  session: RecordingSession | undefined;
  chain: Promise<void>;
}

export class CallRecorder {
  readonly #calls = new Map<string, Entry>();

  constructor(private readonly o: CallRecorderOptions) {}

  /** Checks `req` against the call's recording state and queues it. Throws RecordError. */
  apply(call: Call, req: RecordRequest): void {
    const entry = this.#calls.get(call.sid);
    const state = entry?.state ?? 'stopped';
    const want: Record<RecordAction, { from: readonly Entry['state'][]; to: Entry['state'] }> = {
      startCallRecording: { from: ['stopped'], to: 'recording' },
      pauseCallRecording: { from: ['recording'], to: 'paused' },
      resumeCallRecording: { from: ['paused'], to: 'recording' },
      stopCallRecording: { from: ['recording', 'paused'], to: 'stopped' },
    };
    const rule = want[req.action];
    if (!rule.from.includes(state)) {
      throw new RecordError('RECORD_WRONG_STATE', `${req.action}: the call's recording is ${state === 'stopped' ? 'not running' : state}`, 'record.action');
    }
    if (req.action === 'startCallRecording') {
      // After the previous recording's requests (a stop still under way), in order.
      const e: Entry = { state: 'recording', session: undefined, chain: entry?.chain ?? Promise.resolve() };
      this.#calls.set(call.sid, e);
      call.endedSignal.addEventListener('abort', () => this.#enqueue(call, e, 'stop (call ended)', async () => {
        e.state = 'stopped';
        await e.session?.stop();
        if (this.#calls.get(call.sid) === e) this.#calls.delete(call.sid);
      }), { once: true });
      this.#enqueue(call, e, req.action, () => this.#start(call, e, req));
      return;
    }
    const e = entry as Entry;
    e.state = rule.to;
    this.#enqueue(call, e, req.action, async () => {
      const s = e.session;
      if (!s) return;
      if (req.action === 'pauseCallRecording') await s.pause();
      else if (req.action === 'resumeCallRecording') await s.resume();
      else await s.stop();
      call.note('record', { action: req.action, call_id: s.callId });
    });
  }

  async #start(call: Call, e: Entry, req: RecordRequest): Promise<void> {
    const server = req.server as SipUri;
    if (this.o.urlPolicy) await resolveAllowed(server.host, this.o.urlPolicy);
    const s = new RecordingSession(
      { ua: this.o.ua, media: this.o.media, publicAddress: this.o.publicAddress, logger: this.o.logger, now: () => this.o.clock.wallNow() },
      call,
      {
        server, ...(req.recordingId ? { recordingId: req.recordingId } : {}), ...(req.headers ? { headers: req.headers } : {}),
        onEnded: (why) => {
          if (e.state === 'stopped') return;
          e.state = 'stopped';
          e.session = undefined;
          call.note('record', { action: 'ended', reason: why });
        },
      },
    );
    e.session = s;
    try {
      await s.start();
      call.note('record', { action: req.action, server: `${server.scheme}:${server.host}${server.port ? `:${server.port}` : ''}`, call_id: s.callId, session_id: s.sessionId });
    } catch (err) {
      e.state = 'stopped';
      e.session = undefined;
      throw err;
    }
  }

  #enqueue(call: Call, e: Entry, what: string, op: () => Promise<void>): void {
    e.chain = e.chain.then(op).catch((err: unknown) => {
      call.alert('record-failure', `${what}: ${errorMessage(err)}`);
      this.o.logger.warn('call recording request failed', { call_sid: call.sid, action: what, err: err instanceof Error ? err : String(err) });
    });
  }
}
