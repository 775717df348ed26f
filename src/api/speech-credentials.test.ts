import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { parseUrlPolicy } from '../kernel/net-policy.js';
import { createCredentialCipher } from '../speech/credentials-cipher.js';
import { createSpeechCredentialLookup } from '../speech/credentials-lookup.js';
import { SpeechVendors, type CredentialTester } from '../speech/vendor.js';
import { startApiHarness, type ApiHarness } from '../testkit/api-harness.js';
import { speechCredentialRoutes } from './routes/speech-credentials.js';

/** Issue 14 acceptance 5: bad input 400; secrets not in responses, logs or rows; tenants isolated. */
const cipher = createCredentialCipher(Buffer.alloc(32, 5));
const vendors = new SpeechVendors();
const seen: { vendor: string; apiKey: unknown }[] = [];
const deepgramTester: CredentialTester = {
  vendor: 'deepgram',
  async test({ credential }) {
    seen.push({ vendor: credential.vendor, apiKey: credential.fields.api_key });
    return { tts: { status: 'ok' }, stt: { status: 'fail', reason: `401 from vendor: bad key ${String(credential.fields.api_key)}` } };
  },
};
vendors.addTester(deepgramTester);

const DG_KEY = 'dg-secret-key-0123456789abcd';
const MS_KEY = 'ms-secret-key-zyxwvu98765wxyz';
const PRIVATE_KEY = '-----BEGIN PRIVATE KEY-----\nMIIEsecretsecretsecretQRST\n-----END PRIVATE KEY-----\n';
const AWS_SECRET = 'aws-secret-access-key-9988776655';
const CUSTOM_TOKEN = 'custom-auth-token-55443322';
const SECRETS = [DG_KEY, MS_KEY, 'MIIEsecretsecretsecret', AWS_SECRET, CUSTOM_TOKEN];

let h: ApiHarness;
let A: { account: string; token: string };
let B: { account: string; token: string };

before(async () => {
  h = await startApiHarness({ plugins: [speechCredentialRoutes({ cipher, vendors, urlPolicy: parseUrlPolicy('public', '') })] });
  const a = await h.create('/v1/Accounts', { name: 'speech-a' });
  const b = await h.create('/v1/Accounts', { name: 'speech-b' });
  A = { account: a, token: (await h.accountKey(a)).token };
  B = { account: b, token: (await h.accountKey(b)).token };
});
after(() => h.close());

const path = (acct: string, rest = ''): string => `/v1/Accounts/${acct}/SpeechCredentials${rest}`;

async function add(acct: string, body: unknown, token: string): Promise<string> {
  return h.create(path(acct), body, token);
}

test('SpeechCredentials: create per vendor (201 {sid}); GET returns every secret obscured to its last 4 characters', async () => {
  const dg = await add(A.account, { vendor: 'deepgram', api_key: DG_KEY }, A.token);
  const ms = await add(A.account, { vendor: 'Microsoft', label: 'eu', api_key: MS_KEY, region: 'westeurope', use_for_stt: false }, A.token);
  const g = await add(A.account, { vendor: 'google', service_key: JSON.stringify({ client_email: 'x@y.iam.gserviceaccount.com', private_key: PRIVATE_KEY }) }, A.token);
  await add(A.account, { vendor: 'aws', access_key_id: 'AKIAEXAMPLE1234', secret_access_key: AWS_SECRET, aws_region: 'us-east-1' }, A.token);
  await add(A.account, { vendor: 'custom:acme', custom_stt_url: 'wss://stt.acme.example/v1', custom_tts_url: 'https://tts.acme.example/speak', auth_token: CUSTOM_TOKEN }, A.token);
  await add(A.account, { vendor: 'elevenlabs', api_key: 'el-key-abcdefgh1234', model_id: 'eleven_turbo_v2', options: { stability: 0.5 }, use_for_stt: false }, A.token);
  const one = await h.call('GET', path(A.account, `/${dg}`), { token: A.token });
  assert.equal(one.status, 200);
  const body = one.body as Record<string, unknown>;
  assert.equal(body.api_key, `${'X'.repeat(DG_KEY.length - 4)}abcd`);
  assert.equal(body.vendor, 'deepgram');
  assert.equal(body.label, null);
  assert.equal(body.use_for_tts, true);
  const msOut = (await h.call('GET', path(A.account, `/${ms}`), { token: A.token })).body as Record<string, unknown>;
  assert.deepEqual([msOut.vendor, msOut.label, msOut.region, msOut.use_for_stt], ['microsoft', 'eu', 'westeurope', false]);
  const gOut = (await h.call('GET', path(A.account, `/${g}`), { token: A.token })).body as Record<string, unknown>;
  assert.equal((JSON.parse(String(gOut.service_key)) as Record<string, string>).client_email, 'x@y.iam.gserviceaccount.com');
  const list = await h.call('GET', path(A.account), { token: A.token });
  assert.equal((list.body as unknown[]).length, 6);
  for (const s of SECRETS) assert.ok(!list.raw.includes(s) && !one.raw.includes(s) && !JSON.stringify(gOut).includes(s), `a secret leaked into a response: ${s.slice(0, 6)}…`);
});

