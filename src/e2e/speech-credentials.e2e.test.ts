import assert from 'node:assert/strict';
import { statSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { startTestGateway } from '../testkit/gateway.js';
import { startDeepgramServer } from '../testkit/speech/deepgram-server.js';

/** Issue 14: the running gateway encrypts speech credentials with its key file and resolves them for calls. */
test('gateway: credentials key file created once (0600) and reused across restarts; the lookup on the gateway decrypts', async () => {
  const first = await startTestGateway();
  const dataDir = first.dataDir;
  const deepgram = await startDeepgramServer({ apiKey: 'dg-e2e-secret-key-7788' });
  let sid: string;
  try {
    const keyFile = join(dataDir, 'credentials.key');
    assert.equal(statSync(keyFile).mode & 0o777, 0o600);
    const acct = await first.api('POST', '/v1/Accounts', { name: 'speech-e2e' });
    const account = (acct.body as { sid: string }).sid;
    const r = await first.api('POST', `/v1/Accounts/${account}/SpeechCredentials`, { vendor: 'deepgram', api_key: 'dg-e2e-secret-key-7788', use_for_tts: false, use_for_stt: true, deepgram_stt_uri: deepgram.hostPort });
    assert.equal(r.status, 201, JSON.stringify(r.body));
    sid = (r.body as { sid: string }).sid;
    const c = await first.gw.speech.credentials.find(account, 'deepgram', undefined, 'stt');
    assert.equal(c?.fields.api_key, 'dg-e2e-secret-key-7788');
    const t = await first.api('GET', `/v1/Accounts/${account}/SpeechCredentials/${sid}/test`);
    assert.equal(t.status, 200);
    assert.equal((t.body as { stt: { status: string } }).stt.status, 'ok', JSON.stringify(t.body));
    assert.equal(deepgram.listens.length, 1, 'the test opened one listen stream on the (on-prem) Deepgram server');
  } finally {
    await first.close();
    await deepgram.close();
  }
  const again = await startTestGateway({ VGW_DATA_DIR: dataDir });
  try {
    const list = await again.api('GET', '/v1/SpeechCredentials');
    const [c] = list.body as { speech_credential_sid: string; api_key: string }[];
    assert.equal(c.speech_credential_sid, sid);
    assert.equal(c.api_key, 'XXXXXXXXXXXXXXXXXX7788', 'decrypted with the same key after the restart, shown obscured');
  } finally {
    await again.close();
  }
});

test('gateway: VGW_CREDENTIALS_KEY replaces the key file', async () => {
  const gw = await startTestGateway({ VGW_CREDENTIALS_KEY: 'ab'.repeat(32) });
  try {
    assert.throws(() => statSync(join(gw.dataDir, 'credentials.key')), /ENOENT/);
  } finally {
    await gw.close();
  }
});
