/**
 * PUT /Calls `record` (contract §5.1): SIPREC recording (RFC 7866) of a live call to a recording
 * server played by sipp. The callee (sipp) sends a 1.4 kHz tone, the application plays a 600 Hz
 * tone; the server's two RTP sockets must hear the tone each side sent, on its own stream.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { serveAudio, toneFrames, tones, wavBytes } from '../testkit/audio.js';
import { eventually, provisionSippCarrier, startHookServer, startTestGateway, type TestGateway } from '../testkit/gateway.js';
import { RtpPeer } from '../testkit/rtp-peer.js';
import { startSipp, type SippRun } from '../testkit/sipp.js';

interface Rig {
  readonly t: TestGateway;
  readonly put: (body: Record<string, unknown>) => Promise<{ status: number; body: unknown }>;
  readonly timeline: () => Promise<Array<Record<string, unknown>>>;
  readonly hooks: Awaited<ReturnType<typeof startHookServer>>;
  readonly callee: SippRun;
  readonly accountSid: string;
  readonly sid: string;
  close(): Promise<void>;
}

/**
 * A gateway, a callee sending its tone (then holding: `hold`, 25 s; else hanging up 8 s after it
 * answered), an app playing 600 Hz; resolves once the call is answered.
 */
async function answeredCall(ending: 'hold' | 'hang-up' = 'hold'): Promise<Rig> {
  const t = await startTestGateway();
  const audio = await serveAudio(wavBytes(tones([600], 12_000)));
  const hooks = await startHookServer({ '/app': () => [{ verb: 'play', url: `${audio.url}/600.wav` }, { verb: 'pause', length: 10 }] });
  const callee = await startSipp({ scenario: ending === 'hold' ? 'uas_answer_tone_hold.xml' : 'uas_answer_tone_long.xml', timeoutSeconds: 40 });
  const p = await provisionSippCarrier(t, hooks.url, [callee.port]);
  const res = await t.api('POST', `/v1/Accounts/${p.accountSid}/Calls`, { application_sid: p.applicationSid, from: p.from, to: { type: 'phone', number: '15550030' } });
  assert.equal(res.status, 201, JSON.stringify(res.body));
  const sid = (res.body as { sid: string }).sid;
  const path = `/v1/Accounts/${p.accountSid}/Calls/${sid}`;
  await eventually(() => hooks.seen.find((h) => h.path === '/status' && h.json.call_status === 'in-progress'), 10_000, 'the call answered');
  return {
    t, hooks, callee, accountSid: p.accountSid, sid,
    put: (body) => t.api('PUT', path, body),
    timeline: async () => {
      const r = await t.api('GET', `${path}/Timeline`);
      return (r.body as { timeline: Array<Record<string, unknown>> }).timeline;
    },
    async close() {
      // Hang up while the callee can still answer the BYE (a dead peer would hold the gateway's shutdown for Timer F).
      if ((await t.api('PUT', path, { call_status: 'completed' })).status === 202) {
        await eventually(() => hooks.seen.find((h) => h.path === '/status' && h.json.call_status === 'completed'), 10_000, 'the call hung up');
      }
      callee.kill();
      await hooks.close();
      await audio.close();
      await t.close();
    },
  };
}

const recordNotes = (events: Array<Record<string, unknown>>): Array<Record<string, unknown>> => events.filter((e) => e.event === 'record');