test('SpeechCredentials: secrets are not in the SQLite files nor in the logs', async () => {
  const files = readdirSync(h.dataDir).filter((f) => f.startsWith('vgw.sqlite'));
  assert.ok(files.length > 0);
  const bytes = Buffer.concat(files.map((f) => readFileSync(join(h.dataDir, f))));
  assert.ok(bytes.includes(Buffer.from('westeurope')) === false, 'even non-secret vendor fields are inside the encrypted blob');
  for (const s of SECRETS) assert.equal(bytes.includes(Buffer.from(s)), false, `secret in the database file: ${s.slice(0, 6)}…`);
  const logs = h.logLines.join('\n');
  for (const s of SECRETS) assert.ok(!logs.includes(s), `secret in the logs: ${s.slice(0, 6)}…`);
});

test('SpeechCredentials: bad input is a 400 naming the field', async () => {
  const cases: [unknown, string, RegExp][] = [
    [{ vendor: 'deepgram' }, 'api_key', /is required for deepgram/],
    [{ vendor: 'deepgram', deepgram_stt_uri: 'wss://10.0.0.5:8080' }, 'deepgram_stt_uri', /without a scheme/],
    [{ vendor: 'deepgram', deepgram_tts_uri: 'http://dg.example' }, 'deepgram_tts_uri', /without a scheme/],
    [{ vendor: 'google', service_key: '{not json' }, 'service_key', /service account key JSON/],
    [{ vendor: 'google', service_key: { client_email: 'a@b' } }, 'service_key', /has no private_key/],
    [{ vendor: 'microsoft', api_key: 'k' }, 'region', /is required for microsoft/],
    [{ vendor: 'microsoft', use_custom_stt: true }, 'custom_stt_endpoint_url', /when use_custom_stt is true/],
    [{ vendor: 'aws', secret_access_key: 's', aws_region: 'us-east-1' }, 'access_key_id', /is required/],
    [{ vendor: 'custom:acme', custom_stt_url: 'https://x.example', use_for_tts: false }, 'custom_stt_url', /wss\/ws URL/],
    [{ vendor: 'custom:acme', custom_stt_url: 'wss://x.example' }, 'custom_tts_url', /when use_for_tts is true/],
    [{ vendor: 'nuance', api_key: 'k' }, 'vendor', /must be one of/],
    [{ vendor: 'deepgram', api_key: 'k', region: 'eu' }, 'region', /is not used by deepgram/],
    [{ vendor: 'elevenlabs', api_key: 'k', options: '[1]' }, 'options', /JSON object/],
    [{ vendor: 'deepgram', api_key: 'k', use_for_tts: false, use_for_stt: false }, 'use_for_tts', /must be true/],
    [{ vendor: 'custom:acme', custom_stt_url: 'wss://127.0.0.1:9000', use_for_tts: false }, 'custom_stt_url', /URL policy/],
    [{ vendor: 'deepgram', deepgram_stt_uri: '10.0.0.5:8080' }, 'deepgram_stt_uri', /URL policy/],
    [{ vendor: 'deepgram', api_key: 'k', surprise: 1 }, 'surprise', /unknown property/],
  ];
  for (const [body, field, message] of cases) {
    const r = await h.call('POST', path(A.account), { token: A.token, body });
    assert.equal(r.status, 400, `${JSON.stringify(body)} → ${r.status} ${r.raw}`);
    const errors = (r.body as { errors: { path: string; message: string }[] }).errors;
    assert.ok(errors.some((e) => e.path === field && message.test(e.message)), `${JSON.stringify(body)}: ${r.raw}`);
  }
  const onPrem = await h.call('POST', path(A.account), { token: A.token, body: { vendor: 'deepgram', label: 'onprem', deepgram_stt_uri: 'dg.onprem.example:8080', deepgram_stt_use_tls: false } });
  assert.equal(onPrem.status, 201, onPrem.raw);
});

