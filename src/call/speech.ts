/**
 * A call's speech (issue 14): cloud TTS played as it streams in, and recognition of what the
 * caller says. The vendors are reached through the SpeechService; this file connects it to the
 * call's media, timeline and alerts.
 */
import type { Clock, TimerHandle } from '../kernel/clock.js';
import type { Logger } from '../kernel/logger.js';
import { EnergyVad, lazyPcmSource, PcmReader, type AudioSource, type MediaSession } from '../media/index.js';
import { StreamingRateConverter, type RecognitionEvent, type SpeechFailure, type SpeechService, type TtsCache, type TtsRegistry } from '../speech/index.js';
import type { RecognitionHandle, RecognitionUpdate, RecognizerRequest, SynthesizerSpec } from './control.js';
import { TtsStreamSource } from './speech-tts.js';
import type { Timeline } from './timeline.js';

export interface CallSpeechDeps {
  readonly speech: SpeechService;
  readonly ttsCache?: TtsCache;
  readonly clock: Clock;
  readonly logger: Logger;
}

export interface CallSpeechHost {
  readonly accountSid: string;
  readonly timeline: Timeline;
  alert(alertType: string, message: string): void;
}

/** `no-tts` / `no-stt` when nothing could be tried (no adapter, no credential), else `*-failure` (contract: Alerts). */
export function speechAlertType(f: SpeechFailure): string {
  const missing = f.error.code === 'SPEECH_NO_CREDENTIAL' || f.error.code === 'SPEECH_UNKNOWN_VENDOR';
  return missing ? `no-${f.use}` : `${f.use}-failure`;
}

/** The alert for one failure: the vendor's message, never a secret (adapters keep them out). */
export function alertFailure(host: CallSpeechHost, f: SpeechFailure): void {
  const then = f.fallingBack ? '; trying the fallback vendor' : '';
  host.timeline.add(`${f.use}-failure`, { vendor: f.vendor, code: f.error.code, ...(f.error.status ? { status: f.error.status } : {}) });
  host.alert(speechAlertType(f), `${f.use.toUpperCase()} vendor ${f.vendor} failed (${f.error.code}): ${f.error.message}${then}`);
}

/**
 * The source of a cloud `say`: the cache when it holds the prompt (and may be used), else the
 * vendor's stream. `after` writes the cache entry once the prompt played to its end.
 */
export function cloudSaySource(deps: CallSpeechDeps, host: CallSpeechHost, text: string, synth: SynthesizerSpec): { source: AudioSource; after(finished: boolean): void } {
  const useCache = deps.ttsCache !== undefined && synth.disableTtsCache !== true;
  const key = { text, voice: synth.voice, language: synth.language };
  const started = deps.clock.now();
  let selfCached = false;
  let vendor = synth.vendor;
  const stream = new TtsStreamSource({
    description: `say:${synth.vendor}`,
    logger: deps.logger,
    onBroken: (f) => alertFailure(host, f),
    onFirstAudio: (s) => {
      selfCached = s.selfCached;
      vendor = s.vendor;
      host.timeline.add('tts', { vendor: s.vendor, first_audio_ms: s.firstAudioMs, cached: false, characters: text.length });
    },
    open: (signal) => deps.speech.synthesize(host.accountSid, { ...synth, raw: synth.raw ?? {} }, text, (f) => alertFailure(host, f), signal),
    // A primary that breaks mid-prompt hands over to the fallback vendor, which speaks the prompt again.
    fallback: synth.fallbackVendor === undefined ? undefined : async (broken, signal) => {
      if (broken.toLowerCase() !== synth.vendor.toLowerCase() || synth.fallbackVendor === undefined) return undefined;
      const spec = { vendor: synth.fallbackVendor, language: synth.fallbackLanguage ?? synth.language, voice: synth.fallbackVoice, label: synth.fallbackLabel, raw: synth.raw ?? {} };
      const s = await deps.speech.synthesize(host.accountSid, spec, text, (f) => alertFailure(host, f), signal);
      host.timeline.add('tts', { vendor: s.vendor, first_audio_ms: s.firstAudioMs, cached: false, characters: text.length, fallback_after: broken });
      return s;
    },
  });
  const source: AudioSource = {
    description: stream.description,
    open: async (signal) => {
      const hit = useCache ? await deps.ttsCache?.get(synth.vendor, key) : null;
      if (!hit) return stream.open(signal);
      host.timeline.add('tts', { vendor: synth.vendor, first_audio_ms: deps.clock.now() - started, cached: true, characters: text.length });
      return new PcmReader(hit);
    },
  };
  const after = (finished: boolean): void => {
    const all = finished && useCache && !selfCached ? stream.collected() : undefined;
    // Entries are keyed by the vendor that spoke (a fallback's audio is not the primary's voice).
    if (all && all.length > 0 && vendor === synth.vendor) deps.ttsCache?.put(synth.vendor, key, all);
  };
  return { source, after };
}