test('PUT record: start streams both sides to the SIPREC server (label 1 the callee, label 2 what it hears), pause and resume re-INVITE, stop sends BYE', async () => {
  const rig = await answeredCall();
  const far = await RtpPeer.open();
  const near = await RtpPeer.open();
  const srs = await startSipp({ scenario: 'uas_siprec_srs.xml', timeoutSeconds: 30, extra: ['-key', 'far_port', String(far.port), '-key', 'near_port', String(near.port)] });
  try {
    // Checked at once: no recording yet, a start without a server, the cloud type.
    const early = await rig.put({ record: { action: 'stopCallRecording' } });
    assert.equal(early.status, 422, JSON.stringify(early.body));
    const noServer = await rig.put({ record: { action: 'startCallRecording' } });
    assert.equal(noServer.status, 400);
    assert.equal((noServer.body as { errors: Array<{ path: string }> }).errors[0].path, 'record.siprecServerURL');
    const cloud = await rig.put({ record: { action: 'startCallRecording', type: 'cloud' } });
    assert.equal(cloud.status, 400);

    const start = await rig.put({ record: { action: 'startCallRecording', siprecServerURL: `sip:srs@127.0.0.1:${srs.port}`, recordingID: 'rec-42', headers: { 'X-Customer': 'acme' } } });
    assert.equal(start.status, 202, JSON.stringify(start.body));
    assert.equal((await rig.put({ record: { action: 'startCallRecording', siprecServerURL: `sip:srs@127.0.0.1:${srs.port}` } })).status, 422, 'one recording at a time');
    await eventually(() => far.packets.length >= 100 && near.packets.length >= 100, 10_000, '2 s on both streams');

    assert.equal((await rig.put({ record: { action: 'pauseCallRecording' } })).status, 202);
    await eventually(async () => recordNotes(await rig.timeline()).some((e) => (e.detail as Record<string, unknown> | undefined)?.action === 'pauseCallRecording'), 5000, 'the pause on the Timeline');
    const paused = [far.packets.length, near.packets.length];
    await new Promise((r) => setTimeout(r, 400));
    assert.ok(far.packets.length - paused[0] <= 2 && near.packets.length - paused[1] <= 2, `no audio while paused: ${far.packets.length - paused[0]}, ${near.packets.length - paused[1]} packets`);

    assert.equal((await rig.put({ record: { action: 'resumeCallRecording' } })).status, 202);
    await eventually(() => far.packets.length >= paused[0] + 25 && near.packets.length >= paused[1] + 25, 5000, 'audio again after resume');

    assert.equal((await rig.put({ record: { action: 'stopCallRecording' } })).status, 202);
    const r = await srs.done;
    assert.equal(r.successful, 1, `the SRS scenario (INVITE, 2 re-INVITEs, BYE): ${r.errors}`);

    const invite = r.messages.split(/\n(?=-{5,})/).find((m) => /INVITE sip:srs@/.test(m) && /rs-metadata/.test(m)) ?? '';
    assert.match(invite, /^Require: siprec\s*$/m);
    assert.match(invite, /^Contact: <[^>]+>;\+sip\.src/m);
    assert.match(invite, /^Content-Type: multipart\/mixed;boundary=/m);
    assert.match(invite, /Content-Type: application\/rs-metadata\+xml\r?\nContent-Disposition: recording-session/);
    assert.match(invite, /a=label:1[\s\S]*a=label:2/);
    assert.equal((invite.match(/^a=sendonly/gm) ?? []).length, 2);
    assert.match(invite, /^X-Recording-ID: rec-42\s*$/m);
    assert.match(invite, /^X-Customer: acme\s*$/m);
    assert.match(invite, new RegExp(`^X-Call-Sid: ${rig.sid}\\s*$`, 'm'));
    assert.match(invite, /<nameID aor="sip:15550030@/);
    const pause = r.messages.split(/\n(?=-{5,})/).filter((m) => /^INVITE sip:srs@/m.test(m));
    assert.equal(pause.length, 3, 'the INVITE and two re-INVITEs');
    assert.equal((pause[1].match(/^a=inactive/gm) ?? []).length, 2, 'pause: both streams inactive');
    assert.equal((pause[2].match(/^a=sendonly/gm) ?? []).length, 2, 'resume: both streams sendonly');

    // What each side said, on its own stream.
    const farPcm = far.decode(0, 'PCMU');
    const nearPcm = near.decode(0, 'PCMU');
    assert.ok(toneFrames(farPcm, 1400, [600]) >= 50, `label 1 carries the callee's 1.4 kHz tone: ${toneFrames(farPcm, 1400, [600])} frames`);
    assert.equal(toneFrames(farPcm, 600, [1400]), 0, 'and not the prompt');
    assert.ok(toneFrames(nearPcm, 600, [1400]) >= 50, `label 2 carries the 600 Hz prompt: ${toneFrames(nearPcm, 600, [1400])} frames`);
    assert.equal(toneFrames(nearPcm, 1400, [600]), 0, 'and not the callee');
  } finally {
    srs.kill();
    far.close();
    near.close();
    await rig.close();
  }
});

test('a recording ends with its call (BYE to the server); a server that answers one stream gets a BYE and the call a record-failure alert', async () => {
  const rig = await answeredCall('hang-up');
  const far = await RtpPeer.open();
  const near = await RtpPeer.open();
  const srs = await startSipp({ scenario: 'uas_siprec_srs_simple.xml', timeoutSeconds: 30, extra: ['-key', 'far_port', String(far.port), '-key', 'near_port', String(near.port)] });
  const oneStream = await startSipp({ scenario: 'uas_rr_hold.xml', timeoutSeconds: 30 });
  try {
    assert.equal((await rig.put({ record: { action: 'startCallRecording', siprecServerURL: `sip:srs@127.0.0.1:${srs.port}` } })).status, 202);
    await eventually(() => far.packets.length >= 25, 10_000, 'the recording flowing');
    // The callee hangs up (its scenario's BYE): the recording session ends with the call.
    const r = await srs.done;
    assert.equal(r.successful, 1, `the SRS got its BYE: ${r.errors}`);
    await eventually(() => rig.hooks.seen.find((h) => h.path === '/status' && h.json.call_status === 'completed'), 15_000, 'the call completed');
  } finally {
    srs.kill();
    far.close();
    near.close();
    await rig.close();
  }
  const rig2 = await answeredCall();
  try {
    assert.equal((await rig2.put({ record: { action: 'startCallRecording', siprecServerURL: `sip:srs@127.0.0.1:${oneStream.port}` } })).status, 202);
    const r = await oneStream.done;
    assert.equal(r.successful, 1, `the one-stream server got its BYE: ${r.errors}`);
    const alerts = await eventually(async () => {
      const a = await rig2.t.api('GET', `/v1/Accounts/${rig2.accountSid}/Alerts`);
      const rows = (a.body as { data: Array<{ call_sid: string; alert_type: string; message: string }> }).data;
      return rows.find((x) => x.call_sid === rig2.sid && x.alert_type === 'record-failure');
    }, 5000, 'the record-failure alert');
    assert.match(alerts.message, /answered 1 of 2 streams/);
    // The call goes on: the recording can be asked for again.
    assert.equal((await rig2.put({ record: { action: 'stopCallRecording' } })).status, 422);
  } finally {
    oneStream.kill();
    await rig2.close();
  }
});
