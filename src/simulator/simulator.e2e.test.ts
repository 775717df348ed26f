import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { systemClock as realClock, type Clock } from '../kernel/clock.js';
import { decodeWav, fileSource, MediaEngine, ToneDetector, type RtpSession, type ToneEvent } from '../media/index.js';
import { applyAnswer, createOffer, parseSdp, serializeSdp } from '../sdp/index.js';
import type { Dialog, DialogEndReason, InviteFailure, OutgoingInvite, SipStack } from '../sip/index.js';
import { freePort } from '../testkit/ports.js';
import { startSipp } from '../testkit/sipp.js';
import { sipUri, startTestStack, testLogger, waitFor } from '../testkit/sip-stack.js';
import { SIMULATOR_NUMBERS, startSimulator, type Simulator } from './index.js';
import { DEFAULT_ASSETS_DIR } from './prompts.js';

type Outcome = { kind: 'answered'; dialog: Dialog; atMs: number } | { kind: 'failed'; failure: InviteFailure; atMs: number };

interface Dialled {
  readonly inv: OutgoingInvite;
  readonly session: RtpSession;
  readonly progress: number[];
  readonly outcome: Promise<Outcome>;
  /** ms after the INVITE of the first received frame louder than -40 dBFS, once answered. */
  firstSpeechMs: number;
  readonly tones: ToneEvent[];
}

/**
 * The system clock with unref'd timers: the SIP transaction layer keeps its RFC 3261 timers
 * (Timer D, H, I: up to 32 s) after its stack is closed, which would hold the test process open.
 * The open sockets keep the loop alive while the stacks run.
 */
const systemClock: Clock = {
  now: () => realClock.now(),
  wallNow: () => realClock.wallNow(),
  setTimer(ms, fn) {
    const t = setTimeout(fn, Math.max(0, ms));
    t.unref();
    return { cancel: () => clearTimeout(t) };
  },
};

const SILENT_RMS = 330; // about -40 dBFS
let dataDir: string;
let sim: Simulator;
let caller: SipStack;
let callerMedia: MediaEngine;

function rms(pcm: Int16Array, n = pcm.length): number {
  let e = 0;
  for (let i = 0; i < n; i++) e += pcm[i] * pcm[i];
  return Math.sqrt(e / Math.max(1, n));
}

before(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'vgw-sim-'));
  sim = await startSimulator({ clock: systemClock, logger: testLogger(), port: await freePort(), rtpPorts: { min: 46000, max: 46199 }, dataDir });
  caller = await startTestStack({ clock: systemClock });
  callerMedia = new MediaEngine({ clock: systemClock, logger: testLogger(), portRange: { min: 46200, max: 46399 }, bindAddress: '127.0.0.1' });
});

after(async () => {
  await sim.close();
  await callerMedia.close();
  await caller.close();
  await rm(dataDir, { recursive: true, force: true });
});

/** Calls `number` at `target` from the caller stack with a PCMU/PCMA + telephone-event offer. */
async function dial(number: string, target: Simulator = sim, body?: string): Promise<Dialled> {
  const session = await callerMedia.createSession();
  const offer = createOffer({ publicAddress: '127.0.0.1', port: session.localPort });
  const t0 = Date.now();
  const inv = caller.ua.invite({ uri: sipUri(number, target.port), from: { uri: sipUri('caller', caller.transport.port) }, body: body ?? serializeSdp(offer), contentType: 'application/sdp' });
  const d: Dialled = { inv, session, progress: [], outcome: Promise.resolve({ kind: 'failed', failure: { status: 0, reason: '', cancelled: false }, atMs: 0 }), firstSpeechMs: -1, tones: [] };
  inv.on('progress', (r) => d.progress.push(r.status));
  const tone = new ToneDetector();
  let answered = false;
  session.onAudio((frame) => {
    const now = Date.now() - t0;
    if (answered && d.firstSpeechMs < 0 && rms(frame) > SILENT_RMS) d.firstSpeechMs = now;
    const ev = tone.push(frame, now);
    if (ev) d.tones.push(ev);
  });
  const outcome = new Promise<Outcome>((resolve) => {
    inv.on('answered', (dialog, res) => {
      const r = applyAnswer(offer, parseSdp(res.body.toString()));
      assert.ok(r.ok, 'the 200 carries a usable SDP answer');
      session.setRemote({ address: r.media.remoteAddress, port: r.media.remotePort, codec: r.media.codec, payloadType: r.media.payloadType, dtmfPayloadType: r.media.dtmfPayloadType });
      answered = true;
      resolve({ kind: 'answered', dialog, atMs: Date.now() - t0 });
    });
    inv.on('failed', (failure) => resolve({ kind: 'failed', failure, atMs: Date.now() - t0 }));
  });
  return Object.assign(d, { outcome });
}

