import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { AudioSource, FrameReader } from '../../media/index.js';
import { goertzelCoefficient, goertzelPower } from '../../media/dsp/goertzel.js';
import { tones } from '../../testkit/audio.js';
import type { CallInfo } from '../control.js';
import { fromL16le, l16le, metadataMessage, parseServerMessage } from './framing.js';
import { StreamPlayer, type MarkEvent } from './player.js';
import { FrameSender, type FrameSocket } from './sender.js';
import { StreamTap } from './tap.js';

const INFO: CallInfo = {
  call_sid: 'c1', direction: 'inbound', from: '+1555', to: '+1666', call_id: 'abc@h', sip_status: 200, call_status: 'in-progress',
  account_sid: 'a1', trace_id: 't', fs_sip_address: '10.0.0.1:5060', customerData: { note: 'say "hi"\n' },
};

const wav = (): { samples: Int16Array; sampleRate: number } => ({ samples: new Int16Array(0), sampleRate: 8000 });

test('listen framing: binary frames are 16-bit little-endian PCM', () => {
  const b = l16le(Int16Array.from([1, -2, 0x1234]));
  assert.deepEqual([...b], [0x01, 0x00, 0xfe, 0xff, 0x34, 0x12]);
  assert.deepEqual([...fromL16le(b)], [1, -2, 0x1234]);
});

test('listen framing: the first text message is sampleRate, mixType, the camelCase call info and the verb metadata (jambonz listen.js)', () => {
  const m = JSON.parse(metadataMessage(INFO, { sampleRate: 16000, mixType: 'stereo', metadata: { callSid: 'mine', tag: 'a\tb' } })) as Record<string, unknown>;
  assert.equal(m.sampleRate, 16000);
  assert.equal(m.mixType, 'stereo');
  assert.equal(m.callId, 'abc@h');
  assert.equal(m.sipStatus, 200);
  assert.equal(m.fsSipAddress, '10.0.0.1:5060');
  assert.equal(m.callSid, 'mine', 'metadata wins over the call info');
  assert.equal(m.tag, 'a\\tb', 'special characters in metadata strings are escaped');
  assert.deepEqual(m.customerData, { note: 'say \\"hi\\"\\n' });
  assert.equal(m.call_sid, undefined);
});

test('listen framing: server messages (playAudio raw and wav, killAudio, mark, clearMarks, disconnect) and malformed ones', () => {
  const raw = parseServerMessage(JSON.stringify({ type: 'playAudio', data: { audioContent: l16le(Int16Array.from([5, 6])).toString('base64'), audioContentType: 'raw', sampleRate: 8000 } }), wav);
  assert.equal(raw.type, 'playAudio');
  if (raw.type === 'playAudio') {
    assert.deepEqual([...raw.audio], [5, 6]);
    assert.equal(raw.sampleRate, 8000);
  }
  const noRate = parseServerMessage(JSON.stringify({ type: 'playAudio', data: { audioContent: '', audioContentType: 'raw' } }), wav);
  assert.equal(noRate.type === 'playAudio' && noRate.sampleRate, 16000, 'mod_audio_fork takes a raw clip without a rate as 16 kHz');
  assert.equal(parseServerMessage(JSON.stringify({ type: 'playAudio', data: { audioContent: 'AA==', audioContentType: 'wav' } }), wav).type, 'playAudio');
  assert.equal(parseServerMessage(JSON.stringify({ type: 'playAudio', data: { audioContent: 'AA==', audioContentType: 'mp3' } }), wav).type, 'invalid');
  assert.deepEqual(parseServerMessage('{"type":"killAudio"}', wav), { type: 'killAudio' });
  assert.deepEqual(parseServerMessage('{"type":"mark","data":{"name":"m1"}}', wav), { type: 'mark', name: 'm1' });
  assert.deepEqual(parseServerMessage('{"type":"clearMarks"}', wav), { type: 'clearMarks' });
  assert.deepEqual(parseServerMessage('{"type":"disconnect"}', wav), { type: 'disconnect' });
  assert.equal(parseServerMessage('{"type":"mark"}', wav).type, 'invalid');
  assert.equal(parseServerMessage('not json', wav).type, 'invalid');
});

function toneLevel(pcm: Int16Array, hz: number, rate: number): number {
  return goertzelPower(pcm, pcm.length, goertzelCoefficient(hz, rate)) / pcm.length;
}

