/**
 * `listen` and its alias `stream` (issue 15; docs.jambonz.org "listen", the feature server's
 * lib/tasks/listen.js): the call's audio goes to a WebSocket server until the server closes or
 * disconnects, `finishOnKey` is pressed, `maxLength` passes, `timeout` seconds of silence pass,
 * or the verb is cancelled; then `actionHook` gets `dial_call_duration` (seconds) and, after
 * finishOnKey, `digits`. The verb blocks while it streams; `config.listen` and `dial.listen` run
 * the same stream in the background (their actionHook replies are not run). The socket itself
 * lives in the call layer (`CallControl.streamAudio`).
 */
import type { AudioStreamEnd, AudioStreamRequest, CallControl } from '../../call/control.js';
import { alertTypeFor } from '../interpreter.js';
import { bool, hookSchema, num, obj, opt, refine, req, str, type ObjectSchema } from '../schema.js';
import { fromSpec } from '../spec.js';
import { defineVerb, type VerbContext, type VerbList } from '../types.js';
import type { HookSpec } from '../webhook/hook.js';
import { describe, ensureMedia } from './media.js';
import { startTranscription, type TranscribeProps } from './transcribe.js';

export interface ListenProps {
  readonly url: string;
  readonly actionHook?: HookSpec;
  readonly wsAuth?: { readonly username: string; readonly password: string };
  readonly finishOnKey?: string;
  readonly maxLength?: number;
  readonly metadata?: Readonly<Record<string, unknown>>;
  readonly mixType?: 'mono' | 'stereo' | 'mixed';
  readonly passDtmf?: boolean;
  readonly disableBidirectionalAudio?: boolean;
  readonly bidirectionalAudio?: { readonly enabled?: boolean; readonly streaming?: boolean; readonly sampleRate?: number };
  readonly sampleRate?: number;
  readonly timeout?: number;
  readonly transcribe?: TranscribeProps;
  readonly earlyMedia?: boolean;
}

const wsUrl = refine(str({ nonEmpty: true }), (v) => (typeof v === 'string' && /^wss?:\/\/[^/\s]/i.test(v) ? undefined : { message: 'must be a ws:// or wss:// URL' }));

const listenOwn = {
  url: req(wsUrl),
  actionHook: opt(hookSchema()),
  maxLength: opt(num({ min: 0 })),
  timeout: opt(num({ min: 0 })),
  sampleRate: opt(num({ min: 8000, max: 64000 })),
  bidirectionalAudio: opt(obj({ enabled: opt(bool()), streaming: opt(bool()), sampleRate: opt(num({ min: 8000, max: 64000 })) })),
};

/** The specification's `listen` with our URL rule and bounds. */
export const listenSchema: ObjectSchema = fromSpec('listen', listenOwn);

/** The rates we stream at; another asked-for rate takes the nearest (docs/streaming.md). */
const RATES = [8000, 16000, 24000] as const;

function streamRate(asked: number | undefined): 8000 | 16000 | 24000 {
  if (asked === undefined) return 8000;
  return RATES.reduce((best, r) => (Math.abs(r - asked) < Math.abs(best - asked) ? r : best), RATES[0]);
}

/** The call layer's request for a validated listen. */
export function streamRequest(p: ListenProps): AudioStreamRequest {
  const bi = p.bidirectionalAudio;
  // jambonz: bidirectional audio is on unless disabled (disableBidirectionalAudio is the old switch).
  const enabled = p.disableBidirectionalAudio === true ? false : bi?.enabled ?? true;
  return {
    url: p.url,
    ...(p.wsAuth ? { auth: p.wsAuth } : {}),
    sampleRate: streamRate(p.sampleRate),
    mixType: p.mixType ?? 'mono',
    ...(p.metadata ? { metadata: p.metadata } : {}),
    passDtmf: p.passDtmf === true,
    bidirectional: { enabled, streaming: bi?.streaming === true, ...(bi?.sampleRate ? { sampleRate: bi.sampleRate } : {}) },
    ...(p.timeout ? { silenceTimeoutMs: p.timeout * 1000 } : {}),
  };
}

export interface ListenResult {
  readonly end: AudioStreamEnd;
  /** The actionHook fields (jambonz's `dialCallDuration`, `digits`). */
  readonly fields: Readonly<Record<string, unknown>>;
}

/** Runs one stream on `call` until it ends (see the file comment); resolves undefined when the call cannot stream. */
export async function runStream(ctx: VerbContext, call: CallControl, p: ListenProps, signal: AbortSignal): Promise<ListenResult | undefined> {
  if (!call.streamAudio) {
    call.alert('verb-failure', 'listen: this call cannot stream audio');
    return undefined;
  }
  if (p.sampleRate !== undefined && !(RATES as readonly number[]).includes(p.sampleRate)) {
    call.note?.('listen-rate', { asked: p.sampleRate, used: streamRate(p.sampleRate) });
  }
  const handle = call.streamAudio(streamRequest(p), signal);
  let digits: string | undefined;
  const offDtmf = p.finishOnKey ? call.onDtmf((d) => {
    if (p.finishOnKey?.includes(d) && digits === undefined) {
      digits = d;
      handle.stop();
    }
  }) : () => undefined;
  const limit = p.maxLength ? ctx.clock.setTimer(p.maxLength * 1000, () => handle.stop()) : undefined;
  const transcription = p.transcribe ? nestedTranscription(ctx, p.transcribe) : () => undefined;
  const end = await handle.ended;
  offDtmf();
  limit?.cancel();
  transcription();
  if (end.framesDropped > 0) call.note?.('listen-dropped', { frames: end.framesDropped });
  const fields = { ...(end.reason === 'connect-failed' ? {} : { dial_call_duration: Math.floor(end.durationMs / 1000) }), ...(digits ? { digits } : {}) };
  return { end, fields };
}

/** `listen.transcribe`: a background transcription for as long as the stream runs. */
function nestedTranscription(ctx: VerbContext, t: TranscribeProps): () => void {
  startTranscription(ctx, t);
  const mine = ctx.session.transcription;
  return () => {
    if (ctx.session.transcription !== mine) return;
    mine?.stop();
    ctx.session.transcription = undefined;
  };
}

/**
 * `config.listen` / `dial.listen`: the stream runs beside the application until `signal`; its
 * actionHook is sent, its reply is not run. Returns a function that stops it.
 */
export function startBackgroundStream(ctx: VerbContext, call: CallControl, p: ListenProps, signal?: AbortSignal): () => void {
  const ctl = new AbortController();
  const stop = signal ? AbortSignal.any([signal, ctl.signal]) : ctl.signal;
  runStream(ctx, call, p, stop)
    .then(async (r) => {
      if (r && p.actionHook && !call.endedSignal.aborted) await ctx.actionHook(p.actionHook, r.fields);
    })
    .catch((e: unknown) => call.alert(alertTypeFor(e), `listen actionHook: ${describe(e)}`));
  return () => ctl.abort();
}

export const listen = defineVerb<ListenProps>({
  name: 'listen',
  schema: listenSchema,
  async run(ctx, p, signal) {
    await ensureMedia(ctx, p.earlyMedia);
    const r = await runStream(ctx, ctx.call, p, signal);
    if (!r || signal.aborted || ctx.call.endedSignal.aborted || !p.actionHook) return;
    const verbs: VerbList | undefined = await ctx.actionHook(p.actionHook, r.fields);
    return { replace: verbs };
  },
});
