import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { nullLogger } from '../kernel/logger.js';
import { FakeClock } from '../testkit/fake-clock.js';
import { openStore, type Store } from '../store/index.js';
import { InboundGatewayIndex, inSubnet } from './inbound-auth.js';

test('inbound gateways match by address and netmask, whatever the source port', () => {
  assert.ok(inSubnet('10.1.2.3', '10.1.2.3', 32));
  assert.ok(!inSubnet('10.1.2.4', '10.1.2.3', 32));
  assert.ok(inSubnet('10.1.2.200', '10.1.2.0', 24));
  assert.ok(!inSubnet('10.1.3.1', '10.1.2.0', 24));
  assert.ok(inSubnet('192.168.7.9', '0.0.0.0', 0));
  assert.ok(inSubnet('172.16.5.5', '172.16.0.0', 12));
  assert.ok(!inSubnet('172.32.0.1', '172.16.0.0', 12));
});

/** A real SQLite store in a temp dir whose gateway and carrier list reads are counted. */
async function countingStore(): Promise<{ store: Store; reads: { gateways: number }; close: () => Promise<void> }> {
  const dir = mkdtempSync(join(tmpdir(), 'vgw-inbound-'));
  const inner = await openStore({ dataDir: join(dir, 'data'), logger: nullLogger });
  const reads = { gateways: 0 };
  const store: Store = {
    ...inner,
    sipGateways: { ...inner.sipGateways, list: (f) => { reads.gateways++; return inner.sipGateways.list(f); } },
  };
  return { store, reads, close: async () => { await inner.close(); rmSync(dir, { recursive: true, force: true }); } };
}

async function carrier(store: Store, name: string, gateways: Array<{ ipv4: string; netmask?: number; inbound?: boolean; is_active?: boolean }>, o: { is_active?: boolean } = {}): Promise<string> {
  const c = await store.voipCarriers.create({ name, ...o });
  for (const g of gateways) await store.sipGateways.create({ voip_carrier_sid: c.voip_carrier_sid, inbound: true, outbound: false, ...g });
  return c.voip_carrier_sid;
}

const names = async (idx: InboundGatewayIndex, source: string): Promise<string[]> => (await idx.carriersFor(source)).map((c) => c.name).sort();

test('InboundGatewayIndex: exact /32, prefixes and /0 match; inactive or outbound-only gateways and inactive carriers do not', async () => {
  const { store, close } = await countingStore();
  try {
    await carrier(store, 'exact', [{ ipv4: '203.0.113.10', netmask: 32 }]);
    await carrier(store, 'net24', [{ ipv4: '203.0.113.0', netmask: 24 }]);
    await carrier(store, 'wide', [{ ipv4: '10.0.0.0', netmask: 8 }]);
    await carrier(store, 'off', [{ ipv4: '203.0.113.10', is_active: false }, { ipv4: '203.0.113.10', inbound: false }]);
    await carrier(store, 'retired', [{ ipv4: '203.0.113.10' }], { is_active: false });
    const idx = new InboundGatewayIndex(store, () => 0);
    assert.deepEqual(await names(idx, '203.0.113.10'), ['exact', 'net24']);
    assert.deepEqual(await names(idx, '203.0.113.77'), ['net24']);
    assert.deepEqual(await names(idx, '10.200.1.1'), ['wide']);
    assert.deepEqual(await names(idx, '198.51.100.1'), []);
    await carrier(store, 'anything', [{ ipv4: '0.0.0.0', netmask: 0 }]);
    idx.invalidate();
    assert.deepEqual(await names(idx, '198.51.100.1'), ['anything']);
  } finally {
    await close();
  }
});

