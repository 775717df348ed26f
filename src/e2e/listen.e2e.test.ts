/**
 * Issue 15 acceptance 2: `listen` on a real call. sipp answers and sends a 1.4 kHz tone; the
 * stream's server (a plain `ws` server) receives it as L16 at the asked rate; what the server
 * sends back (playAudio clips, then streamed binary audio) reaches sipp's RTP capture; killAudio
 * cuts a clip short; mark events come back in order.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { goertzelCoefficient, goertzelPower } from '../media/dsp/goertzel.js';
import { encodeWav } from '../media/index.js';
import { toneFrames, tones } from '../testkit/audio.js';
import { eventually, provisionSippCarrier, startHookServer, startTestGateway, type HookRequest } from '../testkit/gateway.js';
import { startListenServer, streamedPcm, type ListenConnection } from '../testkit/listen-server.js';
import { decodeG711, startRtpCapture } from '../testkit/rtp-capture.js';
import { freePort } from '../testkit/ports.js';
import { startSipp } from '../testkit/sipp.js';

function power(pcm: Int16Array, hz: number, rate: number): number {
  return goertzelPower(pcm, pcm.length, goertzelCoefficient(hz, rate));
}

const l16 = (pcm: Int16Array): Buffer => {
  const b = Buffer.alloc(pcm.length * 2);
  pcm.forEach((v, i) => b.writeInt16LE(v, i * 2));
  return b;
};

const markEvents = (c: ListenConnection): unknown[] => c.events.filter((e) => e.type === 'mark').map((e) => e.data);

/** 16 kHz tone (the helper makes 8 kHz; two interleaved phases make the 16 kHz signal). */
function tone16k(hz: number, ms: number): Int16Array {
  const n = (ms * 16000) / 1000;
  const out = new Int16Array(n);
  for (let i = 0; i < n; i++) out[i] = Math.round(8000 * Math.sin((2 * Math.PI * hz * i) / 16000));
  return out;
}

type Put = (body: Record<string, unknown>) => Promise<number>;

async function runCall(listen: Record<string, unknown>, onConnection: (c: ListenConnection, put: Put) => void): Promise<{ conn: ListenConnection; heard: Int16Array; hooks: HookRequest[]; sid: string }> {
  const t = await startTestGateway();
  let put: Put = () => Promise.resolve(0);
  const server = await startListenServer((c) => onConnection(c, (body) => put(body)));
  const hooks = await startHookServer({
    '/app': () => [{ listen: { url: `${server.url}/audio`, actionHook: '/listen-done', ...listen } }, { pause: { length: 15 } }],
    '/listen-done': () => [],
  });
  const sipp = await startSipp({ scenario: 'uas_answer_tone_long.xml', timeoutSeconds: 40 });
  const capture = await startRtpCapture(sipp.mediaPort);
  try {
    const p = await provisionSippCarrier(t, hooks.url, [sipp.port]);
    const res = await t.api('POST', `/v1/Accounts/${p.accountSid}/Calls`, { application_sid: p.applicationSid, from: p.from, to: { type: 'phone', number: '15550030' } });
    assert.equal(res.status, 201, JSON.stringify(res.body));
    put = async (body) => (await t.api('PUT', `/v1/Accounts/${p.accountSid}/Calls/${(res.body as { sid: string }).sid}`, body)).status;
    await eventually(() => hooks.seen.find((h) => h.path === '/listen-done'), 20_000, 'the listen actionHook');
    await sipp.done;
    const conn = server.connections[0];
    return { conn, heard: decodeG711(await capture.stop()), hooks: hooks.seen, sid: (res.body as { sid: string }).sid };
  } finally {
    await capture.stop();
    sipp.kill();
    await hooks.close();
    await server.close();
    await t.close();
  }
}

