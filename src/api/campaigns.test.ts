import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { CampaignService } from '../app/campaigns/index.js';
import { nullLogger } from '../kernel/logger.js';
import { startApiHarness, type ApiHarness } from '../testkit/api-harness.js';
import { FakeCarrier } from '../testkit/fake-dialer.js';
import { FakeClock } from '../testkit/fake-clock.js';
import type { WebhookSender } from '../verbs/index.js';
import { campaignRoutes } from './routes/campaigns.js';
import type { ApiPlugin } from './types.js';

/** Issue 17: the Campaigns and DoNotCall REST resources (shapes, validation with field paths, tenancy). */
let h: ApiHarness;
let A: { account: string; token: string; app: string };
let B: { account: string; token: string };
const clock = new FakeClock(Date.parse('2026-12-02T12:00:00Z'));
const webhooks: WebhookSender = { send: async () => ({ status: 200, json: undefined, latencyMs: 1, attempts: 1 }) as Awaited<ReturnType<WebhookSender['send']>> };

before(async () => {
  const plugin: ApiPlugin = async (app, deps) => {
    const service = new CampaignService({ clock, logger: nullLogger, store: deps.store, calls: new FakeCarrier(clock), webhooks });
    await campaignRoutes(service)(app, deps);
  };
  h = await startApiHarness({ clock, plugins: [plugin] });
  const a = await h.create('/v1/Accounts', { name: 'campaigns-a' });
  const b = await h.create('/v1/Accounts', { name: 'campaigns-b' });
  const app = await h.create('/v1/Applications', { name: 'remind', account_sid: a, call_hook: 'https://app.example/call' });
  await h.store.accounts.update(a, { allow_any_caller_id: true });
  A = { account: a, token: (await h.accountKey(a)).token, app };
  B = { account: b, token: (await h.accountKey(b)).token };
});
after(async () => {
  await h.close();
});

const body = (over: Record<string, unknown> = {}): Record<string, unknown> => ({
  name: 'reminders', application_sid: A.app, from: ['+15551230000'], trunk: 'carrier-name', timeout: 25, statusHook: 'https://hooks.example/c',
  pacing: { cps: 2, max_concurrent: 20 },
  schedule: { timezone: 'Europe/Berlin', windows: [{ days: ['mon', 'tue', 'wed', 'thu', 'fri'], start: '09:00', end: '20:00' }], start_at: '2026-12-01T00:00:00Z', end_at: null },
  retry: { busy: { delay: 600, max_attempts: 3 }, 'no-answer': { delay: 1800, max_attempts: 2 } },
  voicemail: { action: 'drop', verbs: [{ verb: 'say', text: 'Please call us back.' }] },
  ...over,
});

const paths = (r: { body: unknown }): string[] => ((r.body as { errors?: { path: string }[] }).errors ?? []).map((e) => e.path);

test('POST Campaigns: 201 {sid}; required fields and bad values are 400 with the field path', async () => {
  const url = `/v1/Accounts/${A.account}/Campaigns`;
  const ok = await h.call('POST', url, { token: A.token, body: body() });
  assert.equal(ok.status, 201, ok.raw);
  assert.match((ok.body as { sid: string }).sid, /.+/);
  const cases: [Record<string, unknown>, string][] = [
    [{ name: undefined }, 'name'],
    [{ application_sid: undefined }, 'application_sid'],
    [{ pacing: { max_concurrent: 2 } }, 'pacing.cps'],
    [{ schedule: { timezone: 'Mars/Base' } }, 'schedule.timezone'],
    [{ schedule: { windows: [{ days: ['mon'], start: '10:00', end: '09:00' }] } }, 'schedule.windows[0].end'],
    [{ schedule: { windows: [{ days: ['mon'], start: '9am', end: '20:00' }] } }, 'schedule.windows.0.start'],
    [{ voicemail: { action: 'drop', verbs: [{ verb: 'nope' }] } }, 'voicemail.verbs[0]'],
    [{ retry: { busy: { delay: 1 } } }, 'retry.busy.max_attempts'],
  ];
  for (const [over, path] of cases) {
    const r = await h.call('POST', url, { token: A.token, body: body(over) });
    assert.equal(r.status, 400, `${path}: ${r.raw}`);
    assert.ok(paths(r).some((p) => p.startsWith(path)), `${path} in ${JSON.stringify(paths(r))}`);
  }
});

