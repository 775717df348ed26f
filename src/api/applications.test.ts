import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { startApiHarness, type ApiHarness } from '../testkit/api-harness.js';

let h: ApiHarness;
let acct: string;
before(async () => {
  h = await startApiHarness();
  acct = await h.create('/v1/Accounts', { name: 'apps' });
});
after(() => h.close());

interface App {
  application_sid: string;
  name: string;
  call_hook: { url: string; method: string } | null;
  call_status_hook: { url: string; method: string; username: string | null } | null;
  env_vars: unknown;
  speech_synthesis_vendor: string | null;
}

test('Applications: create, read, list, update, delete (top level and account alias)', async () => {
  const sid = await h.create('/v1/Applications', {
    name: 'ivr', account_sid: acct, call_hook: 'https://app.example/call',
    call_status_hook: { url: 'https://app.example/status', method: 'get', username: 'u', password: 'p' },
    speech_synthesis_vendor: 'google', speech_synthesis_language: 'en-US', speech_synthesis_voice: 'en-US-Standard-C',
    speech_recognizer_vendor: 'google', speech_recognizer_language: 'en-US', env_vars: { greeting: 'hi' }, app_json: '[{"verb":"say","text":"hi"}]',
  });
  const app = (await h.call('GET', `/v1/Applications/${sid}`)).body as App;
  assert.equal(app.name, 'ivr');
  assert.deepEqual([app.call_hook?.url, app.call_hook?.method], ['https://app.example/call', 'POST']);
  assert.deepEqual([app.call_status_hook?.method, app.call_status_hook?.username], ['GET', 'u']);
  assert.deepEqual(app.env_vars, { greeting: 'hi' });
  const viaAlias = await h.call('GET', `/v1/Accounts/${acct}/Applications/${sid}/`);
  assert.deepEqual(viaAlias.body, app);
  const aliasSid = await h.create(`/v1/Accounts/${acct}/Applications`, { name: 'second', call_hook: { url: 'wss://ws.example/agent' } });
  const list = (await h.call('GET', `/v1/Accounts/${acct}/Applications/`)).body as App[];
  assert.deepEqual(list.map((a) => a.application_sid), [sid, aliasSid]);
  assert.equal((await h.call('PUT', `/v1/Applications/${sid}`, { body: { name: 'ivr2', call_hook: { ...app.call_hook, url: 'https://app.example/v2' }, env_vars: null } })).status, 204);
  const upd = (await h.call('GET', `/v1/Applications/${sid}`)).body as App;
  assert.deepEqual([upd.name, upd.call_hook?.url, upd.env_vars, upd.speech_synthesis_vendor], ['ivr2', 'https://app.example/v2', null, 'google']);
  assert.equal((await h.call('PUT', `/v1/Accounts/${acct}/Applications/${aliasSid}`, { body: { account_sid: acct, name: 'same account is fine' } })).status, 204);
  assert.equal((await h.call('DELETE', `/v1/Accounts/${acct}/Applications/${aliasSid}`)).status, 204);
  assert.equal((await h.call('DELETE', `/v1/Applications/${sid}`, { headers: { 'content-type': 'application/json' } })).status, 204);
  assert.equal((await h.call('GET', `/v1/Applications/${sid}`)).status, 404);
});

test('Applications: validation errors name the field path', async () => {
  const cases: [unknown, string[]][] = [
    [{ account_sid: acct, call_hook: 'https://a.example' }, ['name']],
    [{ name: 'x', account_sid: acct }, ['call_hook']],
    [{ name: 'x', account_sid: acct, call_hook: { url: 'https://a.example', retries: 3 } }, ['call_hook.retries']],
    [{ name: 'x', account_sid: acct, call_hook: { method: 'POST' } }, ['call_hook.url']],
    [{ name: 'x', account_sid: acct, call_hook: { url: 'https://a.example', method: 'PATCH' } }, ['call_hook.method']],
    [{ name: 'x', account_sid: acct, call_hook: '/relative' }, ['call_hook']],
    [{ name: 'x', account_sid: acct, call_hook: 'https://a.example', colour: 'red', speech_synthesis_vendor: 7 }, ['colour']],
    [{ name: 'x', account_sid: acct, call_hook: 'https://a.example', app_json: '{"verb":"say"}' }, ['app_json']],
    [{ name: 'x', call_hook: 'https://a.example' }, ['account_sid']],
  ];
  for (const [body, paths] of cases) {
    const r = await h.call('POST', '/v1/Applications', { body });
    assert.equal(r.status, 400, JSON.stringify(body));
    const got = (r.body as { msg: string; errors: { path: string }[] }).errors.map((e) => e.path);
    assert.deepEqual(got, paths, JSON.stringify(r.body));
  }
  const other = await h.call('POST', '/v1/Applications', { body: { name: 'x', account_sid: '00000000-0000-4000-8000-000000000000', call_hook: 'https://a.example' } });
  assert.equal(other.status, 422);
  assert.deepEqual((other.body as { errors: { path: string }[] }).errors.map((e) => e.path), ['account_sid']);
  const app = await h.create('/v1/Applications', { name: 'fixed', account_sid: acct, call_hook: 'https://a.example' });
  const b = await h.create('/v1/Accounts', { name: 'b' });
  const move = await h.call('PUT', `/v1/Applications/${app}`, { body: { account_sid: b } });
  assert.equal(move.status, 400);
  assert.deepEqual((move.body as { errors: { path: string }[] }).errors.map((e) => e.path), ['account_sid']);
});

test('Applications: 404 for unknown sids, 422 when a number or carrier still routes to it', async () => {
  const missing = '00000000-0000-4000-8000-000000000000';
  for (const [m, body] of [['GET', undefined], ['PUT', { name: 'x' }], ['DELETE', undefined]] as const) {
    const r = await h.call(m, `/v1/Applications/${missing}`, { body });
    assert.equal(r.status, 404, m);
    assert.deepEqual(r.body, { msg: 'application not found' });
  }
  const app = await h.create('/v1/Applications', { name: 'busy', account_sid: acct, call_hook: 'https://a.example' });
  const num = await h.create('/v1/PhoneNumbers', { number: '15083333456', account_sid: acct, application_sid: app });
  const r = await h.call('DELETE', `/v1/Applications/${app}`);
  assert.equal(r.status, 422);
  assert.match((r.body as { msg: string }).msg, /in use/);
  await h.call('DELETE', `/v1/PhoneNumbers/${num}`);
  const car = await h.create('/v1/VoipCarriers', { name: 'inbound-default', account_sid: acct, application_sid: app });
  assert.equal((await h.call('DELETE', `/v1/Applications/${app}`)).status, 422);
  await h.call('PUT', `/v1/VoipCarriers/${car}`, { body: { application_sid: null } });
  assert.equal((await h.call('DELETE', `/v1/Applications/${app}`)).status, 204);
});
