import { test } from 'node:test';
import assert from 'node:assert/strict';
import { resolveTarget, SipDnsError, type DnsResolver, type SrvRecord } from './resolve.js';

function fakeResolver(a: Record<string, string[]>, srv: Record<string, SrvRecord[]> = {}): DnsResolver & { asked: string[] } {
  const asked: string[] = [];
  return {
    asked,
    lookup(host) {
      asked.push(`A ${host}`);
      const r = a[host];
      return r ? Promise.resolve(r) : Promise.reject(new Error(`ENOTFOUND ${host}`));
    },
    resolveSrv(name) {
      asked.push(`SRV ${name}`);
      const r = srv[name];
      return r ? Promise.resolve(r) : Promise.reject(new Error(`ENODATA ${name}`));
    },
  };
}

test('RFC 3263 §4.2: an IP literal is used as is, default ports 5060/5061', async () => {
  const r = fakeResolver({});
  assert.deepEqual(await resolveTarget('192.0.2.1', undefined, 'udp', r), [{ address: '192.0.2.1', port: 5060, transport: 'udp' }]);
  assert.deepEqual(await resolveTarget('[2001:db8::1]', 5080, 'tcp', r), [{ address: '2001:db8::1', port: 5080, transport: 'tcp' }]);
  assert.deepEqual(await resolveTarget('::1', undefined, 'tls', r), [{ address: '::1', port: 5061, transport: 'tls' }]);
  assert.deepEqual(r.asked, []);
});

test('RFC 3263 §4.2: a name with a port is an A/AAAA lookup, no SRV', async () => {
  const r = fakeResolver({ 'carrier.example': ['198.51.100.1', '2001:db8::2'] });
  assert.deepEqual(await resolveTarget('carrier.example', 5070, 'udp', r), [
    { address: '198.51.100.1', port: 5070, transport: 'udp' },
    { address: '2001:db8::2', port: 5070, transport: 'udp' },
  ]);
  assert.deepEqual(r.asked, ['A carrier.example']);
});

test('RFC 3263 §4.2: a name without a port uses SRV sorted by priority then weight', async () => {
  const r = fakeResolver(
    { 'a.example': ['192.0.2.1'], 'b.example': ['192.0.2.2'], 'c.example': ['192.0.2.3'] },
    {
      '_sip._tcp.carrier.example': [
        { name: 'c.example', port: 5062, priority: 20, weight: 0 },
        { name: 'a.example', port: 5060, priority: 10, weight: 10 },
        { name: 'b.example', port: 5061, priority: 10, weight: 60 },
      ],
    },
  );
  const out = await resolveTarget('carrier.example', undefined, 'tcp', r);
  assert.deepEqual(out.map((t) => `${t.address}:${t.port}`), ['192.0.2.2:5061', '192.0.2.1:5060', '192.0.2.3:5062']);
  assert.ok(out.every((t) => t.transport === 'tcp'));
});

test('RFC 3263 §4.2: SRV names per transport; no SRV falls back to A/AAAA on the default port', async () => {
  const r = fakeResolver({ 'carrier.example': ['192.0.2.9'] });
  assert.deepEqual(await resolveTarget('carrier.example', undefined, 'udp', r), [{ address: '192.0.2.9', port: 5060, transport: 'udp' }]);
  await resolveTarget('carrier.example', undefined, 'tls', r);
  assert.deepEqual(r.asked, ['SRV _sip._udp.carrier.example', 'A carrier.example', 'SRV _sips._tcp.carrier.example', 'A carrier.example']);
});

test('nothing resolving is a SipDnsError', async () => {
  const r = fakeResolver({}, { '_sip._udp.x.example': [{ name: 'gone.example', port: 5060, priority: 1, weight: 1 }] });
  await assert.rejects(resolveTarget('nowhere.example', 5060, 'udp', r), (e: unknown) => e instanceof SipDnsError && e.code === 'SIP_DNS');
  await assert.rejects(resolveTarget('x.example', undefined, 'udp', r), SipDnsError);
  await assert.rejects(resolveTarget('', undefined, 'udp', r), SipDnsError);
});

test('localhost resolves through the system resolver (/etc/hosts)', async () => {
  const out = await resolveTarget('localhost', 5060, 'udp');
  assert.ok(out.length > 0);
  assert.ok(out.every((t) => t.port === 5060 && (t.address === '127.0.0.1' || t.address === '::1')), JSON.stringify(out));
});
