import { Type, type Static } from '@sinclair/typebox';
import { HookIn, HookRequired, Nullable, Sid } from './common.js';

const Headers = Type.Record(Type.String({ pattern: '^[A-Za-z0-9!#$%&\'*+.^_`|~-]+$' }), Type.String({ maxLength: 1024 }), { description: 'SIP header name → value. Headers the SIP stack writes (Call-ID, CSeq, From, To, Via, Max-Forwards, Content-Length, Content-Type, Contact, Route, Record-Route, and their compact forms) and values with control characters (CR, LF …) get 400.' });
const Auth = Type.Object({ username: Type.String({ minLength: 1 }), password: Type.String({ minLength: 1 }) }, { additionalProperties: false });

/** The callee (contract §1.1 "Target object"). */
export const Target = Type.Object({
  type: Type.Union([Type.Literal('phone'), Type.Literal('sip'), Type.Literal('user')], { description: 'phone | sip | user' }),
  number: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })),
  trunk: Type.Optional(Type.String({ minLength: 1, maxLength: 255, description: 'carrier name' })),
  sipUri: Type.Optional(Type.String({ minLength: 1, maxLength: 1024 })),
  name: Type.Optional(Type.String({ minLength: 1, maxLength: 255 })),
  auth: Type.Optional(Auth),
  headers: Type.Optional(Headers),
  proxy: Type.Optional(Nullable(Type.String({ maxLength: 1024, description: 'not supported yet: only null or ""' }))),
}, { additionalProperties: false });

const Str = (max = 255) => Type.String({ maxLength: max });

/** `POST /v1/Accounts/{account_sid}/Calls` (contract §1.1 + the seed's fields). Unknown keys → 400. */
export const CreateCallBody = Type.Object({
  application_sid: Type.Optional(Sid),
  call_hook: Type.Optional(HookRequired),
  call_status_hook: Type.Optional(HookRequired),
  app_json: Type.Optional(Type.Union([Type.String({ maxLength: 200_000 }), Type.Array(Type.Unknown())])),
  from: Type.String({ minLength: 1, maxLength: 256 }),
  fromHost: Type.Optional(Type.String({ minLength: 1, maxLength: 255 })),
  callerName: Type.Optional(Str()),
  to: Target,
  timeout: Type.Optional(Type.Integer({ minimum: 1, maximum: 600, description: 'ring timeout, seconds (default 60)' })),
  timeLimit: Type.Optional(Type.Integer({ minimum: 1, maximum: 86_400, description: 'longest call after answer, seconds (at most a day)' })),
  tag: Type.Optional(Type.Object({}, { additionalProperties: true, description: 'sent back as customerData on every webhook' })),
  headers: Type.Optional(Headers),
  notifyUrl: Type.Optional(HookRequired),
  amd: Type.Optional(Type.Object({}, { additionalProperties: true, description: 'answering-machine detection (contract §3.2)' })),
  speech_synthesis_vendor: Type.Optional(Str()),
  speech_synthesis_language: Type.Optional(Str()),
  speech_synthesis_voice: Type.Optional(Str()),
  speech_synthesis_label: Type.Optional(Str()),
  speech_recognizer_vendor: Type.Optional(Str()),
  speech_recognizer_language: Type.Optional(Str()),
  speech_recognizer_label: Type.Optional(Str()),
  account_sid: Type.Optional(Sid),
  dual_streams: Type.Optional(Type.Boolean({ description: 'not supported yet: only false' })),
  sipRequestWithinDialogHook: Type.Optional(Type.Unsafe<Static<typeof HookIn>>({ ...HookIn, description: 'not supported yet: only null' })),
  referHook: Type.Optional(Type.Unsafe<Static<typeof HookIn>>({ ...HookIn, description: 'not supported yet: only null' })),
}, { additionalProperties: false });

export const CreateCallReply = Type.Object({ sid: Type.String(), callId: Type.String(), callid: Type.String() });

