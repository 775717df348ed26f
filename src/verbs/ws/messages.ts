/**
 * The messages of the jambonz WebSocket application API (subprotocol `ws.jambonz.org`, contract
 * §6.2–6.3) as plain data: the envelope the gateway sends, and the parse of what the app sends.
 */
import { GatewayError } from '../../kernel/errors.js';

/** The WebSocket subprotocol of the jambonz application API (contract §6.1). */
export const WS_SUBPROTOCOL = 'ws.jambonz.org';

/** Messages the gateway waits an `ack` for (contract §6.2). */
export type AckedType = 'session:new' | 'session:reconnect' | 'session:redirect' | 'verb:hook' | 'dial:confirm';
/** Fire-and-forget messages (contract §6.2): no ack. */
export type NoticeType = 'call:status' | 'verb:status' | 'jambonz:error';
export type OutgoingType = AckedType | NoticeType;

/** The types whose envelope names the hook (contract §6.2). */
const WITH_HOOK: ReadonlySet<OutgoingType> = new Set(['verb:hook', 'dial:confirm', 'session:redirect']);

/** `{type, msgid, call_sid, hook?, data, b3?}` (contract §6.2). */
export interface OutgoingMessage {
  readonly type: OutgoingType;
  readonly msgid: string;
  readonly call_sid: string;
  readonly hook?: string;
  readonly data: Readonly<Record<string, unknown>>;
  readonly b3?: string;
}

/**
 * The envelope of one message. `b3` is the B3 single-header trace context
 * (`{traceId}-{spanId}-1`, as jambonz sends it when tracing is on): the call's trace id (its
 * CDR `trace_id`) and a span id of this message.
 */
export function envelope(type: OutgoingType, msgid: string, callSid: string, data: Readonly<Record<string, unknown>>, hook?: string, b3?: string): OutgoingMessage {
  return { type, msgid, call_sid: callSid, ...(hook !== undefined && WITH_HOOK.has(type) ? { hook } : {}), data, ...(b3 !== undefined ? { b3 } : {}) };
}

/** A B3 single header (sampled) for a message of the trace `traceId` (16 or 32 hex digits). */
export function b3Header(traceId: string, spanId: string): string {
  return `${traceId}-${spanId}-1`;
}

/** An `ack` to one of the gateway's messages; `data` (a verb list) replaces the application. */
export interface AckMessage {
  readonly kind: 'ack';
  readonly msgid: string;
  readonly data: unknown;
}

/** A command the app sends at any time (contract §6.3). */
export interface AppCommand {
  readonly kind: 'command';
  readonly command: string;
  readonly data: unknown;
  /** `redirect` only: append the verbs instead of replacing the application. */
  readonly queueCommand: boolean;
  /** Another call of the session (`callSid`), when the command names one. */
  readonly callSid?: string;
  readonly msgid?: string;
}

export type AppMessage = AckMessage | AppCommand;

/** Commands that carry no `data` (jambonz's list; the LLM and streaming-TTS ones). */
const NO_DATA: ReadonlySet<string> = new Set(['llm:tool-output', 'tts:flush', 'tts:clear']);

/** A message from the app that is not valid JSON or not a known message (answered with `jambonz:error`). */
export class AppMessageError extends GatewayError {
  declare readonly code: 'WS_INVALID_MESSAGE';
  constructor(message: string) {
    super('WS_INVALID_MESSAGE', message);
  }
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Parses one text frame from the app; throws AppMessageError for anything else. */
export function parseAppMessage(text: string): AppMessage {
  let obj: unknown;
  try {
    obj = JSON.parse(text);
  } catch (e) {
    throw new AppMessageError(`invalid JSON: ${e instanceof Error ? e.message : String(e)}`);
  }
  if (!isRecord(obj)) throw new AppMessageError('a message must be a JSON object');
  const { type, msgid, command, data } = obj;
  if (typeof type !== 'string' || type === '') throw new AppMessageError('type property not supplied');
  if (type === 'ack') {
    if (typeof msgid !== 'string' || msgid === '') throw new AppMessageError('msgid not supplied');
    return { kind: 'ack', msgid, data };
  }
  if (type === 'command') {
    if (typeof command !== 'string' || command === '') throw new AppMessageError('command property not supplied');
    if (data === undefined && !NO_DATA.has(command)) throw new AppMessageError('data property not supplied');
    const callSid = typeof obj.callSid === 'string' ? obj.callSid : typeof obj.call_sid === 'string' ? obj.call_sid : undefined;
    return {
      kind: 'command', command, data, queueCommand: obj.queueCommand === true,
      ...(callSid !== undefined ? { callSid } : {}), ...(typeof msgid === 'string' ? { msgid } : {}),
    };
  }
  throw new AppMessageError(`invalid type property: ${type}`);
}

/** The `jambonz:error` body (contract §6.2): `{msg, details, content}`. */
export function errorNotice(msg: string, details: string, content: string): Record<string, unknown> {
  return { msg, details, content };
}
