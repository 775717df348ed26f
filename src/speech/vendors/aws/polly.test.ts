import { test } from 'node:test';
import assert from 'node:assert/strict';
import { OPEN_URL_POLICY, parseUrlPolicy } from '../../../kernel/net-policy.js';
import { freePort } from '../../../testkit/ports.js';
import { startAwsServer, type AwsServer, type AwsServerOptions } from '../../../testkit/speech/aws-server.js';
import { TtsVendorError, type SpeechCredential, type SynthesizeRequest } from '../../vendor.js';
import { AwsTts } from './polly.js';

const KEY_ID = 'AKIATESTKEY0000001';
const SECRET = 'aws-secret-access-key/0123456789abcdef';

function credential(fields: SpeechCredential['fields'] = {}): SpeechCredential {
  return { sid: 'cred-aws', accountSid: 'acct-1', vendor: 'aws', useForStt: true, useForTts: true, fields: { access_key_id: KEY_ID, secret_access_key: SECRET, aws_region: 'us-east-1', ...fields } };
}

function speak(extra: Partial<SynthesizeRequest> = {}): SynthesizeRequest {
  return { credential: credential(), urlPolicy: OPEN_URL_POLICY, text: 'Hello there.', voice: 'Matthew', language: 'en-US', synthesizer: { vendor: 'aws', engine: 'neural' }, ...extra };
}

async function withServer(opts: Partial<AwsServerOptions>, fn: (s: AwsServer) => Promise<void>): Promise<void> {
  const server = await startAwsServer({ accessKeyId: KEY_ID, ...opts });
  try {
    await fn(server);
  } finally {
    await server.close();
  }
}

async function rejection(p: Promise<unknown>): Promise<unknown> {
  return p.then(
    () => assert.fail('should reject'),
    (e: unknown) => e,
  );
}

test('aws polly: SynthesizeSpeech pcm at 8 kHz streams; the first chunk arrives before the last is sent', async () => {
  await withServer({ holdLast: true, speakMs: 600, chunkMs: 100 }, async (server) => {
    const audio = await new AwsTts({ endpoint: server.url }).synthesize(speak(), new AbortController().signal);
    assert.equal(audio.sampleRate, 8000);
    const it = audio.chunks[Symbol.asyncIterator]();
    const first = await it.next();
    assert.equal(first.done, false);
    assert.ok(first.value.length > 0);
    const rec = server.speaks[0];
    assert.ok(rec.chunksSent < rec.chunksTotal, `${rec.chunksSent} of ${rec.chunksTotal} sent when the first chunk arrived`);
    server.release();
    let samples = first.value.length;
    for (let r = await it.next(); !r.done; r = await it.next()) samples += r.value.length;
    assert.equal(samples, 4800, '600 ms at 8 kHz');
    assert.deepEqual(rec.body, { Engine: 'neural', OutputFormat: 'pcm', SampleRate: '8000', Text: 'Hello there.', TextType: 'text', VoiceId: 'Matthew' });
    assert.match(rec.authorization, new RegExp(`^AWS4-HMAC-SHA256 Credential=${KEY_ID}/\\d{8}/us-east-1/polly/aws4_request`));
  });
});

test('aws polly: SSML goes as TextType ssml; no voice → Joanna; no engine → none sent', async () => {
  await withServer({}, async (server) => {
    const ssml = '<speak>Hi <break time="200ms"/> you</speak>';
    const audio = await new AwsTts({ endpoint: server.url }).synthesize(speak({ text: ssml, voice: undefined, synthesizer: { vendor: 'aws' } }), new AbortController().signal);
    for await (const c of audio.chunks) void c;
    assert.deepEqual(server.speaks[0].body, { OutputFormat: 'pcm', SampleRate: '8000', Text: ssml, TextType: 'ssml', VoiceId: 'Joanna' });
  });
});

test('aws polly: an unknown access key id → SPEECH_AUTH (403 UnrecognizedClientException), no secret in the message', async () => {
  await withServer({ accessKeyId: 'AKIASOMEONEELSE0000' }, async (server) => {
    const err = await rejection(new AwsTts({ endpoint: server.url }).synthesize(speak(), new AbortController().signal));
    assert.ok(err instanceof TtsVendorError, String(err));
    assert.equal(err.code, 'SPEECH_AUTH');
    assert.equal(err.status, 403);
    assert.equal(err.vendor, 'aws');
    assert.match(err.message, /UnrecognizedClientException/);
    assert.ok(!err.message.includes(SECRET), err.message);
  });
});

test('aws polly: a closed port → SPEECH_UNREACHABLE; the URL policy applies to the endpoint', async () => {
  const gone = await rejection(new AwsTts({ endpoint: `http://127.0.0.1:${await freePort()}` }).synthesize(speak(), new AbortController().signal));
  assert.ok(gone instanceof TtsVendorError && gone.code === 'SPEECH_UNREACHABLE', String(gone));
  await withServer({}, async (server) => {
    const refused = await rejection(new AwsTts({ endpoint: server.url }).synthesize(speak({ urlPolicy: parseUrlPolicy('public') }), new AbortController().signal));
    assert.ok(refused instanceof TtsVendorError && refused.code === 'SPEECH_UNREACHABLE', String(refused));
    assert.equal(server.speaks.length, 0);
  });
});

test('aws polly: missing keys, a role_arn-only credential and a malformed region are refused before any request', async () => {
  const tts = new AwsTts({ endpoint: 'http://127.0.0.1:9' });
  const none = await rejection(tts.synthesize(speak({ credential: credential({ access_key_id: undefined }) }), new AbortController().signal));
  assert.ok(none instanceof TtsVendorError && none.code === 'SPEECH_NO_CREDENTIAL', String(none));
  const role = await rejection(tts.synthesize(speak({ credential: credential({ access_key_id: undefined, secret_access_key: undefined, role_arn: 'arn:aws:iam::1:role/x' }) }), new AbortController().signal));
  assert.ok(role instanceof TtsVendorError && role.code === 'SPEECH_NO_CREDENTIAL' && /role_arn/.test(role.message), String(role));
  const region = await rejection(tts.synthesize(speak({ credential: credential({ aws_region: 'evil.example.com/x' }) }), new AbortController().signal));
  assert.ok(region instanceof TtsVendorError && region.code === 'SPEECH_PROTOCOL', String(region));
});

test('aws polly: the service breaking off mid-stream → the chunks throw SPEECH_CLOSED', async () => {
  await withServer({ breakAfterChunks: 2 }, async (server) => {
    const audio = await new AwsTts({ endpoint: server.url }).synthesize(speak(), new AbortController().signal);
    let samples = 0;
    const err = await (async () => {
      for await (const c of audio.chunks) samples += c.length;
    })().then(
      () => assert.fail('should throw'),
      (e: unknown) => e,
    );
    assert.ok(samples > 0, 'audio came before the break');
    assert.ok(err instanceof TtsVendorError && err.code === 'SPEECH_CLOSED', String(err));
  });
});