async function answered(d: Dialled): Promise<{ dialog: Dialog; atMs: number }> {
  const o = await d.outcome;
  assert.equal(o.kind, 'answered', o.kind === 'failed' ? `failed ${o.failure.status}` : '');
  return o as { dialog: Dialog; atMs: number };
}

async function until(cond: () => boolean, ms: number, what: string): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

test('human (…0100): 180, 200 after ~0.5 s, "Hello?" within 2 s; records the caller\'s audio and RFC 4733 digits', async () => {
  const d = await dial(SIMULATOR_NUMBERS.human);
  const { dialog, atMs } = await answered(d);
  assert.deepEqual(d.progress, [180]);
  assert.ok(atMs >= 400 && atMs < 1500, `answered after ${atMs} ms`);
  await until(() => d.firstSpeechMs > 0, 2000, 'non-silent audio');
  assert.ok(d.firstSpeechMs - atMs >= 200, `speech ${d.firstSpeechMs - atMs} ms after the 200: the ~300 ms silence comes first`);
  await d.session.play(fileSource(join(DEFAULT_ASSETS_DIR, 'hello_8k.wav')));
  await d.session.sendDtmf('12#');
  await dialog.bye();
  const rec = await sim.waitForEnd(d.inv.callId);
  await d.session.close();
  assert.equal(rec.behaviour, 'human');
  assert.equal(rec.number, '15550100');
  assert.equal(rec.answered, true);
  assert.equal(rec.status, 200);
  assert.equal(rec.endReason, 'caller-bye');
  assert.equal(rec.dtmf, '12#');
  assert.ok(rec.endedAt !== undefined && rec.endedAt >= rec.startedAt);
  assert.ok(rec.recording && existsSync(rec.recording), 'recording file exists');
  assert.equal(rec.recording, join(dataDir, 'simulator', `${d.inv.callId}.wav`));
  const pcm = decodeWav(await readFile(rec.recording));
  assert.ok(pcm.length > 8000, `recording is ${pcm.length} samples`);
  assert.ok(rms(pcm) > SILENT_RMS, `recording rms ${rms(pcm).toFixed(0)} is not silence`);
});

test('voicemail (…0101): ~6 s greeting, then a 1 kHz beep of ~500 ms', async () => {
  const d = await dial(SIMULATOR_NUMBERS.voicemail);
  const { dialog, atMs } = await answered(d);
  assert.deepEqual(d.progress, [180]);
  await until(() => d.tones.some((t) => t.type === 'tone-end'), 12_000, 'the beep');
  const start = d.tones.find((t) => t.type === 'tone-start');
  const end = d.tones.find((t) => t.type === 'tone-end');
  assert.ok(start && end && end.type === 'tone-end');
  assert.ok(Math.abs(start.hz - 1000) < 15, `beep at ${start.hz} Hz`);
  assert.ok(end.durationMs >= 400 && end.durationMs <= 600, `beep lasts ${end.durationMs} ms`);
  const afterAnswer = start.startMs - atMs;
  assert.ok(afterAnswer > 5000 && afterAnswer < 8000, `beep starts ${afterAnswer} ms after the 200`);
  assert.equal(d.tones.filter((t) => t.type === 'tone-start').length, 1, 'the greeting itself holds no tone');
  await dialog.bye();
  const rec = await sim.waitForEnd(d.inv.callId);
  await d.session.close();
  assert.equal(rec.behaviour, 'voicemail');
  assert.equal(rec.answered, true);
});

test('486, 603 and 503 numbers fail with those statuses and are recorded unanswered', async () => {
  const calls = await Promise.all([SIMULATOR_NUMBERS.busy, SIMULATOR_NUMBERS.decline, SIMULATOR_NUMBERS.unavailable].map((n) => dial(n)));
  const outcomes = await Promise.all(calls.map((c) => c.outcome));
  assert.deepEqual(outcomes.map((o) => (o.kind === 'failed' ? o.failure.status : 200)), [486, 603, 503]);
  for (const c of calls) await c.session.close();
  const recs = await Promise.all(calls.map((c) => sim.waitForEnd(c.inv.callId)));
  assert.deepEqual(recs.map((r) => [r.behaviour, r.status, r.answered, r.endReason]), [
    ['busy', 486, false, 'rejected'], ['decline', 603, false, 'rejected'], ['unavailable', 503, false, 'rejected'],
  ]);
});