/** A local voice (espeak): synthesised whole when the playback opens, cached by the registry itself. */
export function localSaySource(tts: TtsRegistry, timeline: Timeline, text: string, synth: SynthesizerSpec): AudioSource {
  return lazyPcmSource(`say:${synth.vendor}`, async (s) => {
    const r = await tts.synthesize(synth.vendor, { text, voice: synth.voice, language: synth.language }, s);
    timeline.add('tts', { vendor: r.vendor, first_audio_ms: r.firstAudioMs, cached: r.cached, characters: text.length });
    return r;
  });
}

const SILENT_FRAME = new Int16Array(160);
const FILL_TICK_MS = 100;

/**
 * While no RTP arrives (silence suppression, a peer that sends nothing, a gap) the recognizer
 * still hears time pass: every 100 ms the missing 20 ms frames are written as silence, as a
 * media server's read loop would, so vendors see the end of an utterance.
 */
function fillSilence(clock: Clock, lastAudio: () => number, write: (ms: number) => void): () => void {
  let timer: TimerHandle | undefined;
  let stopped = false;
  const tick = (): void => {
    if (stopped) return;
    for (let n = 0; n < FILL_TICK_MS / 20 && clock.now() - lastAudio() >= 40; n++) write(20);
    timer = clock.setTimer(FILL_TICK_MS, tick);
  };
  timer = clock.setTimer(FILL_TICK_MS, tick);
  return () => {
    stopped = true;
    timer?.cancel();
  };
}

function toUpdate(e: RecognitionEvent): RecognitionUpdate {
  switch (e.type) {
    case 'transcript':
      return { type: 'transcript', vendor: e.vendor, isFinal: e.isFinal, alternatives: e.alternatives, language: e.language, channel: e.channel, vendorEvent: e.vendorEvent };
    case 'error':
      return { type: 'failed', vendor: e.vendor, code: e.error.code, message: e.error.message };
    default:
      return { type: e.type, vendor: e.vendor };
  }
}

/**
 * Recognition on the call's received audio: each frame (8 kHz from the codec) is copied,
 * resampled to the request's rate and written to the vendor session, which never blocks
 * (it queues while connecting, bounded). Our VAD reports the caller's speech onset.
 */
export function recognizeOnMedia(
  deps: CallSpeechDeps, host: CallSpeechHost, media: MediaSession, req: RecognizerRequest, onUpdate: (u: RecognitionUpdate) => void, signal: AbortSignal,
): RecognitionHandle {
  const ctl = new AbortController();
  const stopAll = (): void => ctl.abort();
  const rate = req.sampleRate ?? 8000;
  const spec = { vendor: req.vendor, language: req.language, label: req.label, fallbackVendor: req.fallbackVendor, fallbackLanguage: req.fallbackLanguage, fallbackLabel: req.fallbackLabel, raw: req.raw };
  const session = deps.speech.recognize(
    host.accountSid,
    { spec, sampleRate: rate, interim: req.interim, hints: req.hints ?? [], hintsBoost: req.hintsBoost, altLanguages: req.altLanguages },
    (e) => {
      if (!ctl.signal.aborted) onUpdate(toUpdate(e));
      if (e.type === 'error') stopAll();
    },
    (f) => alertFailure(host, f),
    ctl.signal,
  );
  const up = rate === 8000 ? undefined : new StreamingRateConverter(8000, rate);
  const vad = req.vad ? new EnergyVad() : undefined;
  let lastAudio = deps.clock.now();
  const feed = (frame: Int16Array): void => {
    session.write(up ? up.push(frame) : frame.slice());
    const v = vad?.push(frame, deps.clock.now());
    if (v?.type === 'speech-start' && !ctl.signal.aborted) onUpdate({ type: 'onset', atMs: v.atMs });
  };
  const offAudio = media.onAudio((pcm, info) => {
    lastAudio = deps.clock.now();
    feed(pcm.subarray(0, info.samples));
  });
  const stopFill = fillSilence(deps.clock, () => lastAudio, (ms) => {
    lastAudio += ms;
    feed(SILENT_FRAME);
  });
  const started = deps.clock.now();
  host.timeline.add('stt-started', { vendor: req.vendor, language: req.language, sample_rate: rate });
  ctl.signal.addEventListener('abort', () => {
    offAudio();
    stopFill();
    session.close();
    signal.removeEventListener('abort', stopAll);
    host.timeline.add('stt-stopped', { vendor: session.vendor, ms: deps.clock.now() - started, connect_ms: session.connectMs, dropped_frames: session.dropped });
  }, { once: true });
  if (signal.aborted) stopAll();
  else signal.addEventListener('abort', stopAll, { once: true });
  return {
    get vendor() {
      return session.vendor;
    },
    finalize: () => session.finalize(),
    stop: stopAll,
  };
}
