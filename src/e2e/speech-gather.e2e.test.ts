import { test } from 'node:test';
import assert from 'node:assert/strict';
import { eventually, provisionSippCarrier, startHookServer, startTestGateway } from '../testkit/gateway.js';
import { startSipp } from '../testkit/sipp.js';
import { MicrosoftSpeechServer } from '../testkit/speech/microsoft-server.js';

const KEY = 'ms-e2e-subscription-key-0001';

interface GatherHook {
  reason?: string;
  speech?: { is_final?: boolean; language_code?: string; alternatives?: { transcript?: string; confidence?: number }[]; vendor?: { name?: string } };
}

/**
 * Issue 14 acceptance 1: an app written for Cognigy Voice Gateway — `config` with a Microsoft
 * synthesizer and a Microsoft recognizer carrying `azureServiceEndpoint`, then `gather` speech
 * with a nested `say` — runs unchanged. The callee (sipp) answers, lets the prompt play, then
 * plays a recorded spoken "hello"; the local server speaking the Azure Speech protocol (driven by
 * Microsoft's own SDK in the gateway) finds the utterance in the audio it received and answers
 * with the scripted transcript; the actionHook gets it as jambonz shapes it.
 */
test('issue 14 acceptance 1: config (microsoft synthesizer + recognizer with azureServiceEndpoint) + gather speech with a nested say: the callee\'s phrase reaches the actionHook as speechDetected', async () => {
  const ms = await MicrosoftSpeechServer.start({ key: KEY, transcripts: ['I would like to pay my bill'], confidence: 0.87 });
  const gw = await startTestGateway();
  const hooks = await startHookServer({
    '/app': () => [
      {
        verb: 'config',
        synthesizer: { vendor: 'microsoft', language: 'en-US', voice: 'en-US-JennyNeural' },
        recognizer: { vendor: 'microsoft', language: 'en-US', azureServiceEndpoint: ms.sttUrl },
      },
      { verb: 'gather', input: ['speech'], actionHook: '/gathered', timeout: 10, say: { text: 'How can I help you today?' } },
    ],
    '/gathered': () => [{ verb: 'hangup' }],
  });
  const sipp = await startSipp({ scenario: 'uas_answer_pause_hello.xml', timeoutSeconds: 40 });
  try {
    const p = await provisionSippCarrier(gw, hooks.url, [sipp.port]);
    const cred = await gw.api('POST', `/v1/Accounts/${p.accountSid}/SpeechCredentials`, {
      vendor: 'microsoft', api_key: KEY, region: 'westeurope', use_for_tts: true, use_for_stt: true, use_custom_tts: true, custom_tts_endpoint_url: ms.ttsUrl,
    });
    assert.equal(cred.status, 201, JSON.stringify(cred.body));
    const r = await gw.api('POST', `/v1/Accounts/${p.accountSid}/Calls`, { application_sid: p.applicationSid, from: p.from, to: { type: 'phone', number: '15550009' } });
    assert.equal(r.status, 201, JSON.stringify(r.body));
    const hook = await eventually(() => hooks.seen.find((h) => h.path === '/gathered'), 30_000, 'the gather actionHook');
    const body = hook.json as GatherHook;
    assert.equal(body.reason, 'speechDetected', JSON.stringify(body));
    assert.equal(body.speech?.is_final, true);
    assert.equal(body.speech?.alternatives?.[0]?.transcript, 'I would like to pay my bill');
    assert.equal(body.speech?.alternatives?.[0]?.confidence, 0.87);
    assert.equal(body.speech?.language_code, 'en-US');
    assert.equal(body.speech?.vendor?.name, 'microsoft');
    // The prompt was synthesized by the Microsoft TTS endpoint with the configured voice.
    assert.ok(ms.ttsRequests.some((t) => t.body.includes('How can I help you today?') && t.body.includes('en-US-JennyNeural')), JSON.stringify(ms.ttsRequests.map((t) => t.body)));
    assert.ok((ms.sessions[0]?.audioBytes ?? 0) > 16_000, 'the callee\'s audio reached the recognizer');
    const s = await sipp.done;
    assert.equal(s.successful, 1, s.errors);
  } finally {
    sipp.kill();
    await hooks.close();
    await gw.close();
    await ms.close();
  }
});
