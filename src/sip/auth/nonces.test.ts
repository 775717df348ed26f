import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FakeClock } from '../../testkit/fake-clock.js';
import { buildAuthorization, createChallenge, parseChallenge, verifyAuthorization, verifyDigest, type VerifyOptions } from './digest.js';
import { NonceStore } from './nonces.js';

const REALM = 'gw.example';

/** What a carrier sends back for a challenge carrying `nonce`. */
function credentials(nonce: string, nc: number, password = 's3cret'): string {
  const challenge = parseChallenge(createChallenge({ realm: REALM, nonce, qop: ['auth'] }));
  return buildAuthorization({ challenge, method: 'INVITE', uri: 'sip:+4930123@gw.example', username: 'carrier', password, cnonce: 'c0ffee', nc });
}

function setup(o: { ttlMs?: number; maxSize?: number } = {}): { clock: FakeClock; store: NonceStore; opts: VerifyOptions } {
  const clock = new FakeClock();
  const store = new NonceStore({ clock, ...o });
  const opts: VerifyOptions = { method: 'INVITE', realm: REALM, password: (u) => (u === 'carrier' ? 's3cret' : undefined), nonces: store };
  return { clock, store, opts };
}

test('RFC 7616 §3.4: a repeated or lower nonce-count for the same nonce is a replay; higher ones pass', () => {
  const { store, opts } = setup();
  const nonce = store.issue();
  assert.deepEqual(verifyDigest(credentials(nonce, 1), opts), { ok: true, username: 'carrier' });
  assert.deepEqual(verifyDigest(credentials(nonce, 1), opts), { ok: false, reason: 'replay' });
  assert.ok(verifyAuthorization(credentials(nonce, 2), opts));
  assert.ok(verifyAuthorization(credentials(nonce, 5), opts));
  assert.deepEqual(verifyDigest(credentials(nonce, 3), opts), { ok: false, reason: 'replay' });
});

test('RFC 7616 §3.4: a forged request cannot burn a nonce-count (nc is recorded only after the digest verifies)', () => {
  const { store, opts } = setup();
  const nonce = store.issue();
  assert.deepEqual(verifyDigest(credentials(nonce, 0xffffffff, 'guess'), opts), { ok: false, reason: 'bad-response' });
  assert.ok(verifyAuthorization(credentials(nonce, 1), opts));
});

test('RFC 7616 §3.3: an expired nonce with the right password → stale (challenge again with stale=true); with a wrong one → refused', () => {
  const { clock, store, opts } = setup({ ttlMs: 60_000 });
  const nonce = store.issue();
  clock.advance(59_999);
  assert.ok(verifyAuthorization(credentials(nonce, 1), opts), 'fresh until the TTL');
  clock.advance(1);
  assert.deepEqual(verifyDigest(credentials(nonce, 2), opts), { ok: false, reason: 'stale' });
  assert.deepEqual(verifyDigest(credentials(nonce, 3, 'wrong'), opts), { ok: false, reason: 'bad-response' });
  const again = createChallenge({ realm: REALM, nonce: store.issue(), stale: true });
  assert.equal(parseChallenge(again).stale, true);
});

test('RFC 7616 §3.3: a nonce we never issued (or another store issued) is unknown', () => {
  const { opts } = setup();
  const other = new NonceStore({ clock: new FakeClock() });
  for (const nonce of ['abc', 'x.y.z', other.issue(), '']) {
    assert.deepEqual(verifyDigest(credentials(nonce || 'n', 1), opts), { ok: false, reason: 'unknown-nonce' }, nonce);
  }
});

test('NonceStore is bounded: the oldest nonce is evicted first, and an evicted nonce of ours comes back stale, not unknown', () => {
  const { store, opts } = setup({ maxSize: 3 });
  const nonces = [store.issue(), store.issue(), store.issue(), store.issue(), store.issue()];
  assert.equal(store.size, 3);
  assert.deepEqual(verifyDigest(credentials(nonces[0], 1), opts), { ok: false, reason: 'stale' });
  assert.deepEqual(verifyDigest(credentials(nonces[1], 1), opts), { ok: false, reason: 'stale' });
  for (const n of nonces.slice(2)) assert.ok(verifyAuthorization(credentials(n, 1), opts));
});

test('NonceStore: expired nonces are dropped as new ones are issued (a challenge flood cannot grow it past one TTL of nonces)', () => {
  const { clock, store } = setup({ ttlMs: 10_000, maxSize: 1_000_000 });
  for (let i = 0; i < 1000; i++) {
    store.issue();
    clock.advance(100);
  }
  assert.equal(store.size, 100, 'only the last 10 s of nonces are kept');
});

test('RFC 7616 §3.4: an nc that is not 8 hex digits is refused; without qop (RFC 2069) a nonce is single-use', () => {
  const { store, opts } = setup();
  const nonce = store.issue();
  assert.equal(store.check(nonce, '1'), 'replay');
  assert.equal(store.check(nonce, 'zzzzzzzz'), 'replay');
  assert.equal(store.check(nonce, '00000001'), 'valid');
  const plain = store.issue();
  const challenge = parseChallenge(createChallenge({ realm: REALM, nonce: plain, qop: [] }));
  const header = buildAuthorization({ challenge, method: 'INVITE', uri: 'sip:x@gw.example', username: 'carrier', password: 's3cret', cnonce: 'c', nc: 1 });
  assert.ok(verifyAuthorization(header, opts));
  assert.deepEqual(verifyDigest(header, opts), { ok: false, reason: 'replay' });
});
