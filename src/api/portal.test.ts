import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { startApiHarness } from '../testkit/api-harness.js';
import { registerPortal } from './portal.js';

function fakeDist(): string {
  const dir = mkdtempSync(join(tmpdir(), 'vgw-portal-'));
  mkdirSync(join(dir, 'portal-assets'));
  writeFileSync(join(dir, 'index.html'), '<!doctype html><title>portal</title><script type="module" src="/portal-assets/app-abc.js"></script>');
  writeFileSync(join(dir, 'portal-assets', 'app-abc.js'), `console.log(${JSON.stringify('x'.repeat(4000))});`);
  return dir;
}

test('portal: / and client-side routes answer index.html (no-cache, CSP); /v1 and the docs keep working', async () => {
  const h = await startApiHarness();
  registerPortal(h.app, fakeDist());
  try {
    for (const url of ['/', '/keys', '/place-call', '/recent-calls?page=2', '/carriers/']) {
      const r = await h.app.inject({ method: 'GET', url });
      assert.equal(r.statusCode, 200, url);
      assert.match(String(r.headers['content-type']), /^text\/html/, url);
      assert.equal(r.headers['cache-control'], 'no-cache', url);
      assert.match(String(r.headers['content-security-policy']), /default-src 'self'/);
      assert.match(r.body, /<title>portal<\/title>/);
    }
    const again = await h.app.inject({ method: 'GET', url: '/', headers: { 'if-none-match': String((await h.app.inject({ method: 'GET', url: '/' })).headers.etag) } });
    assert.equal(again.statusCode, 304);
    const apps = await h.call('GET', '/v1/Applications');
    assert.equal(apps.status, 200);
    assert.equal((await h.call('GET', '/v1/Applications', { token: null })).status, 401, 'the API still needs a key');
    assert.equal((await h.app.inject({ method: 'GET', url: '/openapi.json' })).statusCode, 200);
    assert.equal((await h.app.inject({ method: 'GET', url: '/health' })).statusCode, 200);
  } finally {
    await h.close();
  }
});

test('portal: hashed assets are immutable and gzipped on request; unknown files and reserved paths are JSON 404s', async () => {
  const h = await startApiHarness();
  registerPortal(h.app, fakeDist());
  try {
    const js = await h.app.inject({ method: 'GET', url: '/portal-assets/app-abc.js', headers: { 'accept-encoding': 'gzip, br' } });
    assert.equal(js.statusCode, 200);
    assert.equal(js.headers['cache-control'], 'public, max-age=31536000, immutable');
    assert.match(String(js.headers['content-type']), /^text\/javascript/);
    assert.equal(js.headers['content-encoding'], 'gzip');
    assert.match(gunzipSync(js.rawPayload).toString(), /^console\.log/);
    const plain = await h.app.inject({ method: 'GET', url: '/portal-assets/app-abc.js' });
    assert.equal(plain.headers['content-encoding'], undefined);
    assert.match(plain.body, /^console\.log/);
    for (const url of ['/portal-assets/missing.js', '/favicon.ico', '/v1/NoSuchThing', '/demo/nothing', '/docs/nothing.js']) {
      const r = await h.app.inject({ method: 'GET', url });
      assert.equal(r.statusCode, 404, url);
      assert.match(String(r.headers['content-type']), /json/, url);
    }
    assert.equal((await h.app.inject({ method: 'POST', url: '/keys', payload: {} })).statusCode, 404, 'only GET serves the page');
  } finally {
    await h.close();
  }
});

test('portal: without a build, / explains how to build it (503)', async () => {
  const h = await startApiHarness();
  registerPortal(h.app, mkdtempSync(join(tmpdir(), 'vgw-portal-empty-')));
  try {
    const r = await h.app.inject({ method: 'GET', url: '/' });
    assert.equal(r.statusCode, 503);
    assert.match(r.body, /npm run build/);
  } finally {
    await h.close();
  }
});
