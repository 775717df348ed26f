import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { nullLogger } from '../kernel/logger.js';
import { openStore } from '../store/index.js';
import { startApiHarness } from '../testkit/api-harness.js';
import { FakeClock } from '../testkit/fake-clock.js';
import { buildApi } from './app.js';

test('/health stays public and follows isReady', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'vgw-health-'));
  const store = await openStore({ dataDir: dir, logger: nullLogger });
  let ready = false;
  const app = buildApi({ logger: nullLogger, isReady: () => ready, store });
  assert.equal((await app.inject({ url: '/health' })).statusCode, 503);
  ready = true;
  const ok = await app.inject({ url: '/health' });
  assert.deepEqual([ok.statusCode, ok.json()], [200, { status: 'ok' }]);
  await app.close();
  await store.close();
  rmSync(dir, { recursive: true, force: true });
});

test('malformed JSON → 400, oversized body → 413, unknown route → 404, all as {msg}', async () => {
  const h = await startApiHarness({ bodyLimit: 4096 });
  try {
    const bad = await h.call('POST', '/v1/Accounts', { body: '{"name":', headers: { 'content-type': 'application/json' } });
    assert.deepEqual([bad.status, bad.body], [400, { msg: 'malformed JSON body' }]);
    const big = await h.call('POST', '/v1/Accounts', { body: { name: 'x'.repeat(5000) } });
    assert.deepEqual([big.status, big.body], [413, { msg: 'request body too large' }]);
    const nowhere = await h.call('GET', '/v1/Nowhere');
    assert.deepEqual([nowhere.status, nowhere.body], [404, { msg: 'not found' }]);
    const text = await h.call('POST', '/v1/Accounts', { body: 'name=x', headers: { 'content-type': 'application/x-www-form-urlencoded' } });
    assert.equal(text.status, 415);
    assert.equal((await h.call('POST', '/v1/Accounts', { body: '', headers: { 'content-type': 'application/json' } })).status, 400);
  } finally {
    await h.close();
  }
});

test('a default 1 MiB body limit', async () => {
  const h = await startApiHarness();
  try {
    const r = await h.call('POST', '/v1/Accounts', { body: { name: 'x', sip_realm: 'y'.repeat(1024 * 1024) } });
    assert.equal(r.status, 413);
  } finally {
    await h.close();
  }
});

test('401 without a usable bearer key', async () => {
  const h = await startApiHarness();
  try {
    const variants: Record<string, string>[] = [{}, { authorization: 'Basic dXNlcjpwYXNz' }, { authorization: 'Bearer' }, { authorization: 'Bearer not-a-key' }, { authorization: `Bearer ${h.adminToken}x` }];
    for (const headers of variants) {
      const r = await h.call('GET', '/v1/Applications', { token: null, headers });
      assert.deepEqual([r.status, r.body], [401, { msg: 'unauthorized' }], JSON.stringify(headers));
    }
    assert.equal((await h.call('GET', '/v1/Applications', { token: null, headers: { authorization: `bearer ${h.adminToken}` } })).status, 200);
  } finally {
    await h.close();
  }
});

test('OpenAPI document at /openapi.json and docs UI at /docs, served locally', async () => {
  const h = await startApiHarness();
  try {
    const doc = await h.call('GET', '/openapi.json', { token: null });
    assert.equal(doc.status, 200);
    const spec = doc.body as { openapi: string; paths: Record<string, Record<string, unknown>> };
    assert.equal(spec.openapi, '3.1.0');
    for (const p of ['/v1/Applications', '/v1/Accounts/{account_sid}/Applications', '/v1/ApiKeys', '/v1/PhoneNumbers', '/v1/VoipCarriers', '/v1/SipGateways', '/v1/Accounts/{account_sid}/RecentCalls', '/v1/Accounts/{account_sid}/WebhookSecret']) {
      assert.ok(spec.paths[p], p);
    }
    assert.ok(spec.paths['/v1/Applications'].post);
    const ui = await h.app.inject({ url: '/docs' });
    assert.equal(ui.statusCode, 200);
    assert.doesNotMatch(ui.body, /https?:\/\/(unpkg|cdn|cdnjs|fonts)\./);
    assert.equal((await h.app.inject({ url: '/docs/static/swagger-ui-bundle.js' })).statusCode, 200);
  } finally {
    await h.close();
  }
});

test('no rate limit by default: 300 quick requests from one key all succeed', async () => {
  const h = await startApiHarness();
  try {
    const codes = await Promise.all(Array.from({ length: 300 }, () => h.call('GET', '/v1/Applications').then((r) => r.status)));
    assert.ok(codes.every((c) => c === 200));
  } finally {
    await h.close();
  }
});

test('opt-in per-key rate limit answers 429 past the burst and refills over time', async () => {
  const clock = new FakeClock();
  const h = await startApiHarness({ clock, rateLimit: { perSecond: 2, burst: 3 } });
  try {
    const codes: number[] = [];
    for (let i = 0; i < 3; i++) codes.push((await h.call('GET', '/v1/Applications')).status);
    const limited = await h.call('GET', '/v1/Applications');
    codes.push(limited.status);
    assert.deepEqual(codes, [200, 200, 200, 429]);
    assert.equal(limited.headers['retry-after'], '1');
    clock.advance(500);
    assert.equal((await h.call('GET', '/v1/Applications')).status, 200);
  } finally {
    await h.close();
  }
});