test('SpeechCredentials: a label is unique per account and vendor (422), as is the unlabelled credential', async () => {
  await add(A.account, { vendor: 'deepgram', label: 'us', api_key: 'k-us-1234' }, A.token);
  const dup = await h.call('POST', path(A.account), { token: A.token, body: { vendor: 'deepgram', label: 'us', api_key: 'k2' } });
  assert.equal(dup.status, 422, dup.raw);
  assert.match((dup.body as { msg: string }).msg, /labelled "us" already exists/);
  const unlabelled = await h.call('POST', path(A.account), { token: A.token, body: { vendor: 'deepgram', api_key: 'k3' } });
  assert.equal(unlabelled.status, 422);
  assert.equal(await add(B.account, { vendor: 'deepgram', label: 'us', api_key: 'k-b-1234' }, B.token).then((s) => typeof s), 'string', 'another account may use the same label');
});

test('SpeechCredentials: PUT changes use_for_* and options; an obscured secret sent back keeps the stored one; vendor is fixed', async () => {
  const sid = await add(A.account, { vendor: 'microsoft', label: 'put', api_key: MS_KEY, region: 'westeurope' }, A.token);
  const lookup = createSpeechCredentialLookup(h.store, cipher);
  const shown = (await h.call('GET', path(A.account, `/${sid}`), { token: A.token })).body as Record<string, unknown>;
  const r = await h.call('PUT', path(A.account, `/${sid}`), { token: A.token, body: { ...shown, use_for_stt: false, region: 'northeurope' } });
  assert.equal(r.status, 204, r.raw);
  const c = await lookup.find(A.account, 'microsoft', 'put', 'tts');
  assert.equal(c?.fields.api_key, MS_KEY, 'the obscured value did not overwrite the secret');
  assert.equal(c?.fields.region, 'northeurope');
  assert.equal(c?.useForStt, false);
  assert.equal((await h.call('PUT', path(A.account, `/${sid}`), { token: A.token, body: { api_key: 'ms-new-key-00001111' } })).status, 204);
  assert.equal((await lookup.find(A.account, 'microsoft', 'put', 'tts'))?.fields.api_key, 'ms-new-key-00001111');
  const vendor = await h.call('PUT', path(A.account, `/${sid}`), { token: A.token, body: { vendor: 'deepgram' } });
  assert.equal(vendor.status, 400);
  assert.match(vendor.raw, /vendor cannot be changed/);
  const missing = await h.call('PUT', path(A.account, `/${sid}`), { token: A.token, body: { region: null } });
  assert.equal(missing.status, 400);
  assert.match(missing.raw, /region is required/);
  await lookup.close();
});

test('SpeechCredentials: another account cannot see, change, test or delete them (404), nor list them (403)', async () => {
  const sid = await add(A.account, { vendor: 'deepgram', label: 'private', api_key: DG_KEY }, A.token);
  for (const [method, url, body] of [
    ['GET', path(B.account, `/${sid}`)], ['GET', `/v1/SpeechCredentials/${sid}`], ['PUT', path(B.account, `/${sid}`), { use_for_stt: false }],
    ['DELETE', path(B.account, `/${sid}`)], ['GET', path(B.account, `/${sid}/test`)], ['DELETE', `/v1/SpeechCredentials/${sid}`],
  ] as [string, string, unknown?][]) {
    const r = await h.call(method, url, { token: B.token, body });
    assert.equal(r.status, 404, `${method} ${url} → ${r.status}`);
    assert.ok(!r.raw.includes(sid.slice(0, 8)) && !r.raw.includes('dg-secret'));
  }
  assert.equal((await h.call('GET', path(A.account), { token: B.token })).status, 403);
  const own = await h.call('GET', '/v1/SpeechCredentials', { token: B.token });
  assert.ok(!own.raw.includes(sid) && !own.raw.includes(A.account), 'the top-level list shows only the key\'s account');
  const lookup = createSpeechCredentialLookup(h.store, cipher);
  assert.equal(await lookup.find(B.account, 'deepgram', 'private', 'stt'), undefined, 'nor use them');
  assert.equal((await h.call('GET', path(A.account, `/${sid}`), { token: A.token })).status, 200);
  await lookup.close();
});

