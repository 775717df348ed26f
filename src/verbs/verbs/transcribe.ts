/**
 * `transcribe` (contract §4.2, issue 14): background transcription. The verb starts it and the
 * application goes on; each final transcript (interim ones too with `recognizer.interim`) goes to
 * `transcriptionHook` with the call info and `speech`; replies are ignored. It stops at hang-up,
 * at `PUT /Calls … transcribe_status: "stop"`, at `config.transcribe.enable: false`, or when a
 * later transcribe replaces it; `pause` / `resume` close and reopen the vendor stream.
 */
import type { CallControl, RecognitionHandle, RecognitionUpdate } from '../../call/control.js';
import { alertTypeFor } from '../interpreter.js';
import { defineVerb, type BackgroundTranscription, type VerbContext } from '../types.js';
import type { HookSpec } from '../webhook/hook.js';
import { gatherRecognizer } from './gather.js';
import { describe, ensureMedia } from './media.js';
import { payload } from './speech-collector.js';
import { transcribeSchema } from './transcribe-schema.js';

export { transcribeSchema };

export interface TranscribeProps {
  readonly transcriptionHook?: HookSpec;
  readonly translationHook?: HookSpec;
  readonly recognizer?: Readonly<Record<string, unknown>>;
  readonly earlyMedia?: boolean;
  readonly channel?: number;
}

/** Whose audio is transcribed: the call (channel 1) or, under `dial`, the bridged leg (channel 2). */
interface Source {
  readonly call: CallControl;
  /** `channel_tag` of the speech this source produces. */
  readonly channel: number;
}

/** One background transcription of a call (or of a dialed leg); hooks go out with the call's info. */
class Transcription implements BackgroundTranscription {
  #handle: RecognitionHandle | undefined;
  #ctl = new AbortController();
  #stopped = false;
  #chain = Promise.resolve();
  readonly #source: Source;

  constructor(private readonly ctx: VerbContext, private readonly p: TranscribeProps, source?: Source) {
    this.#source = source ?? { call: ctx.call, channel: 1 };
  }

  get active(): boolean {
    return !this.#stopped && this.#handle !== undefined;
  }

  start(): void {
    const call = this.#source.call;
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
    const hook = this.p.transcriptionHook;
    const speech = { ...payload(u, language), channel_tag: this.#source.channel };
    // In order, one at a time: the application sees the transcripts as they were spoken.
    this.#chain = this.#chain
      .then(() => this.ctx.actionHook(hook, { speech }))
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

/**
 * `dial.transcribe` (contract §4.4): both sides of the bridge, each its own recognizer — the
 * caller as channel 1, the dialed leg as channel 2 — until `stop` (the bridge ended).
 */
export function transcribeBridge(ctx: VerbContext, p: TranscribeProps, leg: CallControl | undefined): () => void {
  const sides = [new Transcription(ctx, p, { call: ctx.call, channel: 1 })];
  if (leg) sides.push(new Transcription(ctx, p, { call: leg, channel: 2 }));
  else ctx.call.alert('no-stt', 'dial.transcribe: the dialed leg cannot run speech recognition; only the caller is transcribed');
  for (const t of sides) t.start();
  return () => {
    for (const t of sides) t.stop();
  };
}

export const transcribe = defineVerb<TranscribeProps>({
  name: 'transcribe',
  schema: transcribeSchema,
  async run(ctx, p) {
    await ensureMedia(ctx, p.earlyMedia);
    startTranscription(ctx, p);
  },
});