test('from must be the account\'s numbers unless any caller id is allowed', async () => {
  const app = await h.create('/v1/Applications', { name: 'b-app', account_sid: B.account, call_hook: 'https://app.example/call' });
  const r = await h.call('POST', `/v1/Accounts/${B.account}/Campaigns`, { token: B.token, body: body({ application_sid: app, from: ['+15551230000'] }) });
  assert.equal(r.status, 400, r.raw);
  assert.deepEqual(paths(r), ['from[0]']);
});

test('GET a campaign: the definition, state draft and every count; another tenant gets 403/404', async () => {
  const sid = await h.create(`/v1/Accounts/${A.account}/Campaigns`, body(), A.token);
  const r = await h.call('GET', `/v1/Accounts/${A.account}/Campaigns/${sid}`, { token: A.token });
  assert.equal(r.status, 200, r.raw);
  const c = r.body as Record<string, unknown>;
  assert.equal(c.state, 'draft');
  assert.equal(c.name, 'reminders');
  assert.deepEqual(c.pacing, { cps: 2, max_concurrent: 20 });
  assert.deepEqual(c.counts, { pending: 0, dialing: 0, scheduled: 0, done: 0, human: 0, machine: 0, answered: 0, busy: 0, 'no-answer': 0, failed: 0, dnc: 0, expired: 0 });
  assert.equal((await h.call('GET', `/v1/Accounts/${A.account}/Campaigns/${sid}`, { token: B.token })).status, 403);
  assert.equal((await h.call('GET', `/v1/Accounts/${B.account}/Campaigns/${sid}`, { token: B.token })).status, 404);
  assert.equal((await h.call('PUT', `/v1/Accounts/${B.account}/Campaigns/${sid}`, { token: B.token, body: { state: 'running' } })).status, 404);
});

test('Contacts: JSON and CSV, bad rows by line, duplicates with and without "+" collapsed, DNC shown, paging, filters, CSV export', async () => {
  const sid = await h.create(`/v1/Accounts/${A.account}/Campaigns`, body(), A.token);
  const url = `/v1/Accounts/${A.account}/Campaigns/${sid}/Contacts`;
  assert.equal((await h.call('POST', `/v1/Accounts/${A.account}/DoNotCall`, { token: A.token, body: { number: '12125550199' } })).status, 201);
  const j = await h.call('POST', url, { token: A.token, body: [{ number: '+12125550100', first: 'Ann' }, { number: 'x' }, { number: '12125550100' }] });
  assert.equal(j.status, 200, j.raw);
  assert.deepEqual(j.body, { added: 1, duplicates: 1, errors: [{ line: 2, msg: 'number "x" is not a valid E.164 phone number' }] });
  const csv = 'number,timezone,first\r\n12125550100,,Dup\r\n+12125550101,America/New_York,Bo\r\nbad,,C\r\n+12125550199,,Dnc\r\n+12125550102,Nowhere/X,D\r\n';
  const c = await h.call('POST', url, { token: A.token, body: csv, headers: { 'content-type': 'text/csv' } });
  assert.equal(c.status, 200, c.raw);
  assert.deepEqual(c.body, {
    added: 2, duplicates: 1,
    errors: [{ line: 4, msg: 'number "bad" is not a valid E.164 phone number' }, { line: 6, msg: 'timezone "Nowhere/X" is not an IANA timezone' }],
  });
  const all = await h.call('GET', `${url}?count=2&page=1`, { token: A.token });
  const page = all.body as { total: number; data: Record<string, unknown>[] };
  assert.equal(page.total, 3);
  assert.deepEqual(page.data[0], { number: '+12125550100', state: 'pending', outcome: null, attempts: 0, call_sids: [], next_attempt_at: null, timezone: null, tag: { first: 'Ann' }, amd: null });
  assert.equal(page.data.length, 2);
  const dnc = await h.call('GET', `${url}?outcome=dnc`, { token: A.token });
  assert.deepEqual((dnc.body as { data: { number: string; state: string }[] }).data.map((x) => [x.number, x.state]), [['+12125550199', 'done']]);
  const pending = await h.call('GET', `${url}?state=pending`, { token: A.token });
  assert.equal((pending.body as { total: number }).total, 2);
  const exp = await h.call('GET', `${url}?format=csv`, { token: A.token });
  assert.match(String(exp.headers['content-type']), /^text\/csv/);
  const lines = exp.raw.trim().split('\r\n');
  assert.equal(lines[0], 'number,timezone,state,outcome,attempts,amd,call_sids,next_attempt_at,tag');
  assert.equal(lines.length, 4);
  assert.equal(lines[3], '+12125550199,,done,dnc,0,,,,"{""first"":""Dnc""}"');
  const g = await h.call('GET', `/v1/Accounts/${A.account}/Campaigns/${sid}`, { token: A.token });
  assert.equal((g.body as { counts: Record<string, number> }).counts.dnc, 1);
  assert.equal((g.body as { counts: Record<string, number> }).counts.pending, 2);
});

