import { test } from 'node:test';
import assert from 'node:assert/strict';
import { simulatorEnv } from '../testkit/sim-gateway.js';
import { startSipp } from '../testkit/sipp.js';
import { freePort } from '../testkit/ports.js';
import { decodeG711, startRtpCapture, type WirePacket } from '../testkit/rtp-capture.js';
import { eventually, startHookServer, startTestGateway, type TestGateway } from '../testkit/gateway.js';
import { zeroCrossingHz } from '../testkit/audio.js';
import { SpeechVendors, type SpeechCredentialLookup } from '../speech/index.js';
import { FakeSttVendor } from '../testkit/speech/fake-vendors.js';

const NUMBER = '4930777000';

async function provisionInbound(t: TestGateway, hooks: string): Promise<string> {
  const acc = await t.api('POST', '/v1/Accounts', { name: 'dial account' });
  const accountSid = (acc.body as { sid: string }).sid;
  const app = await t.api('POST', '/v1/Applications', { name: 'agent', account_sid: accountSid, call_hook: `${hooks}/app`, call_status_hook: `${hooks}/status` });
  const carrier = await t.api('POST', '/v1/VoipCarriers', { name: 'ingress', account_sid: accountSid });
  const carrierSid = (carrier.body as { sid: string }).sid;
  await t.api('POST', '/v1/SipGateways', { voip_carrier_sid: carrierSid, ipv4: '127.0.0.1', inbound: true, outbound: false });
  await t.api('POST', '/v1/PhoneNumbers', { number: NUMBER, account_sid: accountSid, application_sid: (app.body as { sid: string }).sid, voip_carrier_sid: carrierSid });
  return accountSid;
}

/** The frequency of the longest loud stretch of the audio carried by `packets`. */
function toneHz(packets: readonly WirePacket[]): { hz: number; ms: number; pts: Set<number> } {
  const pcm = decodeG711(packets);
  let best = { start: 0, len: 0 };
  let start = -1;
  for (let i = 0; i <= pcm.length; i++) {
    const loud = i < pcm.length && Math.abs(pcm[i]) > 1500;
    if (loud && start < 0) start = i;
    if (!loud && start >= 0) {
      // Tolerate zero crossings: a "quiet" stretch shorter than 4 samples does not end the run.
      if (i + 4 < pcm.length && pcm.subarray(i, i + 4).some((s) => Math.abs(s) > 1500)) continue;
      if (i - start > best.len) best = { start, len: i - start };
      start = -1;
    }
  }
  const mid = pcm.subarray(best.start + 400, best.start + Math.max(400, best.len - 400));
  return { hz: zeroCrossingHz(mid), ms: best.len / 8, pts: new Set(packets.map((p) => p.payloadType)) };
}

