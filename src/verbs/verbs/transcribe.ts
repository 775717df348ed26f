/**
 * `transcribe` (contract §4.2, issue 14): background transcription. The verb starts it and the
 * application goes on; each final transcript (interim ones too with `recognizer.interim`) goes to
 * `transcriptionHook` with the call info and `speech`; replies are ignored. It stops at hang-up,
 * at `PUT /Calls … transcribe_status: "stop"`, at `config.transcribe.enable: false`, or when a
 * later transcribe replaces it; `pause` / `resume` close and reopen the vendor stream.
 */
import type { RecognitionHandle, RecognitionUpdate } from '../../call/control.js';
import { alertTypeFor } from '../interpreter.js';
import { hookSchema, obj, oneOf, opt, num, bool, str, type ObjectSchema } from '../schema.js';
import { defineVerb, type BackgroundTranscription, type VerbContext } from '../types.js';
import type { HookSpec } from '../webhook/hook.js';
import { gatherRecognizer } from './gather.js';
import { describe, ensureMedia } from './media.js';
import { recognizerSchema } from './recognizer.js';
import { payload } from './speech-collector.js';

export interface TranscribeProps {
  readonly transcriptionHook?: HookSpec;
  readonly translationHook?: HookSpec;
  readonly recognizer?: Readonly<Record<string, unknown>>;
  readonly earlyMedia?: boolean;
  readonly channel?: number;
}

export const transcribeSchema: ObjectSchema = obj({
  transcriptionHook: opt(hookSchema()),
  translationHook: opt(hookSchema()),
  recognizer: opt(recognizerSchema),
  earlyMedia: opt(bool()),
  channel: opt(oneOf('a number or a string', num(), str())),
});

/** One background transcription of a call. */
class Transcription implements BackgroundTranscription {
  #handle: RecognitionHandle | undefined;
  #ctl = new AbortController();
  #stopped = false;
  #chain = Promise.resolve();

  constructor(private readonly ctx: VerbContext, private readonly p: TranscribeProps) {}

  get active(): boolean {
    return !this.#stopped && this.#handle !== undefined;
  }

  start(): void {
    const call = this.ctx.call;
    if (this.#stopped || this.#handle || call.endedSignal.aborted) return;
    if (!call.recognize) {
      call.alert('no-stt', 'transcribe: this call cannot run speech recognition');
      this.#stopped = true;
      return;
    }
    this.#ctl = new AbortController();
    const req = { ...gatherRecognizer(this.ctx, { recognizer: this.p.recognizer }), vad: false };
    this.#handle = call.recognize({ ...req, interim: req.raw.interim === true }, (u) => this.#update(u), this.#ctl.signal);
  }

  pause(): void {
    this.#ctl.abort();
    this.#handle = undefined;
  }

  resume(): void {
    this.start();
  }

  stop(): void {
    this.#stopped = true;
    this.pause();
  }

  #update(u: RecognitionUpdate): void {
    if (u.type === 'failed') {
      this.#handle = undefined;
      return;
    }
    if (u.type !== 'transcript' || !this.p.transcriptionHook) return;
    if (!u.isFinal && this.p.recognizer?.interim !== true) return;
    if ((u.alternatives[0]?.transcript ?? '').trim() === '') return;
    const language = String(this.p.recognizer?.language ?? this.ctx.session.recognizer.language ?? 'en-US');
    const channel = typeof this.p.channel === 'number' ? { channel: this.p.channel } : {};
    const hook = this.p.transcriptionHook;
    // In order, one at a time: the application sees the transcripts as they were spoken.
    this.#chain = this.#chain
      .then(() => this.ctx.actionHook(hook, { speech: payload(u, language), ...channel }))
      .then(() => undefined, (e: unknown) => this.ctx.call.alert(alertTypeFor(e), `transcribe transcriptionHook: ${describe(e)}`));
  }
}

/** Starts a background transcription on the session, replacing one already running. */
export function startTranscription(ctx: VerbContext, p: TranscribeProps): void {
  ctx.session.transcription?.stop();
  const t = new Transcription(ctx, p);
  ctx.session.transcription = t;
  t.start();
}

export const transcribe = defineVerb<TranscribeProps>({
  name: 'transcribe',
  schema: transcribeSchema,
  async run(ctx, p) {
    await ensureMedia(ctx, p.earlyMedia);
    startTranscription(ctx, p);
  },
});
