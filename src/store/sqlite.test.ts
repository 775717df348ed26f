import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { nullLogger } from '../kernel/logger.js';
import { campaignStoreContract } from '../testkit/campaign-store-contract.js';
import { storeContract, type StoreLocation } from '../testkit/store-contract.js';
import { isStoreError, openStore } from './index.js';
import { SqliteDb } from './sqlite.js';

const sqliteLocation = async (): Promise<StoreLocation> => {
  const dir = mkdtempSync(join(tmpdir(), 'vgw-store-'));
  return {
    open: () => openStore({ dataDir: join(dir, 'data'), logger: nullLogger }),
    dispose: async () => rmSync(dir, { recursive: true, force: true }),
  };
};
storeContract('sqlite', sqliteLocation);
campaignStoreContract('sqlite', sqliteLocation);

test('sqlite: file is <dataDir>/vgw.sqlite, created with its directory, in WAL mode', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'vgw-store-'));
  try {
    const s = await openStore({ dataDir: join(dir, 'nested', 'data'), logger: nullLogger });
    assert.equal(s.kind, 'sqlite');
    await s.accounts.create({ name: 'x' });
    assert.ok(existsSync(join(dir, 'nested', 'data', 'vgw.sqlite')));
    assert.ok(existsSync(join(dir, 'nested', 'data', 'vgw.sqlite-wal')));
    await s.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('sqlite: statements issued while a transaction awaits wait for it instead of joining it', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'vgw-store-'));
  const db = SqliteDb.open(dir);
  try {
    await db.exec('CREATE TABLE "t" ("v" INTEGER)');
    let outside: Promise<number> | undefined;
    await assert.rejects(
      db.transaction(async (tx) => {
        await tx.run('INSERT INTO "t" ("v") VALUES (1)');
        outside = db.run('INSERT INTO "t" ("v") VALUES (2)');
        await new Promise((r) => setImmediate(r));
        throw new Error('roll back');
      }),
      /roll back/,
    );
    assert.equal(await outside, 1);
    assert.deepEqual(await db.all('SELECT "v" FROM "t"'), [{ v: 2 }]);
  } finally {
    await db.close();
    await db.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('sqlite: a second store on the same data dir is refused while the first is open', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'vgw-store-'));
  const first = await openStore({ dataDir: dir, logger: nullLogger });
  try {
    await assert.rejects(openStore({ dataDir: dir, logger: nullLogger }), (e: unknown) => isStoreError(e, 'STORE_UNAVAILABLE') && /another process/.test(e.message));
  } finally {
    await first.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('openStore refuses a database URL that is not postgres://', async () => {
  await assert.rejects(openStore({ dataDir: '/nonexistent', databaseUrl: 'mysql://x', logger: nullLogger }), /postgres:\/\//);
});

test('sqlite: two transactions that wait for a third run one after the other (not both at once)', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'vgw-store-'));
  const db = SqliteDb.open(dir);
  try {
    await db.exec('CREATE TABLE "t" ("v" INTEGER)');
    let open!: () => void;
    const first = db.transaction(async (tx) => {
      await tx.run('INSERT INTO "t" ("v") VALUES (1)');
      await new Promise<void>((r) => { open = r; });
    });
    await new Promise((r) => setImmediate(r));
    const second = db.transaction(async (tx) => tx.run('INSERT INTO "t" ("v") VALUES (2)'));
    const third = db.transaction(async (tx) => tx.run('INSERT INTO "t" ("v") VALUES (3)'));
    open();
    await Promise.all([first, second, third]);
    assert.deepEqual((await db.all('SELECT "v" FROM "t" ORDER BY "v"')).map((r) => r.v), [1, 2, 3]);
  } finally {
    await db.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