test('issue 7 acceptance 1 + 7: an inbound PCMU caller, app dials a PCMA call centre; audio both ways (transcoded), callee BYE ends both legs, actionHook completed', async () => {
  // Issue 7 acceptance 0: with the simulator carrier on (it lives on 127.0.0.1 too).
  const t = await startTestGateway(await simulatorEnv());
  const calleePort = await freePort();
  const hooks = await startHookServer({
    '/app': () => [{ verb: 'dial', target: [{ type: 'sip', sipUri: `sip:agent@127.0.0.1:${calleePort}` }], actionHook: '/dialed' }, { verb: 'say', text: 'not reached' }],
    '/dialed': () => [{ verb: 'hangup' }],
  });
  const [callerMedia, calleeMedia] = [await freePort(), await freePort()];
  const callerCap = await startRtpCapture(callerMedia);
  const calleeCap = await startRtpCapture(calleeMedia);
  try {
    await provisionInbound(t, hooks.url);
    const callee = await startSipp({ scenario: 'uas_answer_tone_pcma.xml', port: calleePort, mediaPort: calleeMedia, timeoutSeconds: 30 });
    const caller = await startSipp({ scenario: 'uac_play_wait_bye.xml', target: `127.0.0.1:${t.gw.sipPort}`, mediaPort: callerMedia, extra: ['-s', NUMBER], timeoutSeconds: 30 });
    const [a, b] = [await caller.done, await callee.done];
    assert.equal(a.successful, 1, `caller: ${a.errors}`);
    assert.equal(b.successful, 1, `callee: ${b.errors}`);
    const dialed = await eventually(() => hooks.seen.find((h) => h.path === '/dialed'), 5000, 'dial actionHook');
    assert.equal(dialed.json.dial_call_status, 'completed');
    assert.equal(dialed.json.dial_sip_status, 200);
    const childSid = String(dialed.json.dial_call_sid);
    // The child leg's statuses go on the parent's status queue, apart from the actionHook: wait for its last one.
    const child = await eventually(() => {
      const c = hooks.seen.filter((h) => h.path === '/status' && h.json.call_sid === childSid);
      return c.some((h) => h.json.call_status === 'completed') && c;
    }, 5000, 'the child leg\'s completed status');
    assert.ok(child.length >= 3, 'the child leg sends its own status events');
    assert.ok(child.every((h) => typeof h.json.parent_call_sid === 'string'));
    // Issue 12 item 17: the child leg's record names its parent's SIP Call-ID.
    const parentSid = String(child[0].json.parent_call_sid);
    const cdr = async (sid: string): Promise<Record<string, unknown>> => (await t.api('GET', `/v1/Accounts/${String(dialed.json.account_sid)}/RecentCalls/${sid}`)).body as Record<string, unknown>;
    const [parentCdr, childCdr] = await eventually(async () => {
      const both = [await cdr(parentSid), await cdr(childSid)];
      return both.every((c) => typeof c.terminated_at === 'string') && both;
    }, 5000, 'both records');
    assert.equal(childCdr.sip_parent_callid, parentCdr.sip_callid);
    assert.equal(childCdr.remote_host, `127.0.0.1:${calleePort}`);
    const atCaller = toneHz(await callerCap.stop());
    const atCallee = toneHz(await calleeCap.stop());
    assert.deepEqual([...atCallee.pts].filter((p) => p !== 101), [8], 'the callee gets PCMA');
    assert.ok(Math.abs(atCallee.hz - 1000) <= 10, `callee hears the caller's 1 kHz: ${atCallee.hz.toFixed(1)} Hz over ${atCallee.ms} ms`);
    assert.ok(atCallee.ms > 2000);
    assert.ok(Math.abs(atCaller.hz - 1400) <= 10, `caller hears the callee's 1.4 kHz: ${atCaller.hz.toFixed(1)} Hz over ${atCaller.ms} ms`);
    assert.ok(atCaller.ms > 2000);
  } finally {
    await callerCap.stop().catch(() => undefined);
    await calleeCap.stop().catch(() => undefined);
    await hooks.close();
    await t.close();
  }
});

test('issue 7 acceptance 2: answerOnBridge — the caller gets 200 only after the callee answers; a busy callee → dial_call_status busy and the next verbs run; sip:decline rejects', async () => {
  const t = await startTestGateway(await simulatorEnv());
  const slowPort = await freePort();
  const busyPort = await freePort();
  let mode: 'bridge' | 'busy' | 'decline' = 'bridge';
  const hooks = await startHookServer({
    '/app': () => (mode === 'decline'
      ? [{ verb: 'sip:decline', status: 486, reason: 'Busy Here' }]
      : [{ verb: 'dial', answerOnBridge: true, timeLimit: 2, target: [{ type: 'sip', sipUri: `sip:agent@127.0.0.1:${mode === 'bridge' ? slowPort : busyPort}` }], actionHook: '/dialed' }]),
    '/dialed': (r) => (r.json.dial_call_status === 'busy' ? [{ verb: 'say', text: 'Everyone is busy. Goodbye.' }, { verb: 'hangup' }] : [{ verb: 'hangup' }]),
  });
  try {
    await provisionInbound(t, hooks.url);
    const slow = await startSipp({ scenario: 'uas_ring_answer.xml', port: slowPort, extra: ['-d', '2000'], timeoutSeconds: 30 });
    const caller = await startSipp({ scenario: 'uac_wait_bye.xml', target: `127.0.0.1:${t.gw.sipPort}`, extra: ['-s', NUMBER], timeoutSeconds: 30 });
    assert.equal((await caller.done).successful, 1);
    assert.equal((await slow.done).successful, 1);
    const status = hooks.seen.filter((h) => h.path === '/status');
    const parent = status.find((h) => h.json.call_status === 'in-progress' && !h.json.parent_call_sid);
    const child = status.find((h) => h.json.call_status === 'in-progress' && h.json.parent_call_sid);
    assert.ok(parent && child);
    assert.ok(String(parent.json.timestamp) >= String(child.json.timestamp), `caller answered at ${String(parent.json.timestamp)}, callee at ${String(child.json.timestamp)}`);

    mode = 'busy';
    const busy = await startSipp({ scenario: 'uas_busy.xml', port: busyPort, timeoutSeconds: 30 });
    const caller2 = await startSipp({ scenario: 'uac_wait_bye.xml', target: `127.0.0.1:${t.gw.sipPort}`, extra: ['-s', NUMBER], timeoutSeconds: 30 });
    assert.equal((await caller2.done).successful, 1, 'the next verbs answered the caller and hung up');
    await busy.done;
    const dialed = hooks.seen.filter((h) => h.path === '/dialed').at(-1);
    assert.equal(dialed?.json.dial_call_status, 'busy');
    assert.equal(dialed?.json.dial_sip_status, 486);

    mode = 'decline';
    const caller3 = await startSipp({ scenario: 'uac_expect_486.xml', target: `127.0.0.1:${t.gw.sipPort}`, extra: ['-s', NUMBER], timeoutSeconds: 30 });
    const r3 = await caller3.done;
    assert.equal(r3.successful, 1, r3.errors);
    assert.match(r3.messages, /^X-Reason: SIP Decline Verb/m);
  } finally {
    await hooks.close();
    await t.close();
  }
});

