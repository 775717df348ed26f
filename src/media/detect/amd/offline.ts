/**
 * Offline replay: runs a whole 8 kHz recording through an `AmdSession` as if it were the callee's
 * audio from the moment of answer, then lets the timers run on over silence (as when the far end
 * stops sending) until the run stops or `tailMs` has passed.
 */
import type { AmdEvent } from './events.js';
import type { AmdParams } from './params.js';
import { AMD_FRAME_MS, AMD_FRAME_SAMPLES, AmdSession } from './session.js';

export interface ReplayOptions {
  /** Silence after the recording before the run is stopped; default: the longest timer. */
  readonly tailMs?: number;
}

export function replayPcm(pcm: Int16Array, params: AmdParams, opts: ReplayOptions = {}): AmdEvent[] {
  const session = new AmdSession(params, 0);
  const events: AmdEvent[] = [];
  const frame = new Int16Array(AMD_FRAME_SAMPLES);
  let t = 0;
  for (let o = 0; o < pcm.length && !session.stopped; o += AMD_FRAME_SAMPLES, t += AMD_FRAME_MS) {
    const end = Math.min(o + AMD_FRAME_SAMPLES, pcm.length);
    frame.set(pcm.subarray(o, end));
    if (end - o < AMD_FRAME_SAMPLES) frame.fill(0, end - o);
    events.push(...session.push(frame, t));
  }
  const { timers } = params;
  const tail = opts.tailMs ?? Math.max(timers.noSpeechTimeoutMs, timers.decisionTimeoutMs, timers.toneTimeoutMs, timers.greetingCompletionTimeoutMs);
  const until = t + tail;
  for (let now = t + AMD_FRAME_MS; now <= until && !session.stopped; now += AMD_FRAME_MS) events.push(...session.tick(now));
  events.push(...session.stop(Math.max(until, t)));
  return events;
}
