import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SpeechVendors, type SpeechCredentialLookup } from '../speech/index.js';
import { eventually, provisionSippCarrier, startHookServer, startTestGateway, type HookRequest } from '../testkit/gateway.js';
import { decodeG711, startRtpCapture } from '../testkit/rtp-capture.js';
import { startSipp } from '../testkit/sipp.js';
import { FakeSttVendor } from '../testkit/speech/fake-vendors.js';

/** Every account has a `fakestt` credential (the fake vendor ignores it). */
const anyAccount: SpeechCredentialLookup = {
  find: async (accountSid, vendor) => (vendor === 'fakestt' ? { sid: 'cred-1', accountSid, vendor, useForStt: true, useForTts: false, fields: { api_key: 'k' } } : undefined),
};

const TRANSCRIPT = 'I would like to speak to sales';

async function speechGateway(): Promise<{ stt: FakeSttVendor; t: Awaited<ReturnType<typeof startTestGateway>> }> {
  // Energy recognition: the utterance the callee speaks is answered with the scripted transcript.
  const stt = new FakeSttVendor({ vendor: 'fakestt', transcripts: [TRANSCRIPT] });
  const t = await startTestGateway({}, { vendors: new SpeechVendors().addStt(stt), credentials: anyAccount });
  return { stt, t };
}

test('issue 14: gather speech on a real call — sipp speaks "hello", the recognizer hears it, the actionHook gets speechDetected and the speech object', async () => {
  const { stt, t } = await speechGateway();
  const hooks = await startHookServer({
    '/app': () => [{ gather: { input: ['speech'], timeout: 10, actionHook: '/speech', recognizer: { vendor: 'fakestt', language: 'en-US' } } }, { hangup: {} }],
  });
  const sipp = await startSipp({ scenario: 'uas_answer_hello.xml', timeoutSeconds: 30 });
  try {
    const p = await provisionSippCarrier(t, hooks.url, [sipp.port]);
    const res = await t.api('POST', `/v1/Accounts/${p.accountSid}/Calls`, { application_sid: p.applicationSid, from: p.from, to: { type: 'phone', number: '15550020' } });
    assert.equal(res.status, 201, JSON.stringify(res.body));
    const hook = await eventually(() => hooks.seen.find((h: HookRequest) => h.path === '/speech'), 15_000, 'the gather actionHook');
    assert.equal(hook.json.reason, 'speechDetected');
    assert.equal(hook.json.call_sid, (res.body as { sid: string }).sid);
    assert.deepEqual(hook.json.speech, {
      language_code: 'en-US', channel_tag: 1, is_final: true, alternatives: [{ transcript: TRANSCRIPT, confidence: 0.93 }], vendor: { name: 'fakestt', evt: {} },
    });
    assert.equal(stt.requests[0].sampleRate, 8000);
    assert.ok(stt.streams[0].samples > 8000, `the callee's audio reached the vendor (${stt.streams[0].samples} samples)`);
    assert.equal((await sipp.done).successful, 1, 'the call went on to its hangup');
  } finally {
    sipp.kill();
    await hooks.close();
    await t.close();
  }
});

/** Seconds from the first to the last packet of ours that carries audible audio. */
function audibleSpan(packets: Awaited<ReturnType<Awaited<ReturnType<typeof startRtpCapture>>['stop']>>): { first: number; last: number } {
  const loud = packets.filter((p) => {
    const pcm = decodeG711([p]);
    let sum = 0;
    for (const v of pcm) sum += v * v;
    return pcm.length > 0 && Math.sqrt(sum / pcm.length) > 300;
  });
  assert.ok(loud.length > 0, 'the prompt was heard at all');
  return { first: loud[0].time, last: loud[loud.length - 1].time };
}

