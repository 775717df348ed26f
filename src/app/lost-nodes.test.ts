import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { nullLogger } from '../kernel/logger.js';
import { openStore } from '../store/index.js';
import { FakeClock } from '../testkit/fake-clock.js';
import type { WebhookSender } from '../verbs/index.js';

type WebhookRequest = Parameters<WebhookSender['send']>[0];
import { LostNodeSweeper, type LostNodeSource } from './lost-nodes.js';

/** A cluster state with one lost node that hands its claim to every claimer (the worst case: the store must still settle once). */
function everyoneClaims(node: { nodeId: string; sipHost: string }): LostNodeSource & { forgotten: number } {
  const src = {
    forgotten: 0,
    claimLostNodes: async () => (src.forgotten === 0 ? [node] : []),
    forgetNode: async () => {
      src.forgotten++;
      return [];
    },
  };
  return src;
}

test('issue 16: two nodes racing to settle a lost node end each of its calls once — one CDR end, one final call:status — and leave other nodes\' calls alone', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'vgw-lost-'));
  const store = await openStore({ dataDir: join(dir, 'data'), logger: nullLogger });
  try {
    const clock = new FakeClock();
    const account = await store.accounts.create({ name: 'acme' });
    const at = new Date(clock.wallNow() - 5000).toISOString();
    for (const [sid, host] of [['lost-1', '127.0.0.1:5071'], ['lost-2', '127.0.0.1:5071'], ['alive-1', '127.0.0.1:5072']] as const) {
      await store.cdrs.write({ call_sid: sid, account_sid: account.account_sid, direction: 'outbound', from: '+1555', to: '+1666', attempted_at: at, host, timeline: [] });
      await store.callJournal.put({ call_sid: sid, account_sid: account.account_sid, host, hooks: { statusHook: { url: 'http://status.example/hook' } } });
    }
    const sent: WebhookRequest[] = [];
    const webhooks: WebhookSender = { send: async (r) => { sent.push(r); return { status: 200, json: undefined, latencyMs: 1, attempts: 1 }; } };
    const lost = everyoneClaims({ nodeId: 'node-a', sipHost: '127.0.0.1:5071' });
    const sweeper = (host: string): LostNodeSweeper => new LostNodeSweeper({ source: lost, clock, logger: nullLogger, recovery: { store, clock, logger: nullLogger, webhooks, host } });
    const ended = await Promise.all([sweeper('127.0.0.1:5072').sweep(), sweeper('127.0.0.1:5073').sweep()]);

    assert.equal(ended[0] + ended[1], 2);
    for (const sid of ['lost-1', 'lost-2']) {
      const cdr = await store.cdrs.get(sid);
      assert.equal(cdr?.termination_reason, 'node lost');
      assert.equal(cdr?.termination_cause, 'failed');
      assert.deepEqual(cdr?.timeline.map((e) => e.event), ['node-lost']);
      assert.equal(await store.callJournal.get(sid), undefined);
    }
    const told = sent.map((r) => r.payload as Record<string, unknown>);
    assert.deepEqual(told.map((p) => p.call_sid).sort(), ['lost-1', 'lost-2']);
    for (const p of told) {
      assert.equal(p.call_status, 'failed');
      assert.equal(p.termination_reason, 'node lost');
    }
    assert.equal((await store.cdrs.get('alive-1'))?.terminated_at, null);
    assert.ok(await store.callJournal.get('alive-1'));
  } finally {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