test('dial dtmfCapture: digits the callee sends while bridged complete childCall patterns, each posted once to dtmfHook', async () => {
  const t = await startTestGateway(await simulatorEnv());
  const calleePort = await freePort();
  const hooks = await startHookServer({
    '/app': () => [{
      verb: 'dial', timeLimit: 6, target: [{ type: 'sip', sipUri: `sip:agent@127.0.0.1:${calleePort}` }], actionHook: '/dialed',
      dtmfCapture: { parentCall: ['9'], childCall: ['23', '4#'] }, dtmfHook: '/dtmf',
    }],
    '/dialed': () => [{ verb: 'hangup' }],
    // A notification: verbs in the reply are not run.
    '/dtmf': () => [{ verb: 'hangup' }],
  });
  try {
    await provisionInbound(t, hooks.url);
    // The callee answers, then sends RFC 4733 digits 1 2 3 4 # (sipp pcap play).
    const callee = await startSipp({ scenario: 'uas_dtmf_1234.xml', port: calleePort, timeoutSeconds: 30 });
    const caller = await startSipp({ scenario: 'uac_wait_bye.xml', target: `127.0.0.1:${t.gw.sipPort}`, extra: ['-s', NUMBER], timeoutSeconds: 30 });
    const [a, b] = [await caller.done, await callee.done];
    assert.equal(a.successful, 1, `caller: ${a.errors}`);
    assert.equal(b.successful, 1, `callee: ${b.errors}`);
    const dialed = await eventually(() => hooks.seen.find((h) => h.path === '/dialed'), 5000, 'dial actionHook');
    assert.equal(dialed.json.dial_call_status, 'completed', 'the dtmfHook reply did not end the bridge');
    const posted = hooks.seen.filter((h) => h.path === '/dtmf');
    assert.deepEqual(posted.map((h) => h.json.dtmf), ['23', '4#']);
    assert.ok(posted.every((h) => h.json.call_sid === dialed.json.call_sid), 'posted with the parent call info');
  } finally {
    await hooks.close();
    await t.close();
  }
});

