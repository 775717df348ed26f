import { alertTypeFor } from '../interpreter.js';
import { arr, bool, hookSchema, LIMITS, num, obj, oneOf, opt, req, str, type ObjectSchema, type Schema } from '../schema.js';
import { fromSpec, specProperty } from '../spec.js';
import { defineVerb, type RecognizerSpec, type SessionSettings, type VerbContext } from '../types.js';
import type { HookSpec } from '../webhook/hook.js';
import { describe } from './media.js';
import { recognizerSchema } from './recognizer.js';
import { startBackgroundGather, type BargeInProps } from './gather.js';
import { effectiveSynthesizer, synthesizerSchema, type SynthesizerProps } from './say.js';
import { startTranscription, type TranscribeProps } from './transcribe.js';
import { ensureMedia } from './media.js';
import { startBackgroundStream, type ListenProps } from './listen.js';

/**
 * `amd` (contract §3.2, the specification's `amd`), as createCall, `config` and `dial` accept it,
 * plus our own `preset`, `tuning` and `voicemailPhrases` (docs/amd.md; checked in full by
 * `resolveAmdParams`).
 */
export const amdSchema: ObjectSchema = fromSpec('amd', {
  actionHook: req(hookSchema()),
  thresholdWordCount: opt(num({ min: 1, integer: true })),
  digitCount: opt(num({ min: 0, integer: true })),
  recognizer: opt(recognizerSchema),
  timers: opt(
    obj({
      noSpeechTimeoutMs: opt(num({ min: 0, max: LIMITS.detectorMs })),
      decisionTimeoutMs: opt(num({ min: 0, max: LIMITS.detectorMs })),
      toneTimeoutMs: opt(num({ min: 0, max: LIMITS.detectorMs })),
      greetingCompletionTimeoutMs: opt(num({ min: 0, max: LIMITS.detectorMs })),
    }),
  ),
  preset: opt(str({ enum: ['fast', 'balanced', 'conservative'] })),
  tuning: opt(
    obj(
      Object.fromEntries([
        ...[
          'greetingMs', 'afterGreetingSilenceMs', 'minWordMs', 'betweenWordsSilenceMs', 'maxWords', 'maxWordLengthMs', 'onsetDb', 'releaseDb',
          'speechRangeDb', 'greetingRestartDb', 'floorRiseDbPerS', 'beepMinHz', 'beepMaxHz', 'beepMinMs', 'beepMaxMs', 'beepCompletionMs',
        ].map((k) => [k, opt(num({ min: 0, ...(k.endsWith('Ms') ? { max: LIMITS.detectorMs } : {}) }))]),
        ['minSpeechDbfs', opt(num({ min: -120 }))],
        ['detectFax', opt(bool())],
        ['detectSit', opt(bool())],
      ]),
    ),
  ),
  voicemailPhrases: opt(arr(str())),
});

/** A validated `amd` object; the call layer reads the rest (timers, preset, tuning …). */
export interface AmdProps {
  readonly actionHook: HookSpec;
  readonly [key: string]: unknown;
}

/**
 * Where AMD events go (issue 6, contract §3.1): each one to notifyUrl as
 * ANSWERING_MACHINE_DETECTION, and, in order, to `amd.actionHook` as a verb:hook with the call
 * info of `ctx.call` plus the event fields; a verb list in a reply replaces the running
 * application. A failed hook is an alert; the call goes on.
 */
export function amdEventSink(ctx: VerbContext, amd: AmdProps): (event: Readonly<Record<string, unknown>>) => void {
  const call = ctx.call;
  let chain = Promise.resolve();
  return (event) => {
    call.notifyEvent?.('ANSWERING_MACHINE_DETECTION', event);
    chain = chain
      .then(async () => {
        const verbs = await ctx.actionHook(amd.actionHook, event);
        if (verbs && !call.endedSignal.aborted) ctx.replaceApplication(verbs);
      })
      .catch((e: unknown) => call.alert(alertTypeFor(e), `amd actionHook: ${describe(e)}`));
  };
}

/** `config.amd`: AMD on this call from now (or from the answer); it replaces one started before. */
function startConfigAmd(ctx: VerbContext, amd: AmdProps): void {
  const call = ctx.call;
  if (!call.startAmd) {
    call.alert('amd-error', 'this call cannot run answering-machine detection');
    return;
  }
  ctx.session.stopAmd?.();
  ctx.session.stopAmd = undefined;
  try {
    ctx.session.stopAmd = call.startAmd(amd, amdEventSink(ctx, amd));
  } catch (e) {
    call.alert('amd-error', `config.amd: ${describe(e)}`);
  }
}

const resetSchema: Schema = oneOf(
  '"synthesizer", "recognizer" or an array of them',
  str({ enum: ['synthesizer', 'recognizer'] }),
  arr(str({ enum: ['synthesizer', 'recognizer'] })),
);

/** The specification's type of `config.<key>`. */
const spec = (key: string): Schema => specProperty('config', key);

/**
 * Keys other than synthesizer/recognizer/reset: typed as the specification types them and stored
 * on the session for the features that read them (AMD, background gather, recording …).
 * `referHook` and `sipRequestWithinDialogHook` are accepted but not wired to incoming requests
 * yet (src/verbs/unsupported.ts lists them; their first use writes an `unsupported-feature` alert).
 */
