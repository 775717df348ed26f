/**
 * Properties the verb specification allows and we accept, but that the gateway does not act on
 * (issue 14). Accepting them keeps a spec-valid application running; the first use per
 * application writes an `unsupported-feature` alert so that its author learns what was ignored.
 * This list is the one source: docs/verbs.md has a row for each entry (a test checks it).
 * Speech (gather speech, bargein, partialResultHook, transcribe, config recognizer/bargeIn/
 * transcribe, synthesizer and recognizer fields) is the speech core's and is not listed.
 */
import type { CallControl } from '../call/control.js';
import { isPlainObject } from './schema.js';
import type { VerbDefinition, VerbProps } from './types.js';

export interface UnsupportedProperty {
  readonly verb: string;
  /** The property inside the verb: `fillerNoise`, `amd.recognizer`, `target[].proxy` (each element). */
  readonly property: string;
  readonly why: string;
  /** When a value counts as a use; by default any value but null, false, "" and `{enable: false}`. */
  readonly when?: (value: unknown) => boolean;
}

const NO_BEEP = 'no beep is played before the stream starts';
const NO_RECORDING = 'call recording (SIPREC, cloud) is not implemented';
const NO_AUDIO_PROCESSING = 'the media engine has no such processing stage';

const rows = (verb: string, list: ReadonlyArray<readonly [string, string]>): UnsupportedProperty[] => list.map(([property, why]) => ({ verb, property, why }));

const SAY_ROWS: ReadonlyArray<readonly [string, string]> = [
  ['stream', 'say streaming (incremental text, tts:tokens over the WebSocket API) is not implemented'],
  ['closeStreamOnEmpty', 'belongs to say streaming'],
  ['instructions', 'no synthesizer we run takes style instructions'],
];

export const UNSUPPORTED: readonly UnsupportedProperty[] = [
  ...rows('say', SAY_ROWS),
  ...rows('gather', SAY_ROWS.map(([p, why]) => [`say.${p}`, why] as const)),
  ...rows('play', [['seekOffset', 'the call interface cannot seek into a file; playback starts at the beginning']]),
  ...rows('gather', [
    ['play.seekOffset', 'the call interface cannot seek into a file; playback starts at the beginning'],
    ['fillerNoise', 'no filler noise while the actionHook is pending'],
    ['actionHookDelayAction', 'no interim prompts while the actionHook is pending'],
    ['vad', NO_AUDIO_PROCESSING],
  ]),
  ...rows('config', [
    ['ttsStream', 'say streaming (tts:tokens over the WebSocket API) is not implemented'],
    ['record', NO_RECORDING],
    ['fillerNoise', 'no filler noise while an actionHook is pending'],
    ['actionHookDelayAction', 'no interim prompts while an actionHook is pending'],
    ['vad', NO_AUDIO_PROCESSING],
    ['notifySttLatency', 'STT latency is not reported'],
    ['earlyMedia', 'the session-wide switch is not read; each verb\'s own earlyMedia is'],
    ['autoStreamTts', 'say streaming (tts:tokens over the WebSocket API) is not implemented'],
    ['trackTtsPlayout', 'TTS playout events (tts:streaming-event) are not sent'],
    ['onHoldMusic', 'the gateway does not put calls on hold'],
    ['sipRequestWithinDialogHook', 'incoming in-dialog requests (INFO, MESSAGE …) are not passed to the application'],
    ['referHook', 'an incoming REFER is not passed to the application'],
    ['boostAudioSignal', NO_AUDIO_PROCESSING],
    ['noiseIsolation', NO_AUDIO_PROCESSING],
    ['turnTaking', 'no turn-taking model'],
    ['amd.recognizer', 'AMD decides from the audio itself (docs/amd.md); it uses no recognizer'],
  ]),
  ...rows('dial', [
    ['onHoldHook', 'the gateway does not put calls on hold'],
    ['confirmHook', 'call screening is per target (target.confirmHook)'],
    ['referHook', 'an incoming REFER on a leg is not passed to the application'],
    ['boostAudioSignal', NO_AUDIO_PROCESSING],
    ['dub', 'no dubbing tracks'],
    ['proxy', 'legs are routed by the carrier choice, never through an outbound proxy'],
    ['srtpEncryption', 'dialed legs use plain RTP'],
    ['anchorMedia', 'media is always anchored (bridged through the gateway)'],
    ['exitMediaPath', 'media is always anchored (bridged through the gateway)'],
    ['forwardPAI', 'P-Asserted-Identity is not forwarded'],
    ['amd.recognizer', 'AMD decides from the audio itself (docs/amd.md); it uses no recognizer'],
    ['target[].proxy', 'legs are routed by the carrier choice, never through an outbound proxy'],
    ['target[].vmail', 'no voicemail targets'],
    ['target[].tenant', 'no Microsoft Teams targets'],
    ['target[].overrideTo', 'the request URI comes from the target itself'],
    ['target[].from', 'the From of a leg comes from callerId'],
  ]),
  { verb: 'dial', property: 'target[].type', why: 'a "teams" target cannot be placed (no Microsoft Teams routing); the leg fails', when: (v) => v === 'teams' },
  ...rows('sip:refer', [['referredByDisplayName', 'Referred-By carries the URI only']]),
  { verb: 'transcribe', property: 'channel', why: 'a transcribe verb hears the call itself (channel 1); both legs of a bridge are transcribed with dial.transcribe', when: (v) => v !== 1 && v !== '1' },
  ...rows('transcribe', [['translationHook', 'no translation']]),
  ...rows('listen', [['playBeep', NO_BEEP]]),
  ...rows('stream', [['playBeep', NO_BEEP]]),
  ...rows('config', [['listen.playBeep', NO_BEEP], ['stream.playBeep', NO_BEEP]]),
  ...rows('dial', [['listen.playBeep', NO_BEEP], ['stream.playBeep', NO_BEEP]]),
  ...rows('dial', [['transcribe.translationHook', 'no translation']]),
];

