/**
 * What goes over a `listen` socket (jambonz's audio fork, docs.jambonz.org "listen"): one JSON
 * text message with the call's metadata, then binary frames of 16-bit little-endian PCM
 * (RFC 6455 §5.6 binary frames), two interleaved channels for `stereo`. And what the server may
 * send back (bidirectional audio), parsed into typed messages.
 */
import { toInt16 } from '../../kernel/pcm16.js';
import type { AudioStreamRequest, CallInfo } from '../control.js';

/** True on little-endian hosts (x86, arm64): typed-array bytes are already L16 LE. */
const HOST_LE = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/** Samples as L16 little-endian bytes (a new buffer). */
export function l16le(samples: Int16Array): Buffer {
  if (HOST_LE) return Buffer.from(new Uint8Array(samples.buffer, samples.byteOffset, samples.byteLength));
  const out = Buffer.allocUnsafe(samples.length * 2);
  for (let i = 0; i < samples.length; i++) out.writeInt16LE(samples[i], i * 2);
  return out;
}

/** L16 little-endian bytes as samples (a copy; an odd trailing byte is ignored). */
export function fromL16le(bytes: Uint8Array): Int16Array {
  const n = bytes.length >> 1;
  const out = new Int16Array(n);
  if (HOST_LE) {
    new Uint8Array(out.buffer).set(bytes.subarray(0, n * 2));
    return out;
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, n * 2);
  for (let i = 0; i < n; i++) out[i] = view.getInt16(i * 2, true);
  return out;
}

/** Left and right interleaved (L R L R …); the shorter side is padded with silence. */
export function interleave(left: Int16Array, right: Int16Array): Int16Array {
  const n = Math.max(left.length, right.length);
  const out = new Int16Array(n * 2);
  for (let i = 0; i < n; i++) {
    out[2 * i] = left[i] ?? 0;
    out[2 * i + 1] = right[i] ?? 0;
  }
  return out;
}

/** Both sides summed, clipped to 16 bits. */
export function mixDown(a: Int16Array, b: Int16Array): Int16Array {
  const n = Math.max(a.length, b.length);
  const out = new Int16Array(n);
  for (let i = 0; i < n; i++) out[i] = toInt16((a[i] ?? 0) + (b[i] ?? 0));
  return out;
}

/** jambonz escapes JSON's special characters in metadata and customerData strings (contract §2.5). */
export function escapeJsonChars(s: string): string {
  return s.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/[\b]/g, '\\b').replace(/\f/g, '\\f').replace(/\n/g, '\\n').replace(/\r/g, '\\r').replace(/\t/g, '\\t');
}

function escapeStrings(o: Readonly<Record<string, unknown>>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(o).map(([k, v]) => [k, typeof v === 'string' ? escapeJsonChars(v) : v]));
}

const camel = (k: string): string => k.replace(/_([a-z])/g, (_m, c: string) => c.toUpperCase());

/**
 * The first message: `{sampleRate, mixType}`, then the call info as jambonz's CallInfo.toJSON
 * writes it (camelCase: callSid, callId, sipStatus …), then the verb's `metadata` (it wins).
 */
export function metadataMessage(info: CallInfo, req: Pick<AudioStreamRequest, 'sampleRate' | 'mixType' | 'metadata'>): string {
  const ci: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(info)) {
    if (v === undefined || k === 'termination_reason') continue;
    ci[k === 'customerData' ? k : camel(k)] = k === 'customerData' ? escapeStrings(v as Record<string, unknown>) : v;
  }
  return JSON.stringify({ sampleRate: req.sampleRate, mixType: req.mixType, ...ci, ...(req.metadata ? escapeStrings(req.metadata) : {}) });
}

/** A message of the server, as the bidirectional-audio protocol defines it. */
export type ServerMessage =
  | { readonly type: 'playAudio'; readonly audio: Int16Array; readonly sampleRate: number; readonly id?: unknown }
  | { readonly type: 'killAudio' }
  | { readonly type: 'mark'; readonly name: string }
  | { readonly type: 'clearMarks' }
  | { readonly type: 'disconnect' }
  | { readonly type: 'invalid'; readonly why: string };

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Parses `{type:"playAudio", data:{audioContent, audioContentType:"raw"|"wav", sampleRate}}`. */
function playAudio(data: unknown, decodeWav: (buf: Buffer) => { samples: Int16Array; sampleRate: number }): ServerMessage {
  if (!isObject(data) || typeof data.audioContent !== 'string') return { type: 'invalid', why: 'playAudio without data.audioContent' };
  const bytes = Buffer.from(data.audioContent, 'base64');
  const kind = data.audioContentType;
  if (kind === 'wav' || kind === 'wave') {
    try {
      const w = decodeWav(bytes);
      return { type: 'playAudio', audio: w.samples, sampleRate: w.sampleRate, id: data.id };
    } catch (e) {
      return { type: 'invalid', why: `playAudio: bad wav (${e instanceof Error ? e.message : String(e)})` };
    }
  }
  if (kind !== 'raw') return { type: 'invalid', why: `playAudio: unsupported audioContentType ${JSON.stringify(kind)}` };
  // mod_audio_fork: a raw clip without a known rate is taken as 16 kHz.
  const rate = typeof data.sampleRate === 'number' && [8000, 16000, 24000, 32000, 48000, 64000].includes(data.sampleRate) ? data.sampleRate : 16000;
  return { type: 'playAudio', audio: fromL16le(bytes), sampleRate: rate, id: data.id };
}

/** One text message of the server; anything unknown or malformed is `invalid` (logged, ignored). */
export function parseServerMessage(text: string, decodeWav: (buf: Buffer) => { samples: Int16Array; sampleRate: number }): ServerMessage {
  let m: unknown;
  try {
    m = JSON.parse(text);
  } catch {
    return { type: 'invalid', why: 'not JSON' };
  }
  if (!isObject(m) || typeof m.type !== 'string') return { type: 'invalid', why: 'no type' };
  switch (m.type) {
    case 'playAudio':
      return playAudio(m.data, decodeWav);
    case 'killAudio':
    case 'clearMarks':
    case 'disconnect':
      return { type: m.type };
    case 'mark': {
      const name = isObject(m.data) ? m.data.name : undefined;
      return typeof name === 'string' && name !== '' ? { type: 'mark', name } : { type: 'invalid', why: 'mark without data.name' };
    }
    default:
      return { type: 'invalid', why: `unsupported type ${JSON.stringify(m.type).slice(0, 40)}` };
  }
}
