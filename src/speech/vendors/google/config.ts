/**
 * The v1 `StreamingRecognitionConfig` for a request: the audio format, the common recognizer
 * fields of the jambonz verb specification and `recognizer.googleOptions` where v1 has a field
 * for them (jambonz's google mapping).
 */
import type { protos } from '@google-cloud/speech';
import type { RecognizeRequest } from '../../vendor.js';

type StreamingConfig = protos.google.cloud.speech.v1.IStreamingRecognitionConfig;
type RecognitionConfig = protos.google.cloud.speech.v1.IRecognitionConfig;
type Options = Readonly<Record<string, unknown>>;
type InteractionType = keyof typeof protos.google.cloud.speech.v1.RecognitionMetadata.InteractionType;

/** Google takes up to 3 alternative languages. */
const MAX_ALT_LANGUAGES = 3;

const INTERACTION: Readonly<Record<string, InteractionType>> = {
  unspecified: 'INTERACTION_TYPE_UNSPECIFIED',
  discussion: 'DISCUSSION',
  presentation: 'PRESENTATION',
  phone_call: 'PHONE_CALL',
  voicemail: 'VOICEMAIL',
  voice_search: 'VOICE_SEARCH',
  voice_command: 'VOICE_COMMAND',
  dictation: 'DICTATION',
};

function googleOptions(r: Options): Options {
  const o = r.googleOptions;
  return o !== null && typeof o === 'object' ? (o as Options) : {};
}

const num = (v: unknown): number | undefined => (typeof v === 'number' && Number.isFinite(v) ? v : undefined);

function duration(ms: number): { seconds: number; nanos: number } {
  const seconds = Math.floor(ms / 1000);
  return { seconds, nanos: Math.round((ms - seconds * 1000) * 1e6) };
}

function altLanguages(req: RecognizeRequest): string[] {
  const alt = (req.altLanguages ?? []).filter((l) => typeof l === 'string' && l !== '' && l !== req.language);
  return [...new Set(alt)].slice(0, MAX_ALT_LANGUAGES);
}

function speechContexts(req: RecognizeRequest): RecognitionConfig['speechContexts'] {
  const phrases = req.hints.map((h) => h.trim()).filter((h) => h !== '');
  if (phrases.length === 0) return undefined;
  const boost = num(req.hintsBoost);
  return [{ phrases, ...(boost !== undefined ? { boost } : {}) }];
}

function metadata(r: Options): RecognitionConfig['metadata'] {
  const interaction = typeof r.interactionType === 'string' ? INTERACTION[r.interactionType] : undefined;
  const naics = num(r.naicsCode);
  if (interaction === undefined && naics === undefined) return undefined;
  return { ...(interaction ? { interactionType: interaction } : {}), ...(naics !== undefined ? { industryNaicsCodeOfAudio: naics } : {}) };
}

function diarization(r: Options): RecognitionConfig['diarizationConfig'] {
  if (r.diarization !== true) return undefined;
  const min = num(r.diarizationMinSpeakers);
  const max = num(r.diarizationMaxSpeakers);
  return { enableSpeakerDiarization: true, ...(min !== undefined ? { minSpeakerCount: min } : {}), ...(max !== undefined ? { maxSpeakerCount: max } : {}) };
}

/** `googleOptions.transcriptNormalization`: `[{search, replace, caseSensitive}]`. */
function normalization(g: Options): RecognitionConfig['transcriptNormalization'] {
  const list = g.transcriptNormalization;
  if (!Array.isArray(list)) return undefined;
  const entries = list
    .filter((e): e is Options => e !== null && typeof e === 'object' && typeof (e as Options).search === 'string')
    .map((e) => ({ search: String(e.search), replace: typeof e.replace === 'string' ? e.replace : '', caseSensitive: e.caseSensitive === true }));
  return entries.length > 0 ? { entries } : undefined;
}

function recognitionConfig(req: RecognizeRequest): RecognitionConfig {
  const r = req.recognizer;
  const g = googleOptions(r);
  const cfg: RecognitionConfig = {
    encoding: 'LINEAR16',
    sampleRateHertz: req.sampleRate,
    audioChannelCount: 1,
    languageCode: req.language,
    profanityFilter: r.profanityFilter === true,
    enableAutomaticPunctuation: r.punctuation === true,
    enableWordTimeOffsets: r.words === true,
    useEnhanced: r.enhancedModel === true,
  };
  const alt = altLanguages(req);
  if (alt.length > 0) cfg.alternativeLanguageCodes = alt;
  if (typeof r.model === 'string' && r.model !== '') cfg.model = r.model;
  const contexts = speechContexts(req);
  if (contexts) cfg.speechContexts = contexts;
  const meta = metadata(r);
  if (meta) cfg.metadata = meta;
  const diar = diarization(r);
  if (diar) cfg.diarizationConfig = diar;
  const norm = normalization(g);
  if (norm) cfg.transcriptNormalization = norm;
  return cfg;
}

/** The first message of a StreamingRecognize call. */
export function streamingConfig(req: RecognizeRequest): StreamingConfig {
  const g = googleOptions(req.recognizer);
  const out: StreamingConfig = {
    config: recognitionConfig(req),
    interimResults: req.interim,
    singleUtterance: req.recognizer.singleUtterance === true,
    // On unless turned off: SPEECH_ACTIVITY_BEGIN is what becomes `speech-start`.
    enableVoiceActivityEvents: g.enableVoiceActivityEvents !== false,
  };
  const start = num(g.speechStartTimeoutMs);
  const end = num(g.speechEndTimeoutMs);
  if ((start !== undefined && start > 0) || (end !== undefined && end > 0)) {
    out.voiceActivityTimeout = {
      ...(start !== undefined && start > 0 ? { speechStartTimeout: duration(start) } : {}),
      ...(end !== undefined && end > 0 ? { speechEndTimeout: duration(end) } : {}),
    };
  }
  return out;
}
