import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createSocket } from 'node:dgram';
import type { AddressInfo } from 'node:net';
import { startCallHarness } from '../testkit/call-harness.js';
import type { Store } from '../store/index.js';
import { CallError } from './errors.js';

/** Every repository call of `repo` takes a real trip through the event loop first, as PostgreSQL's do. */
function slow<T extends object>(repo: T): T {
  return new Proxy(repo, {
    get(target, key, receiver) {
      const v: unknown = Reflect.get(target, key, receiver);
      if (typeof v !== 'function') return v;
      return async (...args: unknown[]) => {
        await new Promise((r) => setTimeout(r, 2));
        return (v as (...a: unknown[]) => unknown).apply(target, args);
      };
    },
  });
}

function slowStore(s: Store): Store {
  return { ...s, accounts: slow(s.accounts), voipCarriers: slow(s.voipCarriers), sipGateways: slow(s.sipGateways), phoneNumbers: slow(s.phoneNumbers) };
}

test('issue 12 item 10: parallel placements cannot pass max_concurrent_calls together — the slot is taken with the check', async () => {
  const h = await startCallHarness({ wrapStore: slowStore });
  // A UDP socket that swallows INVITEs: every admitted call stays live (trying).
  const sink = createSocket('udp4');
  await new Promise<void>((r) => sink.bind(0, '127.0.0.1', () => r()));
  const port = (sink.address() as AddressInfo).port;
  try {
    await h.store.accounts.update(h.accountSid, { max_concurrent_calls: 2 });
    const carrier = await h.store.voipCarriers.create({ name: 'sink', account_sid: h.accountSid });
    await h.store.sipGateways.create({ voip_carrier_sid: carrier.voip_carrier_sid, ipv4: '127.0.0.1', port, outbound: true, inbound: false });
    const place = () => h.calls.placeOutbound({ accountSid: h.accountSid }, {
      from: '+15551230000', to: { type: 'phone', number: '+15550100', trunk: 'sink' }, timeout: 30,
    });
    const results = await Promise.allSettled(Array.from({ length: 8 }, place));
    const ok = results.filter((r) => r.status === 'fulfilled');
    const refused = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
    assert.equal(ok.length, 2, 'two calls admitted');
    assert.equal(refused.length, 6);
    for (const r of refused) assert.ok(r.reason instanceof CallError && r.reason.code === 'CALL_LIMIT', String(r.reason));
    assert.equal(h.calls.list(h.accountSid).length, 2);
  } finally {
    sink.close();
    await h.close();
  }
});