test('issue 14 acceptance 3: barge-in — the prompt\'s RTP stops when the callee starts speaking', async () => {
  const { t } = await speechGateway();
  const prompt = 'Thank you for calling. Please listen carefully, as our menu options have changed recently. For sales, say sales. For support, say support. For anything else, please stay on the line.';
  const hooks = await startHookServer({
    '/app': () => [{ gather: { input: ['speech'], bargein: true, timeout: 10, actionHook: '/speech', recognizer: { vendor: 'fakestt' }, say: { text: prompt } } }, { hangup: {} }],
  });
  const sipp = await startSipp({ scenario: 'uas_answer_pause_hello.xml', timeoutSeconds: 40 });
  const capture = await startRtpCapture(sipp.mediaPort);
  try {
    const p = await provisionSippCarrier(t, hooks.url, [sipp.port]);
    const res = await t.api('POST', `/v1/Accounts/${p.accountSid}/Calls`, { application_sid: p.applicationSid, from: p.from, to: { type: 'phone', number: '15550020' } });
    assert.equal(res.status, 201, JSON.stringify(res.body));
    const hook = await eventually(() => hooks.seen.find((h: HookRequest) => h.path === '/speech'), 20_000, 'the gather actionHook');
    assert.equal(hook.json.reason, 'speechDetected');
    await sipp.done;
    const span = audibleSpan(await capture.stop());
    const heard = span.last - span.first;
    // The prompt runs about 12 s; the callee starts 2.5 s after answering (the prompt starts a little
    // after the answer). Without barge-in the final transcript would stop it only after ~4 s.
    assert.ok(heard > 1 && heard < 3, `the prompt was heard for ${heard.toFixed(2)} s`);
  } finally {
    await capture.stop();
    sipp.kill();
    await hooks.close();
    await t.close();
  }
});

test('issue 14: transcribe in the background sends the transcript to transcriptionHook; PUT transcribe_status stop ends it', async () => {
  const { t } = await speechGateway();
  const hooks = await startHookServer({
    '/app': () => [{ transcribe: { transcriptionHook: '/transcript', recognizer: { vendor: 'fakestt', language: 'en-GB' } } }, { pause: { length: 15 } }],
  });
  const sipp = await startSipp({ scenario: 'uas_answer_hello.xml', timeoutSeconds: 30 });
  try {
    const p = await provisionSippCarrier(t, hooks.url, [sipp.port]);
    const res = await t.api('POST', `/v1/Accounts/${p.accountSid}/Calls`, { application_sid: p.applicationSid, from: p.from, to: { type: 'phone', number: '15550020' } });
    assert.equal(res.status, 201, JSON.stringify(res.body));
    const sid = (res.body as { sid: string }).sid;
    const hook = await eventually(() => hooks.seen.find((h: HookRequest) => h.path === '/transcript'), 15_000, 'the transcriptionHook');
    assert.equal(hook.json.call_sid, sid);
    assert.deepEqual(hook.json.speech, {
      language_code: 'en-GB', channel_tag: 1, is_final: true, alternatives: [{ transcript: TRANSCRIPT, confidence: 0.93 }], vendor: { name: 'fakestt', evt: {} },
    });
    const put = await t.api('PUT', `/v1/Accounts/${p.accountSid}/Calls/${sid}`, { transcribe_status: 'stop' });
    assert.equal(put.status, 202, JSON.stringify(put.body));
    const timeline = await t.api('GET', `/v1/Accounts/${p.accountSid}/Calls/${sid}/Timeline`);
    const events = (timeline.body as { timeline: Array<{ event: string }> }).timeline.map((e) => e.event);
    assert.ok(events.includes('stt-stopped'), events.join(','));
    assert.equal((await t.api('PUT', `/v1/Accounts/${p.accountSid}/Calls/${sid}`, { transcribe_status: 'later' })).status, 400);
    await t.api('PUT', `/v1/Accounts/${p.accountSid}/Calls/${sid}`, { call_status: 'completed' });
    await sipp.done;
  } finally {
    sipp.kill();
    await hooks.close();
    await t.close();
  }
});