const extras: Readonly<Record<string, Schema>> = {
  amd: amdSchema,
  bargeIn: spec('bargeIn'),
  ttsStream: spec('ttsStream'),
  record: spec('record'),
  listen: spec('listen'),
  stream: spec('stream'),
  transcribe: spec('transcribe'),
  fillerNoise: spec('fillerNoise'),
  actionHookDelayAction: spec('actionHookDelayAction'),
  vad: spec('vad'),
  notifyEvents: bool(),
  notifySttLatency: bool(),
  earlyMedia: bool(),
  autoStreamTts: bool(),
  disableTtsCache: bool(),
  trackTtsPlayout: bool(),
  onHoldMusic: str(),
  sipRequestWithinDialogHook: spec('sipRequestWithinDialogHook'),
  referHook: spec('referHook'),
  boostAudioSignal: spec('boostAudioSignal'),
  noiseIsolation: spec('noiseIsolation'),
  turnTaking: spec('turnTaking'),
};

/** The specification's `config`. */
export const configSchema: ObjectSchema = fromSpec('config', {
  synthesizer: opt(synthesizerSchema),
  recognizer: opt(recognizerSchema),
  reset: opt(resetSchema),
  ...Object.fromEntries(Object.entries(extras).map(([k, s]) => [k, opt(s)])),
});

interface ConfigProps {
  readonly synthesizer?: SynthesizerProps;
  readonly recognizer?: Readonly<Record<string, unknown>>;
  readonly reset?: string | readonly string[];
  readonly amd?: AmdProps;
  readonly bargeIn?: BargeInProps;
  readonly transcribe?: TranscribeProps & { readonly enable?: boolean };
  readonly listen?: Partial<ListenProps> & { readonly enable?: boolean };
  readonly stream?: Partial<ListenProps> & { readonly enable?: boolean };
  readonly [key: string]: unknown;
}

/** `config.bargeIn`: enable starts a background gather (replacing one before), disable stops it. */
function configBargeIn(ctx: VerbContext, b: BargeInProps): void {
  ctx.session.stopBargeIn?.();
  ctx.session.stopBargeIn = undefined;
  if (b.enable === false) return;
  ctx.session.stopBargeIn = startBackgroundGather(ctx, b);
}

/** `config.transcribe`: enable starts a background transcription, disable stops the running one. */
function configTranscribe(ctx: VerbContext, t: TranscribeProps & { readonly enable?: boolean }): void {
  if (t.enable === false) {
    ctx.session.transcription?.stop();
    ctx.session.transcription = undefined;
    return;
  }
  startTranscription(ctx, { transcriptionHook: t.transcriptionHook, recognizer: t.recognizer });
}

/**
 * `config.listen` / `config.stream` (issue 15): `enable` starts a background stream (replacing
 * one before), `enable: false` stops it. The URL must be ws(s), as for the listen verb.
 */
async function configListen(ctx: VerbContext, l: Partial<ListenProps> & { readonly enable?: boolean }): Promise<void> {
  ctx.session.stopListen?.();
  ctx.session.stopListen = undefined;
  if (l.enable === false) return;
  if (typeof l.url !== 'string' || !/^wss?:\/\/[^/\s]/i.test(l.url)) {
    ctx.call.alert('verb-failure', 'config.listen: url must be a ws:// or wss:// URL');
    return;
  }
  await ensureMedia(ctx, undefined);
  ctx.session.stopListen = startBackgroundStream(ctx, ctx.call, { ...l, url: l.url });
}

/** Applies a config verb to the session settings (exported for tests and for live control). */
export function applyConfig(session: SessionSettings, p: ConfigProps): void {
  const reset = p.reset === undefined ? [] : typeof p.reset === 'string' ? [p.reset] : p.reset;
  if (reset.includes('synthesizer')) session.synthesizer = session.initial.synthesizer;
  if (reset.includes('recognizer')) session.recognizer = session.initial.recognizer;
  if (p.synthesizer) session.synthesizer = effectiveSynthesizer(session.synthesizer, p.synthesizer);
  if (p.recognizer) {
    const merged: RecognizerSpec = { ...session.recognizer, ...p.recognizer, vendor: String(p.recognizer.vendor ?? session.recognizer.vendor) };
    session.recognizer = merged;
  }
  for (const key of Object.keys(extras)) {
    if (p[key] !== undefined) session.extras.set(key, p[key]);
  }
}

/** Session defaults for TTS/STT and the other session settings (contract §4.2 config). */
export const config = defineVerb<ConfigProps>({
  name: 'config',
  schema: configSchema,
  async run(ctx, p) {
    applyConfig(ctx.session, p);
    if (p.amd) startConfigAmd(ctx, p.amd);
    if (p.bargeIn) configBargeIn(ctx, p.bargeIn);
    if (p.transcribe) configTranscribe(ctx, p.transcribe);
    const listenOpts = p.listen ?? p.stream;
    if (listenOpts) await configListen(ctx, listenOpts);
  },
});