test('ring-no-answer (…0487): rings until our CANCEL, then 487', async () => {
  const d = await dial(SIMULATOR_NUMBERS['ring-no-answer']);
  await until(() => d.progress.includes(180), 2000, '180');
  await new Promise((r) => setTimeout(r, 1200));
  d.inv.cancel();
  const o = await d.outcome;
  assert.equal(o.kind, 'failed');
  assert.equal(o.kind === 'failed' && o.failure.status, 487);
  assert.ok(o.atMs >= 1200, `ended after ${o.atMs} ms, not before the CANCEL`);
  await d.session.close();
  const rec = await sim.waitForEnd(d.inv.callId);
  assert.deepEqual([rec.behaviour, rec.status, rec.answered, rec.endReason], ['ring-no-answer', 487, false, 'cancelled']);
});

test('ring-then-answer (…0202): rings ~2 s, then answers as a human', async () => {
  const d = await dial('+15550202');
  const { dialog, atMs } = await answered(d);
  assert.deepEqual(d.progress, [180]);
  assert.ok(atMs >= 1900 && atMs < 3000, `answered after ${atMs} ms`);
  await until(() => d.firstSpeechMs > 0, 2000, '"Hello?"');
  await dialog.bye();
  await d.session.close();
  const rec = await sim.waitForEnd(d.inv.callId);
  assert.deepEqual([rec.behaviour, rec.answered, rec.endReason], ['ring-then-answer', true, 'caller-bye']);
});

test('an offer without PCMU or PCMA → 488', async () => {
  const g722 = ['v=0', 'o=x 1 1 IN IP4 127.0.0.1', 's=x', 'c=IN IP4 127.0.0.1', 't=0 0', 'm=audio 40000 RTP/AVP 9', 'a=rtpmap:9 G722/8000', ''].join('\r\n');
  const d = await dial(SIMULATOR_NUMBERS.human, sim, g722);
  const o = await d.outcome;
  await d.session.close();
  assert.equal(o.kind === 'failed' && o.failure.status, 488);
  const rec = await sim.waitForEnd(d.inv.callId);
  assert.deepEqual([rec.status, rec.answered, rec.endReason], [488, false, 'not-acceptable']);
});

test('the simulator hangs up itself at its call limit; close() hangs up live calls and is idempotent', async () => {
  const short = await startSimulator({
    clock: systemClock, logger: testLogger(), port: await freePort(), rtpPorts: { min: 46400, max: 46499 }, dataDir, maxCallMs: 800, answerDelayMs: 50,
  });
  try {
    const d = await dial('4711', short);
    const { dialog } = await answered(d);
    const reason = await waitFor<DialogEndReason>((fn) => dialog.on('terminated', fn), 3000, 'BYE from the simulator');
    assert.equal(reason, 'bye-received');
    assert.equal((await short.waitForEnd(d.inv.callId)).endReason, 'simulator-bye');
    await d.session.close();

    const live = await dial(SIMULATOR_NUMBERS.voicemail, short);
    const ringing = await dial(SIMULATOR_NUMBERS['ring-no-answer'], short);
    const liveDialog = (await answered(live)).dialog;
    await until(() => ringing.progress.includes(180), 2000, '180');
    const ended = waitFor<DialogEndReason>((fn) => liveDialog.on('terminated', fn), 3000, 'BYE on close');
    await Promise.all([short.close(), short.close()]);
    assert.equal(await ended, 'bye-received');
    const r = await ringing.outcome;
    assert.equal(r.kind === 'failed' && r.failure.status, 503);
    assert.deepEqual(short.calls.map((c) => c.endReason), ['simulator-bye', 'closed', 'closed']);
    assert.ok(short.calls.every((c) => c.endedAt !== undefined));
    await Promise.all([live.session.close(), ringing.session.close()]);
  } finally {
    await short.close();
  }
});

for (const transport of ['udp', 'tcp'] as const) {
  test(`sipp UAC (${transport}) → simulator human number: 180, 200, ACK, BYE from sipp → 200`, async () => {
    const sipp = await startSipp({ scenario: 'uac_call.xml', target: `127.0.0.1:${sim.port}`, transport, extra: ['-s', '+15550100', '-d', '500'] });
    const r = await sipp.done;
    assert.equal(r.failed, 0, r.errors);
    assert.equal(r.successful, 1, r.errors);
    assert.match(r.messages, /SIP\/2.0 180 Ringing/);
    const rec = sim.calls.at(-1);
    assert.ok(rec);
    await sim.waitForEnd(rec.callId);
    assert.deepEqual([sim.call(rec.callId)?.behaviour, sim.call(rec.callId)?.endReason], ['human', 'caller-bye']);
  });
}

test('a port already in use → SIMULATOR_START_FAILED', async () => {
  await assert.rejects(
    startSimulator({ clock: systemClock, logger: testLogger(), port: sim.port, rtpPorts: { min: 46500, max: 46599 }, dataDir }),
    (e: unknown) => e instanceof Error && 'code' in e && e.code === 'SIMULATOR_START_FAILED',
  );
});
