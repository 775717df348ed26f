/**
 * Live call control (contract §5.1): the one place a `PUT /Calls/{sid}` body and a WebSocket
 * application's command (contract §6.3) act on a live call, so both do exactly the same.
 */
import type { Call } from '../call/call.js';
import { GatewayError } from '../kernel/errors.js';
import { inDialogMethodProblem, sipHeaderProblem, type AppCommand, type ApplicationHandle, type HookSpec } from '../verbs/index.js';
import type { CallsService, CreateCallBody } from './calls-service.js';

/** The action keys of PUT /Calls/{sid} (already schema-checked when they come through the API). */
export interface LiveUpdate {
  readonly call_hook?: HookSpec;
  readonly call_status?: 'completed' | 'no-answer';
  readonly mute_status?: 'mute' | 'unmute';
  readonly transcribe_status?: 'pause' | 'resume' | 'stop';
  /** jambonz also writes it `stream_status` (the route maps that name here). */
  readonly listen_status?: 'pause' | 'resume' | 'silence';
  readonly tag?: Readonly<Record<string, unknown>>;
  readonly whisper?: unknown;
  readonly dtmf?: { readonly digit: string; readonly duration?: number };
  readonly sip_request?: { readonly method: string; readonly content_type?: string; readonly content?: string; readonly headers?: Record<string, string> };
  /** SIPREC recording (checked by `parseRecordRequest`, the same for PUT and the ws command). */
  readonly record?: unknown;
}

/** A command the gateway cannot run: unknown, not supported, or with bad data (answered with `jambonz:error`). */
export class LiveControlError extends GatewayError {
  declare readonly code: 'LIVE_CONTROL_UNSUPPORTED' | 'LIVE_CONTROL_INVALID';
  constructor(code: 'LIVE_CONTROL_UNSUPPORTED' | 'LIVE_CONTROL_INVALID', message: string) {
    super(code, message);
  }
}

/** What a `sip_request` got from the far end (PUT answers 200 with it). */
export interface SipRequestOutcome {
  readonly status: number;
  readonly reason: string;
}

/**
 * Applies the keys of `update` in the order given (contract §5.1). Resolves with the far end's
 * answer for a `sip_request`, else undefined. Throws CallError / CallRequestError / VerbValidationError.
 */
export async function applyLiveUpdate(service: CallsService, accountSid: string, callSid: string, update: LiveUpdate): Promise<SipRequestOutcome | undefined> {
  const call = service.live(accountSid, callSid);
  for (const key of Object.keys(update) as (keyof LiveUpdate)[]) {
    if (update[key] === undefined) continue;
    switch (key) {
      case 'call_hook': await service.redirect(accountSid, callSid, update.call_hook as HookSpec); break;
      case 'call_status': await service.setStatus(accountSid, callSid, update.call_status as 'completed' | 'no-answer'); break;
      case 'tag': call.setCustomerData(update.tag as Record<string, unknown>); break;
      case 'whisper': service.whisper(accountSid, callSid, update.whisper); break;
      case 'mute_status': call.mute(update.mute_status === 'mute'); break;
      case 'transcribe_status': service.transcribeStatus(accountSid, callSid, update.transcribe_status as 'pause' | 'resume' | 'stop'); break;
      case 'listen_status': service.listenStatus(accountSid, callSid, update.listen_status as 'pause' | 'resume' | 'silence'); break;
      case 'record': service.record(accountSid, callSid, update.record); break;
      case 'dtmf': {
        const d = update.dtmf as NonNullable<LiveUpdate['dtmf']>;
        await call.sendDtmf(d.digit, d.duration ?? 250);
        break;
      }
      case 'sip_request': {
        const { method, content, content_type: contentType, headers } = update.sip_request as NonNullable<LiveUpdate['sip_request']>;
        const r = await call.sipRequest(method, { body: content, contentType, headers });
        return { status: r.status, reason: r.reason };
      }
      default: break;
    }
  }
  return undefined;
}

function record(data: unknown, what: string): Readonly<Record<string, unknown>> {
  if (typeof data !== 'object' || data === null || Array.isArray(data)) throw new LiveControlError('LIVE_CONTROL_INVALID', `${what}: data must be an object`);
  return data as Record<string, unknown>;
}

function oneOf<const T extends string>(v: unknown, allowed: readonly T[], what: string): T {
  if (typeof v !== 'string' || !(allowed as readonly string[]).includes(v)) throw new LiveControlError('LIVE_CONTROL_INVALID', `${what} must be one of ${allowed.join(', ')}`);
  return v as T;
}