test('listen resampling: 8 kHz streams the frame as it is; 16 and 24 kHz go through the converter and keep the tone', () => {
  const frame = tones([1000], 20);
  const mono8 = new StreamTap('mono', 8000);
  assert.deepEqual([...mono8.caller(frame)], [...frame]);
  for (const rate of [16000, 24000]) {
    const tap = new StreamTap('mono', rate);
    const out: number[] = [];
    for (let i = 0; i < 10; i++) out.push(...tap.caller(tones([1000], 20, 8000, i * 160)));
    const pcm = Int16Array.from(out);
    assert.ok(Math.abs(pcm.length - 10 * 160 * (rate / 8000)) <= rate / 800, `${rate}: ${pcm.length} samples`);
    const tail = pcm.subarray(pcm.length / 2);
    assert.ok(toneLevel(tail, 1000, rate) > 50 * toneLevel(tail, 2500, rate), `${rate}: 1 kHz dominates`);
  }
});

test('listen mixType: stereo interleaves caller (left) and bridged party (right); mixed sums them; a missing party is silence', () => {
  const stereo = new StreamTap('stereo', 8000);
  stereo.party(Int16Array.from([7, 8]));
  assert.deepEqual([...stereo.caller(Int16Array.from([1, 2]))], [1, 7, 2, 8]);
  assert.deepEqual([...stereo.caller(Int16Array.from([3, 4]))], [3, 0, 4, 0]);
  const mixed = new StreamTap('mixed', 8000);
  mixed.party(Int16Array.from([30000, -5]));
  assert.deepEqual([...mixed.caller(Int16Array.from([10000, 5]))], [32767, 0]);
  const mono = new StreamTap('mono', 8000);
  mono.party(Int16Array.from([9]));
  assert.deepEqual([...mono.caller(Int16Array.from([1]))], [1]);
});

/** A socket whose buffer never drains once `stuck`. */
class StuckSocket implements FrameSocket {
  bufferedAmount = 0;
  readonly sent: Array<Buffer | string> = [];
  constructor(private readonly stuck: boolean) {}
  send(data: Buffer | string): void {
    this.sent.push(data);
    if (this.stuck) this.bufferedAmount += typeof data === 'string' ? data.length : data.length;
  }
}

test('listen back-pressure: a socket that never drains gets frames up to the bound, the rest are dropped and counted; another stream is unaffected', () => {
  const frame = l16le(new Int16Array(320));
  const stuck = new StuckSocket(true);
  const fine = new StuckSocket(false);
  let globalDropped = 0;
  const a = new FrameSender({ maxBufferedBytes: 6400, onFrame: (sent) => { if (!sent) globalDropped++; } });
  const b = new FrameSender({ maxBufferedBytes: 6400 });
  a.open(stuck, '{}');
  b.open(fine, '{}');
  for (let tick = 0; tick < 500; tick++) {
    const t0 = process.hrtime.bigint();
    a.push(frame);
    b.push(frame);
    // Each hand-over returns at once, whatever the socket does (no await, no loop on the buffer).
    assert.ok(process.hrtime.bigint() - t0 < 50_000_000n);
  }
  assert.equal(a.sent, 9, '6400 bytes hold the metadata and 9 frames of 640 bytes');
  assert.equal(a.dropped, 491);
  assert.equal(globalDropped, 491);
  assert.equal(b.sent, 500);
  assert.equal(b.dropped, 0);
});

test('listen back-pressure: frames wait (bounded) until the socket opens, the metadata text goes first', () => {
  const s = new FrameSender({ maxPendingFrames: 3 });
  for (let i = 0; i < 5; i++) s.push(Buffer.from([i]));
  assert.equal(s.dropped, 2);
  const sock = new StuckSocket(false);
  s.open(sock, 'meta');
  assert.deepEqual(sock.sent.map((d) => (typeof d === 'string' ? d : d[0])), ['meta', 2, 3, 4]);
});

/** Plays like the media tick: `tick()` reads one frame from the current playback. */
class FakePlayout {
  reader: FrameReader | null = null;
  signal: AbortSignal | null = null;
  #resolve: ((r: { interrupted: boolean }) => void) | null = null;
  readonly heard: number[] = [];

  play(source: AudioSource, signal: AbortSignal): Promise<{ interrupted: boolean }> {
    return new Promise((resolve) => {
      void source.open(signal).then((r) => {
        this.reader = r;
        this.signal = signal;
        this.#resolve = resolve;
        signal.addEventListener('abort', () => this.#end(true), { once: true });
      });
    });
  }

  tick(): void {
    if (!this.reader) return;
    const out = new Int16Array(160);
    const n = this.reader.read(out);
    if (n === 0) this.#end(false);
    else this.heard.push(...out.subarray(0, n));
  }

  /** Something else stopped the playback (the call's barge-in): it ends interrupted, its signal untouched. */
  interrupt(): void {
    this.#end(true);
  }

  #end(interrupted: boolean): void {
    this.reader = null;
    const r = this.#resolve;
    this.#resolve = null;
    r?.({ interrupted });
  }
}

const flush = (): Promise<void> => new Promise((r) => setImmediate(r));