test('dial confirmHook: the screening app runs on the answered callee; a digit accepts and bridges, a hang-up declines (no-answer)', async () => {
  const t = await startTestGateway(await simulatorEnv());
  const calleePort = await freePort();
  let accept = true;
  const hooks = await startHookServer({
    '/app': () => [{ verb: 'dial', timeLimit: 3, target: [{ type: 'sip', sipUri: `sip:agent@127.0.0.1:${calleePort}`, confirmHook: '/confirm' }], actionHook: '/dialed' }],
    // Runs on the callee: it sends the digit 1 after answering (sipp pcap play).
    '/confirm': () => [{ verb: 'gather', input: ['digits'], numDigits: 1, timeout: 5, actionHook: '/confirmed' }],
    '/confirmed': () => (accept ? [] : [{ verb: 'hangup' }]),
    '/dialed': () => [{ verb: 'hangup' }],
  });
  try {
    await provisionInbound(t, hooks.url);
    for (const mode of ['accept', 'decline'] as const) {
      accept = mode === 'accept';
      const before = hooks.seen.length;
      const callee = await startSipp({ scenario: 'uas_dtmf_1.xml', port: calleePort, timeoutSeconds: 30 });
      const caller = await startSipp({ scenario: 'uac_wait_bye.xml', target: `127.0.0.1:${t.gw.sipPort}`, extra: ['-s', NUMBER], timeoutSeconds: 30 });
      const [a, b] = [await caller.done, await callee.done];
      assert.equal(a.successful, 1, `${mode} caller: ${a.errors}`);
      assert.equal(b.successful, 1, `${mode} callee: ${b.errors}`);
      const dialed = await eventually(() => hooks.seen.slice(before).find((h) => h.path === '/dialed'), 5000, 'dial actionHook');
      const seen = hooks.seen.slice(before);
      const childSid = String(dialed.json.dial_call_sid);
      const confirm = seen.find((h) => h.path === '/confirm');
      assert.equal(confirm?.json.call_sid, childSid, 'the confirm app is requested with the callee leg info');
      assert.equal(confirm?.json.parent_call_sid, dialed.json.call_sid);
      assert.equal(seen.find((h) => h.path === '/confirmed')?.json.digits, '1');
      if (mode === 'accept') {
        assert.equal(dialed.json.dial_call_status, 'completed');
        await eventually(() => hooks.seen.slice(before).find((h) => h.path === '/status' && h.json.call_sid === childSid && h.json.call_status === 'completed'), 5000, 'the callee leg completed after the bridge');
      } else {
        assert.equal(dialed.json.dial_call_status, 'no-answer');
        assert.equal(dialed.json.dial_sip_status, 480);
      }
    }
  } finally {
    await hooks.close();
    await t.close();
  }
});

test('dial transcribe: both sides of the bridge are transcribed, each with its own recognizer; the dialed party\'s speech comes as channel_tag 2', async () => {
  const stt = new FakeSttVendor({ vendor: 'fakestt', transcripts: ['hello from the agent'] });
  const anyAccount: SpeechCredentialLookup = {
    find: async (accountSid, vendor) => (vendor === 'fakestt' ? { sid: 'cred-1', accountSid, vendor, useForStt: true, useForTts: false, fields: { api_key: 'k' } } : undefined),
  };
  const t = await startTestGateway(await simulatorEnv(), { vendors: new SpeechVendors().addStt(stt), credentials: anyAccount });
  const calleePort = await freePort();
  const hooks = await startHookServer({
    '/app': () => [{
      verb: 'dial', timeLimit: 6, target: [{ type: 'sip', sipUri: `sip:agent@127.0.0.1:${calleePort}` }], actionHook: '/dialed',
      transcribe: { transcriptionHook: '/transcript', recognizer: { vendor: 'fakestt', language: 'en-GB' } },
    }],
    '/dialed': () => [{ verb: 'hangup' }],
  });
  try {
    await provisionInbound(t, hooks.url);
    // The callee answers and speaks ("hello", a recording); the caller says nothing.
    const callee = await startSipp({ scenario: 'uas_answer_hello.xml', port: calleePort, timeoutSeconds: 30 });
    const caller = await startSipp({ scenario: 'uac_wait_bye.xml', target: `127.0.0.1:${t.gw.sipPort}`, extra: ['-s', NUMBER], timeoutSeconds: 30 });
    const posted = await eventually(() => hooks.seen.find((h) => h.path === '/transcript'), 15_000, 'a transcript');
    const speech = posted.json.speech as { channel_tag: number; language_code: string; alternatives: { transcript: string }[] };
    assert.equal(speech.channel_tag, 2, 'the dialed party speaks on channel 2');
    assert.equal(speech.alternatives[0].transcript, 'hello from the agent');
    assert.equal(speech.language_code, 'en-GB');
    assert.equal(stt.requests.length, 2, 'one recognizer per side');
    await caller.done;
    await callee.done;
    await eventually(() => stt.streams.every((s) => s.closed), 5000, 'both recognizers closed when the bridge ended');
  } finally {
    await hooks.close();
    await t.close();
  }
});