test('issue 12 item 11: an INVITE flood reads the gateways once per TTL, not once per INVITE; invalidate() makes a change visible at once', async () => {
  const { store, reads, close } = await countingStore();
  try {
    await carrier(store, 'pbx', [{ ipv4: '203.0.113.10' }]);
    const clock = new FakeClock();
    const idx = new InboundGatewayIndex(store, () => clock.now(), { ttlMs: 5000 });
    const together = await Promise.all(Array.from({ length: 200 }, (_, i) => idx.carriersFor(i % 2 ? '203.0.113.10' : '198.51.100.1')));
    assert.equal(reads.gateways, 1, 'concurrent INVITEs share one read');
    assert.equal(together.filter((c) => c.length === 1).length, 100);
    for (let i = 0; i < 100; i++) await idx.carriersFor('203.0.113.10');
    assert.equal(reads.gateways, 1, 'sequential INVITEs within the TTL read nothing');
    await carrier(store, 'late', [{ ipv4: '198.51.100.1' }]);
    assert.deepEqual(await names(idx, '198.51.100.1'), [], 'not seen before the TTL or an invalidate()');
    clock.advance(5000);
    assert.deepEqual(await names(idx, '198.51.100.1'), ['late'], 'seen after the TTL');
    assert.equal(reads.gateways, 2);
    await carrier(store, 'later', [{ ipv4: '198.51.100.2' }]);
    idx.invalidate();
    assert.deepEqual(await names(idx, '198.51.100.2'), ['later'], 'seen at once after invalidate()');
    assert.equal(reads.gateways, 3);
  } finally {
    await close();
  }
});

test('InboundGatewayIndex without a TTL: every lookup revalidates, but lookups arriving together share one read', async () => {
  const { store, reads, close } = await countingStore();
  try {
    await carrier(store, 'pbx', [{ ipv4: '203.0.113.10' }]);
    const idx = new InboundGatewayIndex(store, () => 0);
    await Promise.all(Array.from({ length: 50 }, () => idx.carriersFor('203.0.113.10')));
    assert.equal(reads.gateways, 1);
    await carrier(store, 'next', [{ ipv4: '203.0.113.11' }]);
    assert.deepEqual(await names(idx, '203.0.113.11'), ['next']);
    assert.equal(reads.gateways, 2);
  } finally {
    await close();
  }
});

test('invalidate() during a read: lookups after it wait for a new read, never the older one', async () => {
  const { store, reads, close } = await countingStore();
  try {
    await carrier(store, 'pbx', [{ ipv4: '203.0.113.10' }]);
    const idx = new InboundGatewayIndex(store, () => 0, { ttlMs: 60_000 });
    const first = idx.carriersFor('203.0.113.20');
    await carrier(store, 'added', [{ ipv4: '203.0.113.20' }]);
    idx.invalidate();
    assert.deepEqual(await names(idx, '203.0.113.20'), ['added']);
    await first;
    assert.deepEqual(await names(idx, '203.0.113.20'), ['added'], 'the older read did not replace the newer index');
    assert.equal(reads.gateways, 2);
  } finally {
    await close();
  }
});

test('DNS-named gateways are resolved once in the background and cached, not per INVITE; a name that does not resolve matches nothing', async () => {
  const { store, close } = await countingStore();
  try {
    await carrier(store, 'named', [{ ipv4: 'pbx.example.test' }]);
    await carrier(store, 'broken', [{ ipv4: 'nowhere.invalid' }]);
    const asked: string[] = [];
    const lookup = (host: string): Promise<string[]> => {
      asked.push(host);
      return host === 'pbx.example.test' ? Promise.resolve(['192.0.2.44']) : Promise.reject(new Error('ENOTFOUND'));
    };
    let now = 0;
    const idx = new InboundGatewayIndex(store, () => now, { lookup, dnsTtlMs: 60_000 });
    const results = await Promise.all(Array.from({ length: 20 }, () => idx.carriersFor('192.0.2.44')));
    assert.ok(results.every((r) => r.length === 1 && r[0].name === 'named'), 'the first INVITEs wait for the first resolution');
    for (let i = 0; i < 20; i++) assert.deepEqual(await names(idx, '192.0.2.44'), ['named']);
    assert.deepEqual(await names(idx, '192.0.2.45'), []);
    assert.deepEqual(asked.sort(), ['nowhere.invalid', 'pbx.example.test'], 'one lookup per name');
    now = 60_000;
    assert.deepEqual(await names(idx, '192.0.2.44'), ['named'], 'served from the cache while it is refreshed');
    assert.equal(asked.length, 4, 'refreshed after the DNS TTL');
  } finally {
    await close();
  }
});
