import type { Clock, TimerHandle } from '../kernel/clock.js';
import { AMD_FRAME_SAMPLES, AmdParamsError, AmdSession, resolveAmdParams, type AmdEvent, type AmdParams } from '../media/detect/amd/index.js';
import type { MediaSession } from '../media/index.js';
import { AmdTimeline } from './amd-timeline.js';
import { CallError } from './errors.js';

/** Checks an `amd` object's tuning fields (preset, timers, overrides); a CallError names the field. */
export function checkAmd(amd: Readonly<Record<string, unknown>>): AmdParams {
  try {
    return resolveAmdParams(amd);
  } catch (e) {
    if (e instanceof AmdParamsError) throw new CallError('CALL_BAD_TARGET', e.message, `amd.${e.path}`);
    throw e;
  }
}

/**
 * Runs answering-machine detection on what the callee sends (issue 6): started at the 200 OK,
 * fed every decoded 20 ms frame at its media time (see amd-timeline.ts), ticked every 100 ms so
 * its timers fire during silence or lost RTP; ends at `amd_stopped` or when the call ends.
 */
export function runAmd(media: Pick<MediaSession, 'onAudio'>, params: AmdParams, clock: Clock, ended: AbortSignal, onEvent: (e: AmdEvent) => void): () => void {
  const session = new AmdSession(params, clock.now());
  const timeline = new AmdTimeline();
  let timer: TimerHandle | undefined;
  let done = false;
  const emit = (events: readonly AmdEvent[]): void => {
    for (const e of events) {
      onEvent(e);
      if (e.type === 'amd_stopped') stop();
    }
  };
  // RTP frames may be any ptime; the detector takes 20 ms (160-sample) frames.
  const frame = new Int16Array(AMD_FRAME_SAMPLES);
  let fill = 0;
  let frameAt = 0;
  const offAudio = media.onAudio((pcm, info) => {
    const at = timeline.packet(clock.now(), info.timestamp, info.samples);
    // A timestamp gap before this packet (lost packets, silence suppression) is silence.
    if (fill === 0) emit(session.tick(at));
    for (let i = 0; i < info.samples && !done; i++) {
      if (fill === 0) frameAt = at + i / 8;
      frame[fill++] = pcm[i];
      if (fill === AMD_FRAME_SAMPLES) {
        fill = 0;
        emit(session.push(frame, frameAt));
      }
    }
  });
  const tick = (): void => {
    if (done) return;
    emit(session.tick(timeline.tick(clock.now())));
    if (!done) timer = clock.setTimer(100, tick);
  };
  timer = clock.setTimer(100, tick);
  const stop = (silently = false): void => {
    if (done) return;
    done = true;
    offAudio();
    timer?.cancel();
    if (!silently && !session.stopped) for (const e of session.stop(clock.now())) onEvent(e);
  };
  // Contract §3.4: amd_stopped is sent when AMD ends while the call is still up, not after hang-up.
  ended.addEventListener('abort', () => stop(true), { once: true });
  return () => stop();
}

/** What `whenAnswered` needs of a call. */
interface AnswerableCall {
  readonly answered: boolean;
  readonly isFinal: boolean;
  on(event: 'status', listener: () => void): () => void;
}

/**
 * Starts `start` now when the call is answered, else at its answer (never when it ends first);
 * the returned function stops what `start` started, or the wait.
 */
export function whenAnswered(call: AnswerableCall, start: () => () => void): () => void {
  if (call.answered) return start();
  let stop: (() => void) | undefined;
  const off = call.on('status', () => {
    if (call.isFinal) off();
    else if (call.answered) {
      off();
      stop = start();
    }
  });
  return () => {
    off();
    stop?.();
  };
}
