import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { FakeClock } from '../testkit/fake-clock.js';
import { ReadCache } from './cache.js';
import type { Db, Dialect } from './db.js';
import { hashToken, storeOver, type Store } from './index.js';
import { migrate } from './migrations.js';
import { SqliteDb } from './sqlite.js';

/** A SQLite database that counts reads and may claim to be another engine. */
interface Counted {
  readonly db: Db;
  readonly raw: SqliteDb;
  reads: number;
}

function counted(raw: SqliteDb, dialect: Dialect): Counted {
  const c: Counted = {
    raw,
    reads: 0,
    db: {
      dialect,
      all: (sql, params) => {
        c.reads++;
        return raw.all(sql, params);
      },
      get: (sql, params) => {
        c.reads++;
        return raw.get(sql, params);
      },
      run: (sql, params) => raw.run(sql, params),
      transaction: (fn) => raw.transaction(fn),
      exec: (sql) => raw.exec(sql),
      close: () => raw.close(),
    },
  };
  return c;
}

async function withStore(dialect: Dialect, fn: (s: Store, c: Counted) => Promise<void>): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'vgw-cache-'));
  const raw = SqliteDb.open(dir);
  try {
    await migrate(raw);
    const c = counted(raw, dialect);
    await fn(storeOver(c.db, new FakeClock()), c);
  } finally {
    await raw.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** How many database reads `fn` made. */
async function readsOf(c: Counted, fn: () => Promise<unknown>): Promise<number> {
  const before = c.reads;
  await fn();
  return c.reads - before;
}

test('sqlite cache: an application list is read once, and create/update/delete show at once', async () => {
  await withStore('sqlite', async (s, c) => {
    const a = await s.accounts.create({ name: 'a' });
    const b = await s.accounts.create({ name: 'b' });
    // Same created_at under the fake clock: compare names as sets.
    const names = async (account_sid?: string): Promise<string[]> => (await s.applications.list(account_sid === undefined ? {} : { account_sid })).map((x) => x.name).sort();
    const app = await s.applications.create({ name: 'one', account_sid: a.account_sid, call_hook: 'https://x.example/call' });
    assert.deepEqual(await names(a.account_sid), ['one']);
    assert.equal(await readsOf(c, () => names(a.account_sid)), 0, 'served from the cache');
    assert.deepEqual(await names(b.account_sid), []);
    assert.deepEqual(await names(), ['one']);
    assert.deepEqual(await names(''), [], 'the every-account list is not any account\'s');

    await s.applications.create({ name: 'two', account_sid: a.account_sid, call_hook: 'https://x.example/call' });
    assert.deepEqual(await names(a.account_sid), ['one', 'two']);
    assert.deepEqual(await names(), ['one', 'two']);
    await s.applications.update(app.application_sid, { name: 'renamed', env_vars: { K: 1 } });
    const listed = await s.applications.list({ account_sid: a.account_sid });
    assert.deepEqual(listed.map((x) => x.name).sort(), ['renamed', 'two']);
    assert.deepEqual(listed.find((x) => x.name === 'renamed')?.env_vars, { K: 1 });
    await s.applications.delete(app.application_sid);
    assert.deepEqual(await names(a.account_sid), ['two']);
    await s.applications.create({ name: 'b1', account_sid: b.account_sid, call_hook: 'https://x.example/call' });
    assert.deepEqual(await names(b.account_sid), ['b1'], 'an empty list is not kept past a create');
  });
});

test('sqlite cache: callers get their own array; the shared records are frozen', async () => {
  await withStore('sqlite', async (s) => {
    const a = await s.accounts.create({ name: 'a' });
    await s.applications.create({ name: 'one', account_sid: a.account_sid, call_hook: 'https://x.example/call', env_vars: { K: 1 } });
    const first = await s.applications.list({ account_sid: a.account_sid });
    first.pop();
    const again = await s.applications.list({ account_sid: a.account_sid });
    assert.equal(again.length, 1);
    assert.ok(Object.isFrozen(again[0]) && Object.isFrozen(again[0].call_hook) && Object.isFrozen(again[0].env_vars));
    assert.throws(() => {
      (again[0] as { name: string }).name = 'changed';
    }, TypeError);
  });
});

test('sqlite cache: api keys by hash — cached, revoked and created at once, last_used current', async () => {
  await withStore('sqlite', async (s, c) => {
    const a = await s.accounts.create({ name: 'a' });
    const key = await s.apiKeys.create({ account_sid: a.account_sid, token_hash: hashToken('t1'), token_hint: 't1' });
    assert.equal((await s.apiKeys.findByTokenHash(hashToken('t1')))?.api_key_sid, key.api_key_sid);
    assert.equal(await readsOf(c, () => s.apiKeys.findByTokenHash(hashToken('t1'))), 0, 'served from the cache');
    assert.equal(await s.apiKeys.findByTokenHash(hashToken('t2')), undefined);
    assert.equal(await readsOf(c, () => s.apiKeys.findByTokenHash(hashToken('t2'))), 1, 'unknown tokens are not cached');
    await s.apiKeys.create({ account_sid: null, token_hash: hashToken('t2'), token_hint: 't2' });
    assert.equal((await s.apiKeys.findByTokenHash(hashToken('t2')))?.scope, 'admin');

    await s.apiKeys.touchLastUsed(key.api_key_sid, '2026-01-01T00:00:00.000Z');
    assert.equal((await s.apiKeys.findByTokenHash(hashToken('t1')))?.last_used, '2026-01-01T00:00:00.000Z');
    assert.equal(await s.apiKeys.delete(key.api_key_sid), true);
    assert.equal(await s.apiKeys.findByTokenHash(hashToken('t1')), undefined, 'revoked at once');
  });
});

test('sqlite cache: deleting an account drops its keys and applications at once', async () => {
  await withStore('sqlite', async (s) => {
    const a = await s.accounts.create({ name: 'a' });
    await s.apiKeys.create({ account_sid: a.account_sid, token_hash: hashToken('ta'), token_hint: 'ta' });
    await s.applications.create({ name: 'one', account_sid: a.account_sid, call_hook: 'https://x.example/call' });
    assert.ok(await s.apiKeys.findByTokenHash(hashToken('ta')));
    assert.equal((await s.applications.list({ account_sid: a.account_sid })).length, 1);
    assert.equal((await s.applications.list()).length, 1);
    assert.equal(await s.accounts.delete(a.account_sid), true);
    assert.equal(await s.apiKeys.findByTokenHash(hashToken('ta')), undefined);
    assert.deepEqual(await s.applications.list({ account_sid: a.account_sid }), []);
    assert.deepEqual(await s.applications.list(), []);
  });
});

test('postgres path: never cached — every read goes to the database and sees writes made elsewhere', async () => {
  await withStore('postgres', async (s, c) => {
    const a = await s.accounts.create({ name: 'a' });
    await s.applications.create({ name: 'one', account_sid: a.account_sid, call_hook: 'https://x.example/call' });
    await s.apiKeys.create({ account_sid: null, token_hash: hashToken('tp'), token_hint: 'tp' });
    assert.equal((await s.applications.list({ account_sid: a.account_sid })).length, 1);
    assert.equal(await readsOf(c, () => s.applications.list({ account_sid: a.account_sid })), 1);
    assert.ok(await s.apiKeys.findByTokenHash(hashToken('tp')));
    assert.equal(await readsOf(c, () => s.apiKeys.findByTokenHash(hashToken('tp'))), 1);
    // Another gateway sharing the database writes behind this store's back.
    await c.raw.run('DELETE FROM "api_keys" WHERE "token_hash" = ?', [hashToken('tp')]);
    await c.raw.run('UPDATE "applications" SET "name" = ? WHERE "account_sid" = ?', ['elsewhere', a.account_sid]);
    assert.equal(await s.apiKeys.findByTokenHash(hashToken('tp')), undefined);
    assert.deepEqual((await s.applications.list({ account_sid: a.account_sid })).map((x) => x.name), ['elsewhere']);
  });
});

test('ReadCache: a read in flight when a write lands is not kept', async () => {
  const cache = new ReadCache<string>(10);
  let release = (_v: string): void => undefined;
  const slow = cache.read('k', () => new Promise<string>((r) => { release = r; }));
  await cache.writing(async () => undefined);
  release('stale');
  assert.equal(await slow, 'stale', 'the caller still gets what it read');
  assert.equal(await cache.read('k', async () => 'fresh'), 'fresh', 'but the cache did not keep it');
  assert.equal(await cache.read('k', async () => 'other'), 'fresh');
});

test('ReadCache: bounded, the oldest entry goes first; a failed write still clears', async () => {
  const cache = new ReadCache<number>(2);
  await cache.read('a', async () => 1);
  await cache.read('b', async () => 2);
  await cache.read('c', async () => 3);
  assert.equal(cache.size, 2);
  assert.equal(await cache.read('a', async () => 10), 10, 'a was evicted');
  assert.equal(await cache.read('c', async () => 30), 3);
  await assert.rejects(cache.writing(async () => { throw new Error('boom'); }), /boom/);
  assert.equal(cache.size, 0);
});