function player(): { p: StreamPlayer; playout: FakePlayout; marks: Array<[string, MarkEvent]>; done: unknown[] } {
  const playout = new FakePlayout();
  const marks: Array<[string, MarkEvent]> = [];
  const done: unknown[] = [];
  const p = new StreamPlayer({ play: (s, sig) => playout.play(s, sig), onMark: (n, e) => marks.push([n, e]), onPlayDone: (id) => done.push(id) }, { holdMs: 40 });
  return { p, playout, marks, done };
}

test('bidirectional audio: marks are reported in order, each once the audio queued before it has been played', async () => {
  const { p, playout, marks, done } = player();
  p.mark('m0');
  await flush();
  assert.deepEqual(marks, [['m0', 'playout']], 'nothing queued before it: played out at once');
  p.enqueue(new Int16Array(320).fill(1), 'clip-1');
  p.mark('m1');
  p.enqueue(new Int16Array(160).fill(2));
  p.mark('m2');
  await flush();
  playout.tick();
  await flush();
  assert.deepEqual(marks.length, 1, 'm1 waits for the second frame of the clip');
  playout.tick();
  playout.tick();
  await flush();
  assert.deepEqual(marks, [['m0', 'playout'], ['m1', 'playout']]);
  assert.deepEqual(done, ['clip-1']);
  playout.tick();
  await flush();
  assert.deepEqual(marks.slice(2), [['m2', 'playout']]);
  assert.deepEqual(playout.heard.slice(0, 480), [...new Array(320).fill(1), ...new Array(160).fill(2)]);
});

test('bidirectional audio: killAudio stops the playback at once, empties the queue and reports waiting marks as cleared; clearMarks forgets marks silently and keeps the audio', async () => {
  const { p, playout, marks } = player();
  p.enqueue(new Int16Array(8000).fill(3));
  p.mark('a');
  p.enqueue(new Int16Array(800).fill(4));
  p.mark('b');
  await flush();
  playout.tick();
  const signal = playout.signal;
  p.kill();
  assert.equal(signal?.aborted, true, 'the current playback is aborted (its next frame is never read)');
  await flush();
  assert.deepEqual(marks, [['a', 'cleared'], ['b', 'cleared']]);
  assert.equal(p.playing, false);
  p.enqueue(new Int16Array(160).fill(5));
  p.mark('c');
  p.clearMarks();
  await flush();
  playout.tick();
  playout.tick();
  await flush();
  assert.deepEqual(marks.length, 2, 'a cleared mark is never reported (mod_audio_fork sends no event for clearMarks)');
  assert.ok(playout.heard.includes(5), 'audio queued after the kill plays');
});

test('bidirectional audio: a playback stopped from outside (barge-in) counts as killAudio; streamed audio after an underrun starts a new playback', async () => {
  const { p, playout, marks } = player();
  p.enqueue(new Int16Array(160).fill(1));
  await flush();
  playout.tick();
  // Underrun: 40 ms of silence bridge it, then the playback ends.
  playout.tick();
  playout.tick();
  playout.tick();
  await flush();
  assert.equal(p.playing, false);
  p.enqueue(new Int16Array(160).fill(2));
  p.mark('x');
  await flush();
  assert.equal(p.playing, true);
  // The call's playout interrupts it (config.bargeIn, another verb's barge-in): as killAudio.
  playout.interrupt();
  await flush();
  assert.deepEqual(marks, [['x', 'cleared']]);
  assert.equal(p.playing, false);
  playout.tick();
  assert.equal(playout.heard.filter((v) => v === 2).length, 0, 'the audio queued before the interruption is dropped');
});

test('bidirectional audio: a host that throws when asked to play (the call just ended) ends the playback like killAudio', async () => {
  const marks: Array<[string, MarkEvent]> = [];
  const p = new StreamPlayer({ play: () => { throw new Error('no media'); }, onMark: (n, e) => marks.push([n, e]), onPlayDone: () => undefined });
  assert.doesNotThrow(() => p.enqueue(new Int16Array(160)));
  p.mark('m');
  await flush();
  await flush();
  assert.equal(p.playing, false);
  assert.deepEqual(marks, [['m', 'cleared']]);
});

test('bidirectional audio: at most 30 marks wait at once (mod_audio_fork MAX_MARKS); later ones are discarded', async () => {
  const { p, playout, marks } = player();
  p.enqueue(new Int16Array(160));
  for (let i = 0; i < 32; i++) p.mark(`m${i}`);
  assert.equal(p.droppedMarks, 2);
  await flush();
  playout.tick();
  playout.tick();
  await flush();
  assert.deepEqual(marks.map(([n]) => n), Array.from({ length: 30 }, (_, i) => `m${i}`));
});
