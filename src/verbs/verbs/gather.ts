import { aborted, linkedController } from '../abort.js';
import { VerbValidationError } from '../errors.js';
import { arr, hookSchema, LIMITS, num, opt, str, type ObjectSchema } from '../schema.js';
import { fromSpec, specProperty } from '../spec.js';
import { defineVerb, type VerbContext } from '../types.js';
import type { HookSpec } from '../webhook/hook.js';
import { DigitCollector, type DigitResult } from './digit-collector.js';
import { ensureMedia } from './media.js';
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

/** Speech input is accepted but no recogniser reaches verbs yet: alert once, then behave as silence. */
function warnNoRecognizer(ctx: VerbContext, p: GatherProps): void {
  const vendor = String(p.recognizer?.vendor ?? ctx.session.recognizer.vendor);
  ctx.call.alert('no-stt', `gather: speech input needs a speech recognizer (vendor "${vendor}") and none is configured; no speech will be detected`);
}

/**
 * Collects DTMF while (if `listenDuringPrompt`) and after the prompt plays; `dtmfBargein`
 * stops the prompt at the first digit. Posts `dtmfDetected` + `digits` or `timeout` to the
 * actionHook; posts nothing when killed (contract §4.3).
 */
async function collect(ctx: VerbContext, p: GatherProps, signal: AbortSignal): Promise<DigitResult | undefined> {
  await ensureMedia(ctx, false);
  const input = p.input ?? ['digits'];
  const digitsOn = input.includes('digits');
  if (input.includes('speech')) warnNoRecognizer(ctx, p);
  const hasPrompt = p.say !== undefined || p.play !== undefined;
  const promptCtl = linkedController(signal);
  let finished!: (r: DigitResult) => void;
  const result = new Promise<DigitResult>((resolve) => { finished = resolve; });
  const collector = new DigitCollector(
    ctx.clock,
    { ...p, timeoutMs: (p.timeout ?? 15) * 1000, interDigitTimeoutMs: p.interDigitTimeout === undefined ? undefined : p.interDigitTimeout * 1000 },
    (r) => { promptCtl.controller.abort(); finished(r); },
  );
  const bargein = p.dtmfBargein ?? true;
  const listen = (): (() => void) => ctx.call.onDtmf((d) => {
    if (bargein) promptCtl.controller.abort();
    collector.digit(d);
  });
  let unsubscribe = digitsOn && (p.listenDuringPrompt ?? hasPrompt) ? listen() : undefined;
  try {
    await prompt(ctx, p, promptCtl.controller.signal);
    if (signal.aborted) return undefined;
    if (digitsOn && !unsubscribe) unsubscribe = listen();
    collector.start();
    if (!digitsOn && (p.timeout ?? 15) <= 0) return { reason: 'timeout' };
    return await Promise.race([result, aborted(signal).then(() => undefined)]);
  } finally {
    unsubscribe?.();
    if (!collector.done) collector.stop();
    promptCtl.dispose();
  }
}

export const gather = defineVerb<GatherProps>({
  name: 'gather',
  schema: gatherSchema,
  async run(ctx, p, signal) {
    const r = await collect(ctx, p, signal);
    if (!r || signal.aborted || !p.actionHook) return;
    const fields = r.reason === 'dtmfDetected' ? { reason: r.reason, digits: r.digits } : { reason: r.reason };
    try {
      return { replace: await ctx.actionHook(p.actionHook, fields) };
    } catch (e) {
      // Contract §2.3: the status hook hears of it before the application ends the call.
      if (e instanceof VerbValidationError) ctx.call.statusNote?.({ error: 'invalid actionHook response', reason: e.message });
      throw e;
    }
  },
});
