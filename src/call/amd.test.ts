import { test } from 'node:test';
import assert from 'node:assert/strict';
import { resolveAmdParams, type AmdEvent } from '../media/detect/amd/index.js';
import type { AudioListener } from '../media/index.js';
import { concat, frames, silence, speechLike, tones } from '../testkit/audio.js';
import { FakeClock } from '../testkit/fake-clock.js';
import { runAmd } from './amd.js';

/** The balanced preset's silence after a greeting → human. */
const AFTER = resolveAmdParams({}).tuning.afterGreetingSilenceMs;

/** The callee's side of the media: 20 ms packets with RTP timestamps, delivered when told. */
class FakeMedia {
  #listener: AudioListener | undefined;
  onAudio(l: AudioListener): () => void {
    this.#listener = l;
    return () => (this.#listener = undefined);
  }
  deliver(frame: Int16Array, timestamp: number): void {
    this.#listener?.(frame, { sequenceNumber: timestamp / 160, timestamp, samples: frame.length });
  }
}

interface Delivery {
  /** Wall ms after the answer at which frame i (sent at 20 + 20·i) reaches the detector. */
  readonly arrival: (i: number) => number;
  /** Frames lost on the way (their timestamps are skipped). */
  readonly lost?: (i: number) => boolean;
}

const onTime: Delivery = { arrival: (i) => 20 + 20 * i };
/** A stalled event loop (either side's): nothing for `ms`, then everything sent meanwhile at once. */
const stalls = (ms: number): Delivery => ({ arrival: (i) => Math.ceil((20 + 20 * i) / ms) * ms });

/** Runs AMD from the answer over `pcm` as delivered, then `tailMs` with no packets at all. */
function detect(pcm: Int16Array, delivery: Delivery, tailMs = 3000): { events: AmdEvent[]; at: Map<string, number> } {
  const clock = new FakeClock();
  const media = new FakeMedia();
  const events: AmdEvent[] = [];
  const at = new Map<string, number>();
  const answeredAt = clock.now();
  runAmd(media, resolveAmdParams({}), clock, new AbortController().signal, (e) => {
    events.push(e);
    if (!at.has(e.type)) at.set(e.type, clock.now() - answeredAt);
  });
  const fs = frames(pcm);
  fs.forEach((f, i) => {
    const due = answeredAt + delivery.arrival(i);
    // Node runs due timers before the poll phase that reads the late packets: so does this.
    if (due > clock.now()) clock.advance(due - clock.now());
    if (delivery.lost?.(i) !== true) media.deliver(f, 1000 + i * 160);
  });
  clock.advance(tailMs);
  return { events, at };
}

const types = (evs: readonly AmdEvent[]): string[] => evs.map((e) => e.type);
const voicemail = concat(silence(300), speechLike(6000, 7), silence(300), tones([1000], 500, 8000), silence(3000));
const hello = concat(silence(300), speechLike(400, 5), silence(3000));

test('AMD on media time: a voicemail greeting that arrives in bursts after 1.2 s event-loop stalls is still a machine, then its beep', () => {
  const { events } = detect(voicemail, stalls(1200));
  assert.deepEqual(types(events), ['amd_machine_detected', 'amd_tone_detected', 'amd_machine_stopped_speaking', 'amd_stopped']);
  assert.equal(events[0]?.reason, 'long greeting');
});

test('AMD on media time: a "Hello?" whose packets arrive two at a time (a busy event loop) is heard → human', () => {
  const { events } = detect(hello, { arrival: (i) => 40 + 40 * Math.floor(i / 2) });
  assert.deepEqual(types(events), ['amd_human_detected', 'amd_stopped']);
});

test('AMD on media time: a "Hello?" that arrives in bursts after 1.2 s stalls is heard → human, decided on media time', () => {
  const { events } = detect(hello, stalls(1200));
  assert.deepEqual(types(events), ['amd_human_detected', 'amd_stopped']);
  const speechEnd = events[0].evidence.initial_silence_ms + events[0].evidence.greeting_ms;
  assert.ok(Math.abs(events[0].decision_ms - speechEnd - AFTER) <= 60, `decided at ${events[0].decision_ms}, speech ended ${speechEnd}`);
});

test('AMD on media time: packets on time give the verdicts of the recording (voicemail; human)', () => {
  assert.deepEqual(types(detect(voicemail, onTime).events), ['amd_machine_detected', 'amd_tone_detected', 'amd_machine_stopped_speaking', 'amd_stopped']);
  assert.deepEqual(types(detect(hello, onTime).events), ['amd_human_detected', 'amd_stopped']);
});

test('AMD on media time: lost packets (RFC 3550 timestamps skip them) count as the silence they took', () => {
  // 0.4 s of speech and 0.1 s of silence, then 1.5 s of lost packets: a gap is known to be one
  // when the next packet comes (at 2.2 s); it counts as silence → human, on media time.
  const lostAfter = (300 + 400 + 100) / 20;
  const { events, at } = detect(concat(silence(300), speechLike(400, 5), silence(100), silence(1500), silence(40)), { arrival: onTime.arrival, lost: (i) => i >= lostAfter && i < lostAfter + 75 }, 0);
  assert.deepEqual(types(events), ['amd_human_detected', 'amd_stopped']);
  const speechEnd = events[0].evidence.initial_silence_ms + events[0].evidence.greeting_ms;
  // Decided when the gap becomes known: the packet after it, at media time 2320 ms.
  assert.ok(events[0].decision_ms >= speechEnd + AFTER && events[0].decision_ms <= 2320, `decided at ${events[0].decision_ms}, speech ended ${speechEnd}`);
  assert.ok((at.get('amd_human_detected') ?? Infinity) <= 2340, `human at ${at.get('amd_human_detected')} ms (wall)`);
});

test('AMD on media time: no RTP at all → no speech at noSpeechTimeoutMs on the wall clock; RTP that stops counts as silence after the 1 s allowance', () => {
  const silent = detect(new Int16Array(0), onTime, 6000);
  assert.deepEqual(types(silent.events), ['amd_no_speech_detected', 'amd_stopped']);
  assert.ok((silent.at.get('amd_no_speech_detected') ?? Infinity) <= 5000 + 100);
  // The callee says "Hello?" and its RTP then stops: human, at most the allowance late.
  const stopped = detect(concat(silence(300), speechLike(400, 5), silence(100)), onTime, 4000);
  assert.deepEqual(types(stopped.events), ['amd_human_detected', 'amd_stopped']);
  const when = stopped.at.get('amd_human_detected') ?? Infinity;
  assert.ok(when >= 700 + AFTER && when <= 700 + AFTER + 1000 + 300, `human at ${when} ms`);
});