test('state: draft → running ⇄ paused → stopped; other moves are 400 on "state"; pacing changes while running', async () => {
  const sid = await h.create(`/v1/Accounts/${A.account}/Campaigns`, body(), A.token);
  const url = `/v1/Accounts/${A.account}/Campaigns/${sid}`;
  const bad = await h.call('PUT', url, { token: A.token, body: { state: 'paused' } });
  assert.equal(bad.status, 400, bad.raw);
  assert.deepEqual(paths(bad), ['state']);
  assert.equal(((await h.call('PUT', url, { token: A.token, body: { state: 'running' } })).body as { state: string }).state, 'running');
  const p = await h.call('PUT', url, { token: A.token, body: { pacing: { cps: 5 } } });
  assert.deepEqual((p.body as { pacing: unknown }).pacing, { cps: 5, max_concurrent: 20 });
  assert.equal((await h.call('DELETE', url, { token: A.token })).status, 400, 'a running campaign is not deleted');
  assert.equal(((await h.call('PUT', url, { token: A.token, body: { state: 'paused' } })).body as { state: string }).state, 'paused');
  assert.equal(((await h.call('PUT', url, { token: A.token, body: { state: 'stopped' } })).body as { state: string }).state, 'stopped');
  assert.equal((await h.call('PUT', url, { token: A.token, body: { state: 'running' } })).status, 400);
  assert.equal((await h.call('PUT', url, { token: A.token, body: { state: 'completed' } })).status, 400, 'completed is reached by itself only');
  assert.equal((await h.call('DELETE', url, { token: A.token })).status, 204);
  assert.equal((await h.call('GET', url, { token: A.token })).status, 404);
});

test('DoNotCall: add (E.164 checked), list, CSV import with bad rows by line, delete; per account', async () => {
  const url = `/v1/Accounts/${B.account}/DoNotCall`;
  assert.equal((await h.call('POST', url, { token: B.token, body: { number: '+12125550300' } })).status, 201);
  assert.equal((await h.call('POST', url, { token: B.token, body: { number: '12125550300' } })).status, 200, 'already listed');
  const bad = await h.call('POST', url, { token: B.token, body: { number: '12' } });
  assert.equal(bad.status, 400);
  assert.deepEqual(paths(bad), ['number']);
  const imp = await h.call('POST', url, { token: B.token, body: 'number\n+12125550301\nnope\n+12125550300\n', headers: { 'content-type': 'text/csv' } });
  assert.deepEqual(imp.body, { added: 1, duplicates: 1, errors: [{ line: 3, msg: 'number "nope" is not a valid E.164 phone number' }] });
  const list = await h.call('GET', url, { token: B.token });
  assert.deepEqual((list.body as { number: string }[]).map((d) => d.number), ['+12125550300', '+12125550301']);
  assert.equal((await h.call('GET', url, { token: A.token })).status, 403);
  assert.equal((await h.call('DELETE', `${url}/+12125550300`, { token: B.token })).status, 204);
  assert.equal((await h.call('DELETE', `${url}/12125550300`, { token: B.token })).status, 404);
});
