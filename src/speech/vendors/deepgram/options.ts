/**
 * Deepgram endpoints and the `/v1/listen` query, from a request and its credential.
 *
 * Sources (facts only): Deepgram's API reference "Live Audio" (`GET /v1/listen`: `model`,
 * `language`, `encoding`, `sample_rate`, `channels`, `interim_results`, `punctuate`,
 * `smart_format`, `profanity_filter`, `redact`, `diarize`, `numerals`, `search`, `replace`,
 * `keywords`, `keyterm`, `endpointing`, `utterance_end_ms`, `vad_events`, `tag` …) and "Text to
 * Speech" (`POST /v1/speak?model=&encoding=&sample_rate=&container=`); jambonz's mapping of
 * `recognizer.deepgramOptions` (feature server `lib/utils/transcription-utils.js`) and of the
 * credential's `deepgram_stt_uri` / `deepgram_stt_use_tls` / `deepgram_tts_uri` (issue 14:
 * `host[:port]` without a scheme, TLS flag picks wss/ws and https/http, vendor path appended).
 */
import type { RecognizeRequest, SpeechCredential, SynthesizeRequest } from '../../vendor.js';

export const DEEPGRAM_HOST = 'api.deepgram.com';
/** Aura's first English voice, used when a `say` names none. */
export const DEEPGRAM_DEFAULT_VOICE = 'aura-asteria-en';

type Options = Readonly<Record<string, unknown>>;

function obj(v: unknown): Options {
  return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Options) : {};
}
function str(o: Options, k: string): string | undefined {
  const v = o[k];
  return typeof v === 'string' && v !== '' ? v : undefined;
}
function num(o: Options, k: string): number | undefined {
  const v = o[k];
  return typeof v === 'number' && Number.isFinite(v) ? v : undefined;
}
function bool(o: Options, k: string): boolean | undefined {
  const v = o[k];
  return typeof v === 'boolean' ? v : undefined;
}
function strings(o: Options, k: string): string[] {
  const v = o[k];
  return Array.isArray(v) ? v.filter((s): s is string => typeof s === 'string' && s.trim() !== '').map((s) => s.trim()) : [];
}
function field(cred: SpeechCredential | undefined, k: string): string | undefined {
  const v = cred?.fields[k];
  return typeof v === 'string' && v.trim() !== '' ? v.trim() : undefined;
}
function flag(cred: SpeechCredential | undefined, k: string): boolean {
  const v = cred?.fields[k];
  return v === true || v === 'true' || v === '1';
}

/** `recognizer.deepgramOptions`, or `{}`. */
export function deepgramOptions(req: RecognizeRequest): Options {
  return obj(req.recognizer.deepgramOptions);
}

/** The API key: `deepgramOptions.apiKey` (set at runtime, as jambonz allows) or the credential's. */
export function apiKeyOf(cred: SpeechCredential | undefined, dg: Options = {}): string | undefined {
  return str(dg, 'apiKey') ?? field(cred, 'api_key');
}

/**
 * The base URL (scheme, host, port) of an on-prem Deepgram, or of Deepgram's cloud.
 * `deepgram_stt_uri` is `host[:port]`; a scheme given anyway is dropped, a path is ignored.
 */