function inUse(value: unknown): boolean {
  if (value === undefined || value === null || value === false || value === '') return false;
  return !(isPlainObject(value) && (value.enable === false || value.enabled === false));
}

/** The values at `path` (`a.b`, `target[].proxy`) inside `props`. */
function valuesAt(props: unknown, path: readonly string[]): unknown[] {
  if (path.length === 0) return [props];
  if (!isPlainObject(props)) return [];
  const [head, ...rest] = path;
  if (head.endsWith('[]')) {
    const list = props[head.slice(0, -2)];
    return Array.isArray(list) ? list.flatMap((item) => valuesAt(item, rest)) : [];
  }
  return valuesAt(props[head], rest);
}

/** The unsupported properties a verb's validated props use, as `verb.property` names. */
export function unsupportedUses(verb: string, props: VerbProps): string[] {
  const used: string[] = [];
  for (const row of UNSUPPORTED) {
    if (row.verb !== verb) continue;
    const when = row.when ?? inUse;
    if (valuesAt(props, row.property.split('.')).some(when)) used.push(`${verb}.${row.property}`);
  }
  return used;
}

/** The row of a `verb.property` name. */
function rowOf(use: string): UnsupportedProperty | undefined {
  return UNSUPPORTED.find((r) => `${r.verb}.${r.property}` === use);
}

/**
 * Remembers which application used which unsupported property, so that only the first use writes
 * an alert. Bounded: past `limit` pairs the oldest are forgotten (and may alert once more).
 */
export class UnsupportedFeatureAlerts {
  readonly #seen = new Set<string>();

  constructor(private readonly limit = 10_000) {}

  /**
   * An `unsupported-feature` alert on `call` for each use not yet seen for this application: its
   * `application_sid`, else `appKey` (the call_hook URL), else the call itself.
   */
  report(call: CallControl, uses: readonly string[], appKey?: string): void {
    const app = call.info().application_sid ?? appKey ?? `call:${call.sid}`;
    for (const use of uses) {
      const key = `${app}\n${use}`;
      if (this.#seen.has(key)) continue;
      this.#seen.add(key);
      if (this.#seen.size > this.limit) this.#seen.delete(this.#seen.values().next().value as string);
      call.alert('unsupported-feature', `${use} is accepted but not acted on: ${rowOf(use)?.why ?? 'not supported'} (docs/verbs.md)`);
    }
  }
}

/** `definition`, whose run first reports `uses` (the context alerts once per application) and then runs as before. */
export function withUnsupportedAlert(definition: VerbDefinition, uses: readonly string[]): VerbDefinition {
  if (uses.length === 0) return definition;
  return {
    ...definition,
    run: (ctx, props, signal) => {
      ctx.reportUnsupported(uses);
      return definition.run(ctx, props, signal);
    },
  };
}