/** `PUT /Calls/{sid}` (contract §5.1): exactly one action key (whisper may come with one other). */
export const UpdateCallBody = Type.Object({
  call_hook: Type.Optional(HookRequired),
  call_status: Type.Optional(Type.Union([Type.Literal('completed'), Type.Literal('no-answer')])),
  mute_status: Type.Optional(Type.Union([Type.Literal('mute'), Type.Literal('unmute')])),
  transcribe_status: Type.Optional(Type.Union([Type.Literal('pause'), Type.Literal('resume'), Type.Literal('stop')], { description: 'the background transcription (transcribe verb, config.transcribe)' })),
  listen_status: Type.Optional(Type.Union([Type.Literal('pause'), Type.Literal('resume'), Type.Literal('silence')], { description: 'the call\'s listen streams: stop sending, send on, or send silence (issue 15)' })),
  stream_status: Type.Optional(Type.Union([Type.Literal('pause'), Type.Literal('resume'), Type.Literal('silence')], { description: 'jambonz\'s other name for listen_status' })),
  tag: Type.Optional(Type.Object({}, { additionalProperties: true })),
  whisper: Type.Optional(Type.Union([Type.Object({}, { additionalProperties: true }), Type.Array(Type.Object({}, { additionalProperties: true }))])),
  dtmf: Type.Optional(Type.Object({ digit: Type.String({ pattern: '^[0-9A-Da-d*#]+$' }), duration: Type.Optional(Type.Integer({ minimum: 40, maximum: 5000 })) }, { additionalProperties: false })),
  record: Type.Optional(Type.Object({
    action: Type.Union(['startCallRecording', 'stopCallRecording', 'pauseCallRecording', 'resumeCallRecording'].map((a) => Type.Literal(a))),
    type: Type.Optional(Type.Union([Type.Literal('siprec'), Type.Literal('cloud')], { description: 'siprec (default); cloud is not supported' })),
    siprecServerURL: Type.Optional(Type.String({ description: 'the SIPREC recording server (a sip: or sips: URI); required to start' })),
    recordingID: Type.Optional(Type.String()),
    headers: Type.Optional(Headers),
  }, { additionalProperties: false, description: 'SIPREC call recording (RFC 7866): start, pause, resume, stop (docs/recording.md)' })),
  sip_request: Type.Optional(Type.Object({
    method: Type.String({ pattern: '^[A-Za-z]+$', description: 'INFO, MESSAGE, NOTIFY or OPTIONS (any case)' }),
    content_type: Type.Optional(Type.String()),
    content: Type.Optional(Type.String()),
    headers: Type.Optional(Headers),
  }, { additionalProperties: false })),
}, { additionalProperties: false });

export const CallsQuery = Type.Object({
  direction: Type.Optional(Type.Union([Type.Literal('inbound'), Type.Literal('outbound')])),
  from: Type.Optional(Type.String()),
  to: Type.Optional(Type.String()),
  callStatus: Type.Optional(Type.Union(['trying', 'ringing', 'early-media', 'in-progress', 'completed', 'failed', 'busy', 'no-answer'].map((s) => Type.Literal(s)))),
}, { additionalProperties: false });

export const CallRecord = Type.Object({
  call_sid: Type.String(),
  direction: Type.String(),
  from: Type.String(),
  to: Type.String(),
  call_id: Type.String(),
  sip_status: Type.Integer(),
  sip_reason: Type.Optional(Type.String()),
  call_status: Type.String(),
  account_sid: Type.String(),
  application_sid: Type.Optional(Type.String()),
  trace_id: Type.String(),
  fs_sip_address: Type.String(),
  service_url: Type.String(),
  caller_name: Type.Optional(Type.String()),
  parent_call_sid: Type.Optional(Type.String()),
  call_termination_by: Type.Optional(Type.String()),
  duration: Type.Optional(Type.Integer()),
  termination_reason: Type.Optional(Type.String()),
}, { additionalProperties: false });