export function deepgramBase(uri: string | undefined, tls: boolean, kind: 'ws' | 'http'): { readonly base: string; readonly onPrem: boolean } {
  if (uri === undefined) return { base: kind === 'ws' ? `wss://${DEEPGRAM_HOST}` : `https://${DEEPGRAM_HOST}`, onPrem: false };
  const hostPort = uri.replace(/^[a-z][a-z0-9+.-]*:\/\//i, '').replace(/\/.*$/, '');
  const scheme = kind === 'ws' ? (tls ? 'wss' : 'ws') : tls ? 'https' : 'http';
  return { base: `${scheme}://${hostPort}`, onPrem: true };
}

/** Deepgram's model when the application names none (jambonz picks phonecall for US English). */
export function defaultModel(language: string): string {
  return /^en(-US)?$/i.test(language) ? 'nova-2-phonecall' : 'nova-2';
}

export interface ListenTarget {
  readonly url: string;
  readonly apiKey: string | undefined;
  readonly onPrem: boolean;
}

/** The `/v1/listen` URL for a request: on-prem or cloud base, query from the request. */
export function listenTarget(req: RecognizeRequest): ListenTarget {
  const dg = deepgramOptions(req);
  const uri = str(dg, 'deepgramSttUri') ?? field(req.credential, 'deepgram_stt_uri');
  const tls = bool(dg, 'deepgramSttUseTls') ?? flag(req.credential, 'deepgram_stt_use_tls');
  const { base, onPrem } = deepgramBase(uri, tls, 'ws');
  return { url: `${base}/v1/listen?${listenQuery(req).toString()}`, apiKey: apiKeyOf(req.credential, dg), onPrem };
}

/** Model, audio format and the common recognizer fields. */
function baseParams(req: RecognizeRequest, dg: Options, q: URLSearchParams): string {
  const model = str(dg, 'customModel') ?? str(dg, 'model') ?? str(req.recognizer, 'model') ?? field(req.credential, 'model_id') ?? defaultModel(req.language);
  q.set('model', model);
  const tier = str(dg, 'tier');
  if (tier) q.set('tier', tier);
  const version = str(dg, 'version');
  if (version) q.set('version', version);
  q.set('language', req.language);
  q.set('encoding', 'linear16');
  q.set('sample_rate', String(req.sampleRate));
  q.set('channels', '1');
  const utteranceEnd = num(dg, 'utteranceEndMs');
  // Deepgram sends UtteranceEnd only with interim results on.
  q.set('interim_results', String(req.interim || utteranceEnd !== undefined));
  // SpeechStarted messages become the `speech-start` event.
  q.set('vad_events', 'true');
  if (utteranceEnd !== undefined) q.set('utterance_end_ms', String(utteranceEnd));
  return model;
}

/** Boolean switches: Deepgram's own option, else the common recognizer field. */
function switches(req: RecognizeRequest, dg: Options, q: URLSearchParams): void {
  const on = (param: string, v: boolean | undefined): void => {
    if (v !== undefined) q.set(param, String(v));
  };
  on('punctuate', bool(dg, 'punctuate') ?? bool(req.recognizer, 'punctuation'));
  on('profanity_filter', bool(dg, 'profanityFilter') ?? bool(req.recognizer, 'profanityFilter'));
  on('smart_format', bool(dg, 'smartFormatting'));
  on('no_delay', bool(dg, 'noDelay'));
  on('diarize', bool(dg, 'diarize') ?? bool(req.recognizer, 'diarization'));
  on('ner', bool(dg, 'ner'));
  on('numerals', bool(dg, 'numerals'));
  on('filler_words', bool(dg, 'fillerWords'));
  on('mip_opt_out', bool(dg, 'mipOptOut'));
}

/** Valued options, lists and hints. */
function values(req: RecognizeRequest, dg: Options, model: string, q: URLSearchParams): void {
  const set = (param: string, v: string | number | undefined): void => {
    if (v !== undefined) q.set(param, String(v));
  };
  set('redact', str(dg, 'redact'));
  set('diarize_version', str(dg, 'diarizeVersion'));
  set('alternatives', num(dg, 'alternatives'));
  set('vad_turnoff', num(dg, 'vadTurnoff'));
  set('tag', str(dg, 'tag'));
  const endpointing = dg.endpointing;
  if (endpointing === false) q.set('endpointing', 'false');
  else if (typeof endpointing === 'number') q.set('endpointing', String(endpointing));
  for (const s of strings(dg, 'search')) q.append('search', s);
  for (const r of strings(dg, 'replace')) q.append('replace', r);
  // Hints: `keywords` (word[:boost]) for Nova-2 and older, `keyterm` for Nova-3, which refuses keywords.
  const keyterms = strings(dg, 'keyterms');
  const keywords = strings(dg, 'keywords');
  const hints = req.hints.map((h) => h.trim()).filter((h) => h !== '');
  if (keyterms.length > 0) for (const k of keyterms) q.append('keyterm', k);
  else if (model.startsWith('nova-3') && keywords.length === 0) for (const h of hints) q.append('keyterm', h);
  if (keywords.length > 0) for (const k of keywords) q.append('keywords', k);
  else if (!model.startsWith('nova-3')) for (const h of hints) q.append('keywords', req.hintsBoost === undefined ? h : `${h}:${req.hintsBoost}`);
}

/** The `/v1/listen` query string of a request. */
export function listenQuery(req: RecognizeRequest): URLSearchParams {
  const dg = deepgramOptions(req);
  const q = new URLSearchParams();
  const model = baseParams(req, dg, q);
  switches(req, dg, q);
  values(req, dg, model, q);
  return q;
}

/** `deepgramOptions.shortUtterance`: each `is_final` result is final (jambonz), not only `speech_final`. */
export function shortUtterance(req: RecognizeRequest): boolean {
  return bool(deepgramOptions(req), 'shortUtterance') === true;
}

/** Output of the synthesizer: L16 at 8 kHz, no container (what the call plays). */
export const SPEAK_SAMPLE_RATE = 8000;

/** The `/v1/speak` URL: `deepgram_tts_uri` (TLS per `deepgram_stt_use_tls`) or the cloud. */
export function speakTarget(req: SynthesizeRequest): { readonly url: string; readonly apiKey: string | undefined } {
  const opts = obj(req.synthesizer.options);
  const uri = str(opts, 'deepgramTtsUri') ?? field(req.credential, 'deepgram_tts_uri');
  const { base } = deepgramBase(uri, flag(req.credential, 'deepgram_stt_use_tls'), 'http');
  const q = new URLSearchParams({
    model: req.voice ?? str(req.synthesizer, 'voice') ?? field(req.credential, 'model_id') ?? DEEPGRAM_DEFAULT_VOICE,
    encoding: 'linear16',
    sample_rate: String(SPEAK_SAMPLE_RATE),
    container: 'none',
  });
  return { url: `${base}/v1/speak?${q.toString()}`, apiKey: str(opts, 'apiKey') ?? field(req.credential, 'api_key') };
}
