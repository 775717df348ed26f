import type { RecognitionHandle, RecognizerRequest } from '../../call/control.js';
import { aborted, linkedController } from '../abort.js';
import { VerbValidationError } from '../errors.js';
import { arr, hookSchema, LIMITS, num, opt, str, type ObjectSchema } from '../schema.js';
import { fromSpec, specProperty } from '../spec.js';
import { alertTypeFor } from '../interpreter.js';
import { defineVerb, type VerbContext } from '../types.js';
import type { HookSpec } from '../webhook/hook.js';
import { DigitCollector, type DigitResult } from './digit-collector.js';
import { describe, ensureMedia } from './media.js';
import { SpeechCollector, type SpeechPayload, type SpeechResult } from './speech-collector.js';
import { playSchema, playUrls, type PlayProps } from './play.js';
import { recognizerSchema } from './recognizer.js';
import { saySchema, speak, type SayProps } from './say.js';

export interface GatherProps {
  readonly input?: readonly ('digits' | 'speech')[];
  readonly actionHook?: HookSpec;
  readonly timeout?: number;
  readonly numDigits?: number;
  readonly minDigits?: number;
  readonly maxDigits?: number;
  readonly finishOnKey?: string;
  readonly interDigitTimeout?: number;
  readonly dtmfBargein?: boolean;
  readonly listenDuringPrompt?: boolean;
  readonly say?: SayProps;
  readonly play?: PlayProps;
  readonly recognizer?: Readonly<Record<string, unknown>>;
  readonly bargein?: boolean;
  readonly minBargeinWordCount?: number;
  readonly partialResultHook?: HookSpec;
  readonly speechTimeout?: number;
}

/**
 * The specification's `gather` (`fillerNoise`, `actionHookDelayAction` … as it types them), with
 * our bounds and the nested say/play/recognizer schemas; `vad` is ours (typed as `config.vad`).
 */
export const gatherSchema: ObjectSchema = fromSpec('gather', {
  input: opt(arr(str({ enum: ['digits', 'speech'] }))),
  actionHook: opt(hookSchema()),
  timeout: opt(num({ min: 0, max: LIMITS.waitSeconds })),
  numDigits: opt(num({ min: 1, integer: true })),
  minDigits: opt(num({ min: 1, integer: true })),
  maxDigits: opt(num({ min: 1, integer: true })),
  interDigitTimeout: opt(num({ min: 0, max: LIMITS.waitSeconds })),
  minBargeinWordCount: opt(num({ min: 0 })),
  say: opt(saySchema),
  play: opt(playSchema),
  recognizer: opt(recognizerSchema),
  partialResultHook: opt(hookSchema()),
  speechTimeout: opt(num({ min: 0, max: LIMITS.waitSeconds })),
  vad: opt(specProperty('config', 'vad')),
});

async function prompt(ctx: VerbContext, p: GatherProps, signal: AbortSignal): Promise<void> {
  if (p.say) await speak(ctx, p.say, signal);
  else if (p.play) await playUrls(ctx, p.play, signal);
}

export type GatherResult = DigitResult | SpeechResult;

/** The recognizer a gather listens with: its own over the session default (contract §4.3). */
export function gatherRecognizer(ctx: VerbContext, p: GatherProps): RecognizerRequest {
  const own = p.recognizer ?? {};
  const r: Readonly<Record<string, unknown>> = { ...ctx.session.recognizer, ...own };
  const str = (k: string): string | undefined => (typeof r[k] === 'string' ? (r[k] as string) : undefined);
  const hints = Array.isArray(r.hints)
    ? r.hints.flatMap((h: unknown) => (typeof h === 'string' ? [h] : typeof (h as { phrase?: unknown })?.phrase === 'string' ? [(h as { phrase: string }).phrase] : []))
    : [];
  return {
    vendor: str('vendor') ?? ctx.session.recognizer.vendor,
    language: str('language'),
    label: str('label'),
    fallbackVendor: str('fallbackVendor'),
    fallbackLanguage: str('fallbackLanguage'),
    fallbackLabel: str('fallbackLabel'),
    altLanguages: Array.isArray(r.altLanguages) ? r.altLanguages.filter((l): l is string => typeof l === 'string') : undefined,
    hints,
    hintsBoost: typeof r.hintsBoost === 'number' ? r.hintsBoost : undefined,
    interim: p.partialResultHook !== undefined || (p.bargein === true && (p.minBargeinWordCount ?? 1) > 1) || r.interim === true,
    vad: p.bargein === true,
    raw: r,
  };
}