/** The PUT schema's `dtmf` rules (docs/api.md): DTMF digits, a duration of 40–5000 ms. */
function dtmfUpdate(r: Readonly<Record<string, unknown>>): NonNullable<LiveUpdate['dtmf']> {
  if (typeof r.digit !== 'string' || !/^[0-9A-Da-d*#]+$/.test(r.digit)) throw new LiveControlError('LIVE_CONTROL_INVALID', 'dtmf.digit must be DTMF digits');
  const ms = r.duration;
  if (ms !== undefined && (typeof ms !== 'number' || !Number.isInteger(ms) || ms < 40 || ms > 5000)) throw new LiveControlError('LIVE_CONTROL_INVALID', 'dtmf.duration must be 40 to 5000 ms');
  return { digit: r.digit, duration: ms };
}

/** Custom SIP headers only, as POST /Calls checks them (docs/api.md). */
function checkHeaders(headers: unknown, path: string): void {
  if (headers === undefined) return;
  if (headers === null || typeof headers !== 'object') throw new LiveControlError('LIVE_CONTROL_INVALID', `${path} must be an object`);
  for (const [name, value] of Object.entries(headers)) {
    const problem = typeof value === 'string' ? sipHeaderProblem(name, value) : 'must be a string';
    if (problem !== undefined) throw new LiveControlError('LIVE_CONTROL_INVALID', `${path}.${name} ${problem}`);
  }
}

/** The PUT checks of `sip_request` (docs/api.md): a method that cannot break the dialog, custom headers only. */
function sipRequestUpdate(r: Readonly<Record<string, unknown>>): NonNullable<LiveUpdate['sip_request']> {
  const { method, content_type: contentType, content, headers } = r;
  if (typeof method !== 'string' || !/^[A-Za-z]+$/.test(method)) throw new LiveControlError('LIVE_CONTROL_INVALID', 'sip:request.method must be a SIP method');
  const bad = inDialogMethodProblem(method);
  if (bad !== undefined) throw new LiveControlError('LIVE_CONTROL_INVALID', `sip:request.method ${bad}`);
  if (contentType !== undefined && typeof contentType !== 'string') throw new LiveControlError('LIVE_CONTROL_INVALID', 'sip:request.content_type must be a string');
  if (content !== undefined && typeof content !== 'string') throw new LiveControlError('LIVE_CONTROL_INVALID', 'sip:request.content must be a string');
  checkHeaders(headers, 'sip:request.headers');
  return { method, content_type: contentType, content, headers: headers as Record<string, string> | undefined };
}

/** A command's data as the PUT body it stands for (contract §6.3 ↔ §5.1); undefined: not a PUT key. */
function commandUpdate(cmd: AppCommand): LiveUpdate | undefined {
  const d = cmd.data;
  switch (cmd.command) {
    case 'redirect': return Array.isArray(d) ? undefined : { call_hook: record(d, 'redirect') as unknown as HookSpec };
    case 'call:status': return { call_status: oneOf(record(d, cmd.command).call_status, ['completed', 'no-answer'] as const, 'call_status') };
    case 'mute:status': return { mute_status: oneOf(typeof d === 'string' ? d : record(d, cmd.command).mute_status, ['mute', 'unmute'] as const, 'mute_status') };
    case 'transcribe:status': return { transcribe_status: oneOf(record(d, cmd.command).transcribe_status, ['pause', 'resume', 'stop'] as const, 'transcribe_status') };
    case 'listen:status':
    case 'stream:status': {
      const r = record(d, cmd.command);
      return { listen_status: oneOf(r.listen_status ?? r.stream_status, ['pause', 'resume', 'silence'] as const, 'listen_status') };
    }
    case 'whisper': return { whisper: d };
    case 'tag': return { tag: record(d, 'tag') };
    case 'dtmf': return { dtmf: dtmfUpdate(record(d, 'dtmf')) };
    case 'sip:request': return { sip_request: sipRequestUpdate(record(d, 'sip:request')) };
    case 'record': return { record: d };
    default: return undefined;
  }
}

/**
 * Runs one command of a WebSocket application (contract §6.3) on its call: the PUT ones through
 * `applyLiveUpdate`, the others here. Throws LiveControlError for what cannot be run (the session
 * answers it with `jambonz:error`; the call goes on).
 */
export async function runAppCommand(service: CallsService, call: Call, handle: ApplicationHandle, cmd: AppCommand): Promise<void> {
  // jambonz lets `callSid` name a dialed leg (mute, whisper …); here commands act on the socket's own call.
  if (cmd.callSid !== undefined && cmd.callSid !== call.sid) throw new LiveControlError('LIVE_CONTROL_UNSUPPORTED', `${cmd.command} for another call (${cmd.callSid}) is not supported`);
  const update = commandUpdate(cmd);
  if (update) {
    await applyLiveUpdate(service, call.accountSid, call.sid, update);
    return;
  }
  switch (cmd.command) {
    case 'redirect':
      if (cmd.queueCommand) handle.append(cmd.data);
      else handle.replace(cmd.data);
      return;
    case 'config':
      await handle.configure(record(cmd.data, 'config'));
      return;
    case 'dial': {
      const body = record(cmd.data, 'dial');
      if (typeof body.from !== 'string' || typeof body.to !== 'object' || body.to === null) throw new LiveControlError('LIVE_CONTROL_INVALID', 'dial needs a POST /Calls body (from, to, and call_hook, application_sid or app_json)');
      checkHeaders(body.headers, 'dial.headers');
      checkHeaders((body.to as Record<string, unknown>).headers, 'dial.to.headers');
      await service.create(call.accountSid, body as unknown as CreateCallBody);
      return;
    }
    default:
      throw new LiveControlError('LIVE_CONTROL_UNSUPPORTED', `unknown command ${cmd.command}`);
  }
}