test('issue 15 acceptance 2: listen streams the caller\'s tone as L16 at 16 kHz; playAudio clips play to the caller, killAudio cuts one, marks come back in order', async () => {
  const sent: string[] = [];
  const send = (c: ListenConnection, m: unknown): void => {
    sent.push(JSON.stringify(m));
    c.ws.send(JSON.stringify(m));
  };
  const r = await runCall({ sampleRate: 16000, metadata: { tenant: 't1' }, wsAuth: { username: 'u', password: 'p w' } }, (c) => {
    // A 1 s 600 Hz clip (raw, 16 kHz), then mark a; once a has played: a 3 s 800 Hz clip (wav),
    // mark k, and killAudio 500 ms later; once k is cleared, disconnect (after 1 s of quiet).
    send(c, { type: 'playAudio', data: { audioContent: l16(tone16k(600, 1000)).toString('base64'), audioContentType: 'raw', sampleRate: 16000 } });
    send(c, { type: 'mark', data: { name: 'a' } });
    c.ws.on('message', (data: Buffer, isBinary: boolean) => {
      if (isBinary) return;
      const m = JSON.parse(data.toString()) as { type?: string; data?: { name?: string; event?: string } };
      if (m.type === 'mark' && m.data?.name === 'a') {
        send(c, { type: 'playAudio', data: { audioContent: encodeWav(tones([800], 3000)).toString('base64'), audioContentType: 'wav' } });
        send(c, { type: 'mark', data: { name: 'k' } });
        setTimeout(() => send(c, { type: 'killAudio' }), 500);
      }
      if (m.type === 'mark' && m.data?.name === 'k') setTimeout(() => send(c, { type: 'disconnect' }), 1000);
    });
  });
  const { conn } = r;
  assert.ok(conn, 'the gateway connected to the listen server');
  assert.equal(conn.headers['sec-websocket-protocol'], 'audio.jambonz.org');
  assert.equal(conn.headers.authorization, `Basic ${Buffer.from('u:p w').toString('base64')}`);
  assert.equal(conn.metadata?.callSid, r.sid);
  assert.equal(conn.metadata?.sampleRate, 16000);
  assert.equal(conn.metadata?.mixType, 'mono');
  assert.equal(conn.metadata?.tenant, 't1');
  // The caller's tone, as the server received it: 16 kHz L16 carrying 1.4 kHz.
  const pcm = streamedPcm(conn);
  assert.ok(pcm.length > 16000 * 2, `${pcm.length} samples streamed`);
  const window = pcm.subarray(16000 * 1, 16000 * 2);
  assert.ok(power(window, 1400, 16000) > 100 * power(window, 1000, 16000), 'the 1.4 kHz tone arrives at 16 kHz');
  // What the caller heard: the whole first clip, and the second only until killAudio.
  const clip1 = toneFrames(r.heard, 600, [800, 1400]);
  const clip2 = toneFrames(r.heard, 800, [600, 1400]);
  assert.ok(clip1 >= 40, `the 1 s playAudio clip was heard for ${clip1 * 20} ms`);
  assert.ok(clip2 >= 10 && clip2 <= 60, `the 3 s clip was heard for ${clip2 * 20} ms before killAudio cut it`);
  assert.deepEqual(markEvents(conn), [{ name: 'a', event: 'playout' }, { name: 'k', event: 'cleared' }]);
  const done = r.hooks.find((h) => h.path === '/listen-done');
  assert.equal(typeof done?.json.dial_call_duration, 'number');
  assert.ok(Number(done?.json.dial_call_duration) >= 1);
});

test('issue 15 acceptance 2: bidirectional streaming — binary L16 from the server plays to the caller; a mark after it is reported once it has played', async () => {
  let sentAt = 0;
  let markAt = 0;
  const r = await runCall({ sampleRate: 8000, bidirectionalAudio: { enabled: true, streaming: true, sampleRate: 16000 } }, (c) => {
    // 2 s of 500 Hz at 16 kHz in 20 ms binary frames, all at once (the gateway queues them), then a mark.
    const audio = l16(tone16k(500, 2000));
    for (let i = 0; i < audio.length; i += 640) c.ws.send(audio.subarray(i, i + 640));
    c.ws.send(JSON.stringify({ type: 'mark', data: { name: 'end' } }));
    sentAt = Date.now();
    c.ws.on('message', (data: Buffer, isBinary: boolean) => {
      if (isBinary) return;
      const m = JSON.parse(data.toString()) as { type?: string; data?: { name?: string } };
      if (m.type === 'mark' && m.data?.name === 'end') {
        markAt = Date.now();
        c.ws.send(JSON.stringify({ type: 'disconnect' }));
      }
    });
  });
  const heard = toneFrames(r.heard, 500, [1400, 1000]);
  assert.ok(heard >= 85, `the streamed 2 s were heard for ${heard * 20} ms`);
  assert.deepEqual(markEvents(r.conn), [{ name: 'end', event: 'playout' }]);
  assert.ok(markAt - sentAt >= 1800, `the mark came back ${markAt - sentAt} ms after the audio was sent (it waits for the audio)`);
  assert.equal(r.conn.metadata?.sampleRate, 8000);
  const pcm = streamedPcm(r.conn);
  const window = pcm.subarray(8000, 16000);
  assert.ok(power(window, 1400, 8000) > 100 * power(window, 1000, 8000), 'the caller\'s tone arrives at 8 kHz');
});