/** Interim transcripts to partialResultHook; the response is ignored (contract §4.3). */
function partialSender(ctx: VerbContext, hook: HookSpec | undefined): (speech: SpeechPayload) => void {
  return (speech) => {
    if (!hook) return;
    ctx.actionHook(hook, { speech }).catch((e: unknown) => ctx.call.alert(alertTypeFor(e), `gather partialResultHook: ${describe(e)}`));
  };
}

/**
 * One gather: DTMF (DigitCollector) and speech (SpeechCollector) while (if `listenDuringPrompt`)
 * and after the prompt; the first result wins. `dtmfBargein` and `bargein` stop the prompt; the
 * first digit stops the recognizer (contract §4.3: DTMF takes priority).
 */
class GatherRun {
  readonly promptCtl: { readonly controller: AbortController; dispose(): void };
  readonly speechCtl: { readonly controller: AbortController; dispose(): void };
  readonly digits: DigitCollector;
  readonly speech: SpeechCollector;
  readonly result: Promise<GatherResult>;
  #resolve!: (r: GatherResult) => void;
  #offDtmf: (() => void) | undefined;
  #recognition: RecognitionHandle | undefined;
  readonly digitsOn: boolean;
  readonly speechOn: boolean;

  /** `onBargein`: the caller's speech onset (with `bargein`), e.g. to stop a prompt this gather does not own. */
  constructor(private readonly ctx: VerbContext, private readonly p: GatherProps, signal: AbortSignal, private readonly onBargein?: () => void) {
    const input = p.input ?? ['digits'];
    this.digitsOn = input.includes('digits');
    this.speechOn = input.includes('speech');
    this.promptCtl = linkedController(signal);
    this.speechCtl = linkedController(signal);
    this.result = new Promise<GatherResult>((resolve) => { this.#resolve = resolve; });
    this.digits = new DigitCollector(
      ctx.clock,
      { ...p, timeoutMs: (p.timeout ?? 15) * 1000, interDigitTimeoutMs: p.interDigitTimeout === undefined ? undefined : p.interDigitTimeout * 1000 },
      (r) => this.#finish(r),
    );
    const rec = p.recognizer ?? {};
    const num = (k: string): number | undefined => (typeof rec[k] === 'number' ? (rec[k] as number) : undefined);
    const asrTimeout = num('asrTimeout');
    this.speech = new SpeechCollector(ctx.clock, {
      language: String(rec.language ?? ctx.session.recognizer.language ?? 'en-US'),
      minConfidence: num('minConfidence'),
      asrTimeoutMs: asrTimeout ? asrTimeout * 1000 : undefined,
      asrDtmfTerminationDigit: typeof rec.asrDtmfTerminationDigit === 'string' ? rec.asrDtmfTerminationDigit : undefined,
      speechTimeoutMs: p.speechTimeout ? p.speechTimeout * 1000 : undefined,
      bargein: p.bargein === true,
      minBargeinWordCount: p.minBargeinWordCount ?? 1,
    }, {
      done: (r) => this.#finish(r),
      bargein: () => {
        this.promptCtl.controller.abort();
        this.onBargein?.();
      },
      partial: partialSender(ctx, p.partialResultHook),
      activity: () => this.digits.touch(),
      finalize: () => this.#recognition?.finalize(),
    });
  }

  /** Starts listening: DTMF and/or the recognizer. */
  listen(): void {
    if (this.digitsOn && !this.#offDtmf) this.#offDtmf = this.ctx.call.onDtmf((d) => this.#digit(d));
    if (this.speechOn && !this.#recognition && !this.speechCtl.controller.signal.aborted) this.#startSpeech();
  }

  #startSpeech(): void {
    const call = this.ctx.call;
    if (!call.recognize) {
      const vendor = String(this.p.recognizer?.vendor ?? this.ctx.session.recognizer.vendor);
      call.alert('no-stt', `gather: speech input needs a speech recognizer (vendor "${vendor}") and this call has none; no speech will be detected`);
      this.speechCtl.controller.abort();
      return;
    }
    try {
      this.#recognition = call.recognize(gatherRecognizer(this.ctx, this.p), (u) => this.speech.update(u), this.speechCtl.controller.signal);
    } catch (e) {
      this.speech.update({ type: 'failed', vendor: String(this.p.recognizer?.vendor ?? this.ctx.session.recognizer.vendor), code: 'STT_UNAVAILABLE', message: describe(e) });
    }
  }

  #digit(d: string): void {
    if (this.speech.dtmf(d)) return;
    if (this.p.dtmfBargein ?? true) this.promptCtl.controller.abort();
    // DTMF takes priority: the first digit stops the recognizer (contract §4.3).
    if (!this.speech.done) {
      this.speech.stop();
      this.speechCtl.controller.abort();
    }
    this.digits.digit(d);
  }

  #finish(r: GatherResult): void {
    this.promptCtl.controller.abort();
    this.speechCtl.controller.abort();
    this.#resolve(r);
  }

  /** Releases everything; the gather is over (result or killed). */
  close(): void {
    this.#offDtmf?.();
    if (!this.digits.done) this.digits.stop();
    if (!this.speech.done) this.speech.stop();
    this.speechCtl.controller.abort();
    this.promptCtl.dispose();
    this.speechCtl.dispose();
  }
}

/**
 * Collects DTMF and speech while (if `listenDuringPrompt`) and after the prompt plays. Posts
 * `dtmfDetected` + `digits`, `speechDetected` / `stt-low-confidence` + `speech`, `error` +
 * `details`, or `timeout` to the actionHook; posts nothing when killed (contract §4.3).
 */
async function collect(ctx: VerbContext, p: GatherProps, signal: AbortSignal): Promise<GatherResult | undefined> {
  await ensureMedia(ctx, false);
  const hasPrompt = p.say !== undefined || p.play !== undefined;
  const run = new GatherRun(ctx, p, signal);
  try {
    if (p.listenDuringPrompt ?? hasPrompt) run.listen();
    await prompt(ctx, p, run.promptCtl.controller.signal);
    if (signal.aborted) return undefined;
    run.listen();
    run.digits.start();
    const speechLive = run.speechOn && !run.speechCtl.controller.signal.aborted;
    if (!run.digitsOn && !speechLive && (p.timeout ?? 15) <= 0) return { reason: 'timeout' };
    return await Promise.race([run.result, aborted(signal).then(() => undefined)]);
  } finally {
    run.close();
  }
}

/** The actionHook fields of a result (contract §4.3). */
function resultFields(r: GatherResult): Record<string, unknown> {
  switch (r.reason) {
    case 'dtmfDetected':
      return { reason: r.reason, digits: r.digits };
    case 'speechDetected':
    case 'stt-low-confidence':
      return { reason: r.reason, speech: r.speech };
    case 'error':
      return { reason: r.reason, details: r.details };
    default:
      return { reason: r.reason };
  }
}

/** `config.bargeIn` (contract §4.2): a gather in the background with its own actionHook. */
export interface BargeInProps extends GatherProps {
  readonly enable?: boolean;
  readonly sticky?: boolean;
}

/**
 * Runs a background gather (no prompt, no main timer) while the application goes on; its result
 * goes to `actionHook`, whose verbs replace the application. With `sticky` it listens again
 * afterwards. Returns a function that stops it; it also stops at hang-up.
 */
export function startBackgroundGather(ctx: VerbContext, b: BargeInProps): () => void {
  const ctl = linkedController(ctx.call.endedSignal);
  // The caller's speech onset stops the foreground prompt (whatever verb plays it); the actionHook's verbs then replace the app.
  const props: GatherProps = { ...b, input: b.input ?? ['speech'], bargein: true };
  const once = async (): Promise<boolean> => {
    const run = new GatherRun(ctx, props, ctl.controller.signal, () => ctx.call.interruptPlayback?.());
    let r: GatherResult | undefined;
    try {
      run.listen();
      r = await Promise.race([run.result, aborted(ctl.controller.signal).then(() => undefined)]);
    } finally {
      run.close();
    }
    if (!r || ctl.controller.signal.aborted) return false;
    const verbs = b.actionHook ? await ctx.actionHook(b.actionHook, resultFields(r)) : undefined;
    if (verbs && !ctx.call.endedSignal.aborted) ctx.replaceApplication(verbs);
    return b.sticky === true && !ctl.controller.signal.aborted;
  };
  const loop = async (): Promise<void> => {
    while (await once());
  };
  loop().catch((e: unknown) => ctx.call.alert(alertTypeFor(e), `config.bargeIn actionHook: ${describe(e)}`)).finally(() => ctl.dispose());
  return () => ctl.controller.abort();
}

export const gather = defineVerb<GatherProps>({
  name: 'gather',
  schema: gatherSchema,
  async run(ctx, p, signal) {
    const r = await collect(ctx, p, signal);
    if (!r || signal.aborted || !p.actionHook) return;
    try {
      return { replace: await ctx.actionHook(p.actionHook, resultFields(r)) };
    } catch (e) {
      // Contract §2.3: the status hook hears of it before the application ends the call.
      if (e instanceof VerbValidationError) ctx.call.statusNote?.({ error: 'invalid actionHook response', reason: e.message });
      throw e;
    }
  },
});
