import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEMO_FROM } from '../cli/demo.js';
import { startCli } from '../testkit/cli-gateway.js';
import { eventually, startHookServer } from '../testkit/gateway.js';
import { freePort } from '../testkit/ports.js';

const CALLS = 300;

type Cdr = { call_sid: string; termination_reason: string | null; termination_cause: string | null; terminated_at: string | null; answered: boolean };

test(`issue 12 item 4: kill -9 with ${CALLS} calls in progress — after a restart on the same data dir every call is in RecentCalls as failed / gateway restart, and each status hook was told`, async (t) => {
  const dataDir = mkdtempSync(join(tmpdir(), 'vgw-crash-'));
  const env = {
    VGW_DATA_DIR: dataDir, VGW_SIP_ADDRESS: '127.0.0.1', VGW_SIP_PORT: String(await freePort()),
    VGW_SIMULATOR: 'on', VGW_SIMULATOR_PORT: String(await freePort()),
    // 8,000 ports: the simulator's top tenth holds 400 RTP pairs for its side of the calls.
    VGW_RTP_PORTS: '20000-27999',
  };
  const hooks = await startHookServer({ '/app': () => [{ verb: 'pause', length: 300 }] });
  const first = await startCli(env);
  let second: Awaited<ReturnType<typeof startCli>> | undefined;
  try {
    const accounts = (await first.api('GET', '/v1/Accounts')).body as Array<{ account_sid: string; name: string }>;
    const demo = accounts.find((a) => a.name === 'demo');
    assert.ok(demo, JSON.stringify(accounts));
    const post = async (): Promise<string> => {
      const r = await first.api('POST', `/v1/Accounts/${demo.account_sid}/Calls`, {
        from: DEMO_FROM, to: { type: 'phone', number: '+15550100', trunk: 'simulator' },
        call_hook: `${hooks.url}/app`, call_status_hook: `${hooks.url}/status`, notifyUrl: `${hooks.url}/notify`,
      });
      assert.equal(r.status, 201, JSON.stringify(r.body));
      return (r.body as { sid: string }).sid;
    };
    const sids: string[] = [];
    for (let i = 0; i < CALLS; i += 25) sids.push(...await Promise.all(Array.from({ length: Math.min(25, CALLS - i) }, post)));
    const answered = (): number => new Set(hooks.seen.filter((h) => h.path === '/status' && h.json.call_status === 'in-progress').map((h) => h.json.call_sid)).size;
    await eventually(() => answered() === CALLS, 60_000, `${CALLS} calls in progress (${answered()})`);
    // A call's answer is written to its record by a task queued (setImmediate) when its in-progress
    // webhook is queued, so it may still be waiting when the webhook arrives here. The gateway holds
    // its SQLite file exclusively; what proves the write is causality: each request below is
    // read by a later turn of the gateway's event loop than the one before it, and the second runs
    // at least two turns after the turn that sent the last webhook, after every task that turn queued.
    for (let i = 0; i < 2; i++) assert.equal((await first.api('GET', '/v1/Accounts')).status, 200);
    hooks.seen.length = 0;

    await first.stop('SIGKILL');
    const restart = performance.now();
    second = await startCli(env);
    t.diagnostic(`restart with ${CALLS} calls to settle: ready in ${Math.round(performance.now() - restart)} ms`);
    const page = await second.api('GET', `/v1/Accounts/${demo.account_sid}/RecentCalls?count=500`);
    const rows = (page.body as { data: Cdr[] }).data;
    const bySid = new Map(rows.map((c) => [c.call_sid, c]));
    for (const sid of sids) {
      const row = bySid.get(sid);
      assert.ok(row, `call ${sid} is in RecentCalls`);
      assert.equal(row.termination_reason, 'gateway restart');
      assert.equal(row.termination_cause, 'failed');
      assert.equal(row.answered, true, 'the record kept the answer it had when the process died');
      assert.ok(row.terminated_at);
    }
    assert.equal(((await second.api('GET', `/v1/Accounts/${demo.account_sid}/Calls`)).body as unknown[]).length, 0, 'nothing is live after the restart');
    const told = (path: string): Set<unknown> => new Set(hooks.seen.filter((h) => h.path === path && h.json.call_status === 'failed' && h.json.termination_reason === 'gateway restart').map((h) => h.json.call_sid));
    await eventually(() => told('/status').size === CALLS && told('/notify').size === CALLS, 30_000, `every status hook told (${told('/status').size}, ${told('/notify').size})`);
    const notify = hooks.seen.find((h) => h.path === '/notify');
    assert.equal(notify?.json.event, 'CALL_FAILED');
  } finally {
    await second?.stop('SIGTERM');
    await first.stop('SIGKILL');
    await hooks.close();
  }
});