test('issue 15: PUT /Calls listen_status — silence sends silent frames, pause sends none, resume sends the caller\'s audio again', async () => {
  const at: Record<string, number> = {};
  const statuses: number[] = [];
  const r = await runCall({ sampleRate: 8000, bidirectionalAudio: { enabled: false } }, (c, put) => {
    const step = (name: string, body: Record<string, unknown> | undefined, ms: number): void => {
      setTimeout(() => {
        at[name] = performance.now();
        if (body) void put(body).then((s) => statuses.push(s));
        else c.ws.send(JSON.stringify({ type: 'disconnect' }));
      }, ms);
    };
    step('silence', { listen_status: 'silence' }, 600);
    step('pause', { listen_status: 'pause' }, 1200);
    step('resume', { listen_status: 'resume' }, 1800);
    step('end', undefined, 2400);
  });
  assert.deepEqual(statuses, [202, 202, 202]);
  const c = r.conn;
  const frames = (from: number, to: number): Buffer[] => c.frames.filter((_f, i) => c.frameTimes[i] > from && c.frameTimes[i] < to);
  const loud = (b: Buffer): boolean => {
    let peak = 0;
    for (let i = 0; i + 1 < b.length; i += 2) peak = Math.max(peak, Math.abs(b.readInt16LE(i)));
    return peak > 1000;
  };
  // 100 ms margins: the PUT's own round trip.
  const silent = frames(at.silence + 150, at.pause - 50);
  assert.ok(silent.length >= 15, `${silent.length} frames while silenced`);
  assert.ok(silent.every((b) => !loud(b)), 'silenced frames carry no audio');
  assert.deepEqual(frames(at.pause + 150, at.resume - 50).length, 0, 'nothing is sent while paused');
  const resumed = frames(at.resume + 150, at.end - 50);
  assert.ok(resumed.length >= 15 && resumed.every(loud), `${resumed.length} frames after resume carry the tone`);
  assert.ok(frames(0, at.silence - 50).some(loud), 'the tone streamed before');
});

test('issue 15: dial.listen with mixType stereo — the caller (1 kHz) on the left channel, the dialled party (1.4 kHz) on the right, for the bridge\'s life', async () => {
  const number = '4930777015';
  const t = await startTestGateway();
  const server = await startListenServer();
  const calleePort = await freePort();
  const hooks = await startHookServer({
    '/app': () => [{ verb: 'dial', target: [{ type: 'sip', sipUri: `sip:agent@127.0.0.1:${calleePort}` }], actionHook: '/dialed', listen: { url: `${server.url}/bridge`, mixType: 'stereo', actionHook: '/listen-done' } }, { verb: 'hangup' }],
    '/dialed': () => [{ verb: 'hangup' }],
  });
  const sipps: Array<{ kill(): void }> = [];
  try {
    const acc = await t.api('POST', '/v1/Accounts', { name: 'listen dial' });
    const accountSid = (acc.body as { sid: string }).sid;
    const app = await t.api('POST', '/v1/Applications', { name: 'agent', account_sid: accountSid, call_hook: `${hooks.url}/app`, call_status_hook: `${hooks.url}/status` });
    const carrier = await t.api('POST', '/v1/VoipCarriers', { name: 'ingress', account_sid: accountSid });
    await t.api('POST', '/v1/SipGateways', { voip_carrier_sid: (carrier.body as { sid: string }).sid, ipv4: '127.0.0.1', inbound: true, outbound: false });
    await t.api('POST', '/v1/PhoneNumbers', { number, account_sid: accountSid, application_sid: (app.body as { sid: string }).sid, voip_carrier_sid: (carrier.body as { sid: string }).sid });
    const callee = await startSipp({ scenario: 'uas_answer_tone_pcma.xml', port: calleePort, timeoutSeconds: 30 });
    sipps.push(callee);
    const caller = await startSipp({ scenario: 'uac_play_wait_bye.xml', target: `127.0.0.1:${t.gw.sipPort}`, extra: ['-s', number], timeoutSeconds: 30 });
    sipps.push(caller);
    await Promise.all([caller.done, callee.done]);
    const done = await eventually(() => hooks.seen.find((h) => h.path === '/listen-done'), 5000, 'the dial.listen actionHook');
    assert.equal(typeof done.json.dial_call_duration, 'number');
    const conn = server.connections[0];
    assert.equal(conn.metadata?.mixType, 'stereo');
    const pcm = streamedPcm(conn);
    const left = pcm.filter((_v, i) => i % 2 === 0);
    const right = pcm.filter((_v, i) => i % 2 === 1);
    assert.ok(left.length > 8000, `${left.length} stereo sample pairs`);
    assert.ok(power(left, 1000, 8000) > 20 * power(left, 1400, 8000), 'the left channel is the caller\'s 1 kHz');
    assert.ok(power(right, 1400, 8000) > 20 * power(right, 1000, 8000), 'the right channel is the dialled party\'s 1.4 kHz');
  } finally {
    for (const p of sipps) p.kill();
    await hooks.close();
    await server.close();
    await t.close();
  }
});
