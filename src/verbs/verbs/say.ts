import type { SynthesizerSpec } from '../../call/control.js';
import { anyValue, loopSchema, obj, oneOf, opt, req, str, strOrList, type ObjectSchema } from '../schema.js';
import { fromSpec } from '../spec.js';
import { SpeechVendorError } from '../../speech/index.js';
import { defineVerb, type VerbContext } from '../types.js';
import { describe, ensureMedia, loopCount } from './media.js';

export interface SynthesizerProps {
  readonly vendor?: string;
  readonly language?: string;
  readonly voice?: string | Readonly<Record<string, unknown>>;
  readonly label?: string;
  readonly engine?: string;
  readonly gender?: string;
  readonly options?: Readonly<Record<string, unknown>>;
  readonly fallbackVendor?: string;
  readonly fallbackLanguage?: string;
  readonly fallbackVoice?: string | Readonly<Record<string, unknown>>;
  readonly fallbackLabel?: string;
}

const voiceSchema = (): ReturnType<typeof oneOf> => oneOf('a string or an object', str(), obj({}, { test: /.*/, schema: anyValue() }));

/**
 * `synthesizer` as the specification writes it (say, config, gather.say). `vendor` may be left
 * out (the session's vendor applies); a voice is a string or an object, never an array or null.
 */
export const synthesizerSchema: ObjectSchema = fromSpec('synthesizer', {
  vendor: opt(str()),
  voice: opt(voiceSchema()),
  fallbackVoice: opt(voiceSchema()),
});

export interface SayProps {
  readonly text: string | readonly string[];
  readonly synthesizer?: SynthesizerProps;
  readonly loop?: number | 'forever';
  readonly earlyMedia?: boolean;
  readonly disableTtsCache?: boolean;
}

/** The specification's `say`; we require `text` (a say without it has nothing to say). */
export const saySchema: ObjectSchema = fromSpec('say', {
  text: req(strOrList()),
  synthesizer: opt(synthesizerSchema),
  loop: opt(loopSchema()),
});

/**
 * The synthesizer a say uses: its own fields over the session default. A different vendor does
 * not inherit the default's voice (it would name another vendor's voice).
 */
export function effectiveSynthesizer(session: SynthesizerSpec, own: SynthesizerProps | undefined): SynthesizerSpec {
  if (!own) return session;
  const vendor = own.vendor ?? session.vendor;
  const sameVendor = vendor.toLowerCase() === session.vendor.toLowerCase();
  const voice = typeof own.voice === 'string' ? own.voice : sameVendor ? session.voice : undefined;
  const label = own.label ?? (sameVendor ? session.label : undefined);
  const fallbackVendor = own.fallbackVendor ?? (sameVendor ? session.fallbackVendor : undefined);
  const fallback = fallbackVendor === undefined ? {} : {
    fallbackVendor,
    fallbackLanguage: own.fallbackLanguage ?? session.fallbackLanguage,
    fallbackVoice: typeof own.fallbackVoice === 'string' ? own.fallbackVoice : session.fallbackVoice,
    fallbackLabel: own.fallbackLabel ?? session.fallbackLabel,
  };
  const raw = { ...(sameVendor ? session.raw : undefined), ...(own as Readonly<Record<string, unknown>>) };
  return { vendor, language: own.language ?? session.language, voice, label, ...fallback, raw, ...(session.disableTtsCache ? { disableTtsCache: true } : {}) };
}

/**
 * Speaks every text one after another, `loop` times (contract §4.2). Returns when done or when
 * `signal` aborts; a TTS failure becomes a `tts-failure` alert and ends the say.
 */
export async function speak(ctx: VerbContext, p: SayProps, signal: AbortSignal): Promise<void> {
  await ensureMedia(ctx, p.earlyMedia);
  const base = effectiveSynthesizer(ctx.session.synthesizer, p.synthesizer);
  const noCache = p.disableTtsCache ?? ctx.session.extras.get('disableTtsCache') === true;
  const synth: SynthesizerSpec = noCache ? { ...base, disableTtsCache: true } : base;
  const texts = typeof p.text === 'string' ? [p.text] : p.text;
  const rounds = loopCount(p.loop);
  for (let round = 0; round < rounds && !signal.aborted; round++) {
    let playedMs = 0;
    for (const text of texts) {
      if (signal.aborted) return;
      try {
        const r = await ctx.call.say(text, synth, signal);
        if (r.interrupted) return;
        playedMs += r.playbackMs;
      } catch (e) {
        // A vendor failure was alerted by the call, with the vendor's message.
        if (signal.aborted || e instanceof SpeechVendorError) return;
        ctx.call.alert('tts-failure', `say with vendor ${synth.vendor} failed: ${describe(e)}`);
        return;
      }
    }
    // Nothing audible came out: looping again (e.g. "forever") would only spin.
    if (playedMs === 0) return;
  }
}

export const say = defineVerb<SayProps>({
  name: 'say',
  schema: saySchema,
  run: (ctx, p, signal) => speak(ctx, p, signal),
});
