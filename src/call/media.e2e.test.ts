import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startCallHarness } from '../testkit/call-harness.js';
import { startSipp } from '../testkit/sipp.js';
import { decodeG711, largestGapMs, startRtpCapture } from '../testkit/rtp-capture.js';
import { serveAudio, tones, wavBytes, zeroCrossingHz } from '../testkit/audio.js';
import type { Call } from './call.js';
import { CallError } from './errors.js';
import type { CallInfo } from './control.js';

const SPEECH = 'This is a test of the voice gateway media engine.';

/** First and last sample index whose magnitude exceeds `threshold`. */
function span(pcm: Int16Array, threshold = 300): { start: number; end: number } {
  let start = -1;
  let end = -1;
  for (let i = 0; i < pcm.length; i++) {
    if (Math.abs(pcm[i]) > threshold) {
      if (start < 0) start = i;
      end = i;
    }
  }
  return { start, end };
}

function inProgress(call: Call): Promise<void> {
  return new Promise((resolve, reject) => {
    call.on('status', (i: CallInfo) => {
      if (i.call_status === 'in-progress') resolve();
      else if (['failed', 'busy', 'no-answer'].includes(i.call_status)) reject(new Error(`call ${i.call_status} ${i.sip_status}`));
    });
  });
}

test('issue 3 acceptance 1: our call to a sipp UAS plays espeak speech then a 1 kHz WAV; the peer receives it intact', async (t) => {
  const h = await startCallHarness();
  const sipp = await startSipp({ scenario: 'uas_ring_answer.xml', extra: ['-d', '100'], timeoutSeconds: 40 });
  const capture = await startRtpCapture(sipp.mediaPort);
  try {
    const toneServer = await serveAudio(wavBytes(tones([1000], 1500, 12000)));
    const tonePath = join(h.dir, 'tone-1k.wav');
    writeFileSync(tonePath, wavBytes(tones([1000], 1500, 12000)));
    const speech = await h.tts.synthesize('espeak', { text: SPEECH }, new AbortController().signal);
    let call: Call | undefined;
    const answered = new Promise<void>((resolve, reject) => {
      h.calls.placeOutbound({ accountSid: h.accountSid, onCall: (c) => { call = c; inProgress(c).then(resolve, reject); } }, {
        from: '15551230000', to: { type: 'sip', sipUri: `sip:1234@127.0.0.1:${sipp.port}` }, timeout: 10,
      }).catch(reject);
    });
    await answered;
    assert.ok(call);
    const signal = new AbortController().signal;
    const said = await call.say(SPEECH, { vendor: 'espeak' }, signal);
    // Issue 12 item 3: a path on the gateway's disk is never played, only http(s) URLs.
    await assert.rejects(call.play(tonePath, signal), (e: unknown) => e instanceof CallError && e.code === 'CALL_BAD_URL');
    const played = await call.play(`${toneServer.url}/tone-1k.wav`, signal);
    await toneServer.close();
    assert.equal(said.interrupted, false);
    assert.equal(played.interrupted, false);
    await call.hangup();
    assert.equal(call.status, 'completed');
    const packets = await capture.stop();
    const heard = decodeG711(packets);
    const source = new Int16Array(speech.samples.length + 12000);
    source.set(speech.samples);
    source.set(tones([1000], 1500, 12000), speech.samples.length);
    const sent = span(source);
    const got = span(heard);
    const ratio = (got.end - got.start) / (sent.end - sent.start);
    assert.ok(Math.abs(ratio - 1) <= 0.05, `heard span ${(got.end - got.start) / 8} ms vs source ${(sent.end - sent.start) / 8} ms`);
    const tone = heard.subarray(got.end - 9000, got.end - 1000);
    const hz = zeroCrossingHz(tone);
    assert.ok(Math.abs(hz - 1000) <= 10, `tone measured ${hz.toFixed(1)} Hz`);
    // Nothing missing between the first and the last packet (sequence and timestamp both step by
    // one packet); the wall-clock spacing depends on the machine's load: printed, not asserted.
    const audio = packets.filter((p) => p.payloadType === 0 || p.payloadType === 8);
    for (let i = 1; i < audio.length; i++) assert.equal((audio[i].seq - audio[i - 1].seq) & 0xffff, 1, `packet ${i} follows`);
    t.diagnostic(`largest wall-clock gap between RTP packets: ${largestGapMs(packets).toFixed(1)} ms`);
    const r = await sipp.done;
    assert.equal(r.successful, 1, r.errors);
  } finally {
    sipp.kill();
    await capture.stop().catch(() => undefined);
    await h.close();
  }
});

test('issue 3 acceptance 3: two-way audio — the recording sipp plays to us is what we record (correlation ≥ 0.9, right duration)', async () => {
  const { readFileSync } = await import('node:fs');
  const { decodeWav } = await import('../media/index.js');
  const { bestCorrelation } = await import('../testkit/audio.js');
  const h = await startCallHarness();
  const sipp = await startSipp({ scenario: 'uas_answer_hello.xml', extra: ['-d', '50'], timeoutSeconds: 40 });
  try {
    let call: Call | undefined;
    await new Promise<void>((resolve, reject) => {
      h.calls.placeOutbound({ accountSid: h.accountSid, onCall: (c) => { call = c; inProgress(c).then(resolve, reject); } }, {
        from: '15551230000', to: { type: 'sip', sipUri: `sip:1234@127.0.0.1:${sipp.port}` }, timeout: 10,
      }).catch(reject);
    });
    assert.ok(call?.mediaSession);
    const path = join(h.dir, 'heard.wav');
    await call.mediaSession.startRecording({ inbound: path });
    await new Promise((r) => setTimeout(r, 3000));
    await call.mediaSession.stopRecording();
    await call.hangup();
    const source = decodeWav(readFileSync(new URL('../../test/audio/hello_8k.wav', import.meta.url)));
    const heard = decodeWav(readFileSync(path));
    const sent = span(source);
    const got = span(heard);
    const ratio = (got.end - got.start) / (sent.end - sent.start);
    assert.ok(Math.abs(ratio - 1) <= 0.05, `recorded speech ${(got.end - got.start) / 8} ms vs source ${(sent.end - sent.start) / 8} ms`);
    const a = source.subarray(sent.start, sent.end);
    const b = heard.subarray(Math.max(0, got.start - 400), got.end + 400);
    const { r } = bestCorrelation(a, b, 800);
    assert.ok(r >= 0.9, `normalised correlation ${r.toFixed(3)}`);
  } finally {
    sipp.kill();
    await h.close();
  }
});
