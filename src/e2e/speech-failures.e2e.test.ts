import { test } from 'node:test';
import assert from 'node:assert/strict';
import { eventually, provisionSippCarrier, startHookServer, startTestGateway, type TestGateway } from '../testkit/gateway.js';
import { freePort } from '../testkit/ports.js';
import { startSipp } from '../testkit/sipp.js';
import { startDeepgramServer } from '../testkit/speech/deepgram-server.js';
import { MicrosoftSpeechServer } from '../testkit/speech/microsoft-server.js';

interface Alert { alert_type: string; message: string; call_sid: string | null }

async function alerts(t: TestGateway, account: string): Promise<Alert[]> {
  const r = await t.api('GET', `/v1/Accounts/${account}/Alerts`);
  return (r.body as { data: Alert[] }).data;
}

/**
 * Issue 14 acceptance 4, with the shipped adapters against the local vendor servers: a vendor
 * that refuses the key (401) or cannot be reached writes an `stt-failure` alert with the vendor's
 * message; with `fallbackVendor` the fallback recognizes within the same gather, without one the
 * actionHook gets `reason: "error"`; either way the call goes on to its next verb.
 */
test('issue 14 acceptance 4: Deepgram refuses the key (401) → stt-failure alert, the Microsoft fallback transcribes within the same gather', async () => {
  const deepgram = await startDeepgramServer({ apiKey: 'the-right-deepgram-key', transcripts: ['never used'] });
  const ms = await MicrosoftSpeechServer.start({ key: 'ms-fallback-key-0002', transcripts: ['fallback heard me'] });
  const t = await startTestGateway();
  const hooks = await startHookServer({
    '/app': () => [
      {
        verb: 'gather', input: ['speech'], timeout: 10, actionHook: '/speech',
        recognizer: { vendor: 'deepgram', language: 'en-US', fallbackVendor: 'microsoft', fallbackLanguage: 'en-US', azureServiceEndpoint: ms.sttUrl },
      },
      { verb: 'hangup' },
    ],
  });
  const sipp = await startSipp({ scenario: 'uas_answer_hello.xml', timeoutSeconds: 30 });
  try {
    const p = await provisionSippCarrier(t, hooks.url, [sipp.port]);
    const bad = await t.api('POST', `/v1/Accounts/${p.accountSid}/SpeechCredentials`, { vendor: 'deepgram', api_key: 'a-wrong-deepgram-key', use_for_stt: true, use_for_tts: false, deepgram_stt_uri: deepgram.hostPort });
    assert.equal(bad.status, 201, JSON.stringify(bad.body));
    const good = await t.api('POST', `/v1/Accounts/${p.accountSid}/SpeechCredentials`, { vendor: 'microsoft', api_key: 'ms-fallback-key-0002', region: 'westeurope', use_for_stt: true, use_for_tts: false });
    assert.equal(good.status, 201, JSON.stringify(good.body));
    const res = await t.api('POST', `/v1/Accounts/${p.accountSid}/Calls`, { application_sid: p.applicationSid, from: p.from, to: { type: 'phone', number: '15550021' } });
    assert.equal(res.status, 201, JSON.stringify(res.body));
    const hook = await eventually(() => hooks.seen.find((h) => h.path === '/speech'), 20_000, 'the gather actionHook');
    const speech = hook.json.speech as { alternatives: { transcript: string }[]; vendor: { name: string } };
    assert.equal(hook.json.reason, 'speechDetected', JSON.stringify(hook.json));
    assert.equal(speech.alternatives[0].transcript, 'fallback heard me');
    assert.equal(speech.vendor.name, 'microsoft');
    const failures = await eventually(async () => (await alerts(t, p.accountSid)).filter((a) => a.alert_type === 'stt-failure'), 5000, 'an stt-failure alert');
    assert.equal(failures.length, 1, JSON.stringify(failures));
    assert.match(failures[0].message, /deepgram/i);
    assert.match(failures[0].message, /401|auth|refused/i);
    assert.doesNotMatch(failures[0].message, /a-wrong-deepgram-key/, 'the key is never in an alert');
    assert.equal((await sipp.done).successful, 1, 'the call went on to its hangup');
  } finally {
    sipp.kill();
    await hooks.close();
    await t.close();
    await ms.close();
    await deepgram.close();
  }
});

test('issue 14 acceptance 4: an unreachable vendor and no fallback → stt-failure alert, the actionHook gets reason "error", and the call goes on', async () => {
  const t = await startTestGateway();
  const hooks = await startHookServer({
    '/app': () => [
      { verb: 'gather', input: ['speech'], timeout: 10, actionHook: '/speech', recognizer: { vendor: 'deepgram', language: 'en-US' } },
      { verb: 'say', text: 'Sorry, let us try that again later.' },
      { verb: 'hangup' },
    ],
  });
  const sipp = await startSipp({ scenario: 'uas_answer_hello.xml', timeoutSeconds: 30 });
  try {
    const p = await provisionSippCarrier(t, hooks.url, [sipp.port]);
    // Nothing listens on this port: the connection is refused.
    const cred = await t.api('POST', `/v1/Accounts/${p.accountSid}/SpeechCredentials`, { vendor: 'deepgram', api_key: 'dg-key-unreachable', use_for_stt: true, use_for_tts: false, deepgram_stt_uri: `127.0.0.1:${await freePort()}` });
    assert.equal(cred.status, 201, JSON.stringify(cred.body));
    const res = await t.api('POST', `/v1/Accounts/${p.accountSid}/Calls`, { application_sid: p.applicationSid, from: p.from, to: { type: 'phone', number: '15550022' } });
    assert.equal(res.status, 201, JSON.stringify(res.body));
    const hook = await eventually(() => hooks.seen.find((h) => h.path === '/speech'), 20_000, 'the gather actionHook');
    assert.equal(hook.json.reason, 'error', JSON.stringify(hook.json));
    const failures = await eventually(async () => (await alerts(t, p.accountSid)).filter((a) => a.alert_type === 'stt-failure'), 5000, 'an stt-failure alert');
    assert.match(failures[0].message, /deepgram/i);
    assert.equal((await sipp.done).successful, 1, 'the say and the hangup after the failed gather ran');
  } finally {
    sipp.kill();
    await hooks.close();
    await t.close();
  }
});