test('SpeechCredentials test: one request through the vendor tester, results stored, no secret in the reason; no tester → not tested', async () => {
  const sid = await add(A.account, { vendor: 'deepgram', label: 'tested', api_key: DG_KEY }, A.token);
  const r = await h.call('GET', path(A.account, `/${sid}/test`), { token: A.token });
  assert.equal(r.status, 200, r.raw);
  const out = r.body as { tts: { status: string }; stt: { status: string; reason: string } };
  assert.equal(out.tts.status, 'ok');
  assert.equal(out.stt.status, 'fail');
  assert.match(out.stt.reason, /401 from vendor: bad key X+abcd/);
  assert.ok(!r.raw.includes(DG_KEY));
  assert.deepEqual(seen.at(-1), { vendor: 'deepgram', apiKey: DG_KEY });
  const after = (await h.call('GET', path(A.account, `/${sid}`), { token: A.token })).body as Record<string, unknown>;
  assert.equal(after.tts_tested_ok, true);
  assert.equal(after.stt_tested_ok, false);
  assert.match(String(after.last_tested), /^\d{4}-\d\d-\d\dT/);

  const el = await add(A.account, { vendor: 'elevenlabs', label: 'untested', api_key: 'el-key-abcdefgh9999', use_for_stt: false }, A.token);
  const none = await h.call('GET', path(A.account, `/${el}/test`), { token: A.token });
  assert.equal(none.status, 200);
  const n = none.body as { tts: { status: string; reason: string }; stt: { status: string } };
  assert.equal(n.tts.status, 'not tested');
  assert.match(n.tts.reason, /no credential test is available for elevenlabs/);
  assert.equal(n.stt.status, 'not tested');
  const stored = (await h.call('GET', path(A.account, `/${el}`), { token: A.token })).body as Record<string, unknown>;
  assert.deepEqual([stored.last_tested, stored.tts_tested_ok], [null, null], 'nothing was tested, nothing recorded');
});

test('SpeechCredentials: DELETE (204) and then 404', async () => {
  const sid = await add(A.account, { vendor: 'deepgram', label: 'gone', api_key: 'k-gone-1234' }, A.token);
  assert.equal((await h.call('DELETE', path(A.account, `/${sid}`), { token: A.token })).status, 204);
  assert.equal((await h.call('GET', path(A.account, `/${sid}`), { token: A.token })).status, 404);
  assert.equal((await h.call('DELETE', path(A.account, `/${sid}`), { token: A.token })).status, 404);
});

test('SpeechCredentials: a credential that does not decrypt with this key is listed without its fields; PUT and test answer 422', async () => {
  const other = createCredentialCipher(Buffer.alloc(32, 6));
  const c = await h.store.speechCredentials.create({ account_sid: A.account, vendor: 'deepgram', label: 'foreign', secret: other.encrypt({ api_key: 'foreign-key-5678' }, A.account) });
  const sid = c.speech_credential_sid;
  const got = await h.call('GET', path(A.account, `/${sid}`), { token: A.token });
  assert.equal(got.status, 200);
  assert.equal((got.body as Record<string, unknown>).api_key, undefined);
  for (const [method, url, body] of [['PUT', `/${sid}`, { use_for_tts: false }], ['GET', `/${sid}/test`]] as [string, string, unknown?][]) {
    const r = await h.call(method, path(A.account, url), { token: A.token, body });
    assert.equal(r.status, 422, `${method} ${url} → ${r.status} ${r.raw}`);
    assert.match(r.raw, /cannot be decrypted/);
  }
});
