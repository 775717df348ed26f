import { after, before } from 'node:test';
import { nullLogger } from '../kernel/logger.js';
import { createTestDatabase, startTestPostgres, type TestPostgres } from '../testkit/postgres.js';
import { storeContract } from '../testkit/store-contract.js';
import { openStore } from './index.js';

/** The same contract suite against a real PostgreSQL (Debian's binaries; fails loudly if they are missing). */
let pg: TestPostgres | undefined;
let n = 0;
before(async () => {
  pg = await startTestPostgres();
});
after(async () => {
  await pg?.stop();
});

storeContract('postgres', async () => {
  if (!pg) throw new Error('test PostgreSQL did not start');
  const url = await createTestDatabase(pg.url, `contract_${process.pid}_${++n}`);
  return {
    open: () => openStore({ dataDir: '/nonexistent', databaseUrl: url, logger: nullLogger }),
    dispose: async () => undefined,
  };
});
