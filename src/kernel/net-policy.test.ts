import { test } from 'node:test';
import assert from 'node:assert/strict';
import { classifyAddress, describeClass, parseCidr, type AddressClass } from './net-address.js';
import {
  checkUrlAllowed, guardConnector, OPEN_URL_POLICY, parseUrlPolicy, policyLookup, resolveAllowed, UrlForbiddenError, UrlPolicyError,
  type HostResolver, type UrlPolicy,
} from './net-policy.js';

const TABLE: readonly (readonly [string, AddressClass])[] = [
  ['8.8.8.8', 'public'],
  ['93.184.216.34', 'public'],
  ['0.0.0.0', 'unspecified'],
  ['0.1.2.3', 'unspecified'],
  ['10.0.0.1', 'private'],
  ['172.16.0.1', 'private'],
  ['172.31.255.255', 'private'],
  ['172.32.0.1', 'public'],
  ['192.168.1.1', 'private'],
  ['100.64.0.1', 'cgnat'],
  ['100.127.255.254', 'cgnat'],
  ['100.128.0.1', 'public'],
  ['127.0.0.1', 'loopback'],
  ['127.255.255.254', 'loopback'],
  ['169.254.169.254', 'link-local'],
  ['192.0.0.8', 'reserved'],
  ['192.0.2.1', 'reserved'],
  ['198.18.0.1', 'reserved'],
  ['203.0.113.9', 'reserved'],
  ['224.0.0.1', 'multicast'],
  ['239.255.255.250', 'multicast'],
  ['240.0.0.1', 'reserved'],
  ['255.255.255.255', 'reserved'],
  ['::', 'unspecified'],
  ['::1', 'loopback'],
  ['[::1]', 'loopback'],
  ['0:0:0:0:0:0:0:1', 'loopback'],
  ['fe80::1', 'link-local'],
  ['fe80::1%eth0', 'link-local'],
  ['fc00::1', 'unique-local'],
  ['fd12:3456::1', 'unique-local'],
  ['fec0::1', 'unique-local'],
  ['ff02::1', 'multicast'],
  ['2001:db8::1', 'reserved'],
  ['2001:0:4136:e378::1', 'reserved'],
  ['2606:4700::1111', 'public'],
  ['2a00:1450:4001::200e', 'public'],
  ['4000::1', 'reserved'],
  // IPv4 inside IPv6: the IPv4 address decides (RFC 4291 §2.5.5, RFC 6052, RFC 3056).
  ['::ffff:127.0.0.1', 'loopback'],
  ['::ffff:7f00:1', 'loopback'],
  ['::ffff:169.254.169.254', 'link-local'],
  ['::ffff:10.1.2.3', 'private'],
  ['::ffff:8.8.8.8', 'public'],
  ['::127.0.0.1', 'loopback'],
  ['::ffff:0:192.168.0.1', 'private'],
  ['64:ff9b::10.0.0.1', 'private'],
  ['64:ff9b::8.8.8.8', 'public'],
  ['2002:a9fe:a9fe::1', 'link-local'],
  ['2002:808:808::1', 'public'],
  ['not-an-ip', 'reserved'],
  ['localhost', 'reserved'],
];

test('classifyAddress: a table of special-purpose addresses (RFC 6890) and IPv4 carried in IPv6', () => {
  for (const [address, cls] of TABLE) assert.equal(classifyAddress(address), cls, address);
  assert.equal(describeClass('private'), 'a private address');
  assert.equal(describeClass('unique-local'), 'a unique-local address');
});

test('parseCidr: prefixes, bare addresses and malformed entries', () => {
  assert.deepEqual(parseCidr('10.0.0.0/8'), { family: 4, value: 10n << 24n, bits: 8 });
  assert.equal(parseCidr('10.1.2.3')?.bits, 32);
  assert.equal(parseCidr('fd00::/8')?.bits, 8);
  for (const bad of ['10.0.0.0/33', '10.0.0.0/', '10.0.0/8', '::/129', '1.2.3.4/8/9', 'x/8', '10.0.0.0/-1']) assert.equal(parseCidr(bad), undefined, bad);
});

test('parseUrlPolicy: open or public, with an allow-list of CIDRs, addresses and host names', () => {
  const p = parseUrlPolicy('public', '10.0.0.0/8, 192.168.1.5 fd00::/8,Media.Internal.');
  assert.equal(p.mode, 'public');
  assert.deepEqual(p.allowNets.map((n) => n.bits), [8, 32, 8]);
  assert.deepEqual(p.allowHosts, ['media.internal']);
  assert.equal(parseUrlPolicy('open').mode, 'open');
  assert.throws(() => parseUrlPolicy('closed'), (e: unknown) => e instanceof UrlPolicyError && e.code === 'URL_POLICY_INVALID' && /open or public/.test(e.message));
  assert.throws(() => parseUrlPolicy('public', '10.0.0.0/40'), /not a valid CIDR/);
  assert.throws(() => parseUrlPolicy('public', 'bad_host!'), /not a valid host name/);
});

const resolver = (answers: Readonly<Record<string, readonly string[]>>, calls: string[] = []): HostResolver => async (host) => {
  calls.push(host);
  const a = answers[host];
  if (!a) throw new Error(`ENOTFOUND ${host}`);
  return a;
};

test('resolveAllowed under public: literals and every resolved address are checked; the allow-list wins', async () => {
  const policy: UrlPolicy = {
    ...parseUrlPolicy('public', '10.9.0.0/16 media.internal'),
    resolve: resolver({ 'app.example': ['93.184.216.34'], 'meta.example': ['169.254.169.254'], 'mixed.example': ['93.184.216.34', '127.0.0.1'], 'media.internal': ['192.168.7.7'], 'lan.example': ['10.9.1.1'] }),
  };
  assert.deepEqual(await resolveAllowed('app.example', policy), ['93.184.216.34']);
  assert.deepEqual(await resolveAllowed('media.internal', policy), ['192.168.7.7']);
  assert.deepEqual(await resolveAllowed('lan.example', policy), ['10.9.1.1']);
  assert.deepEqual(await resolveAllowed('[::ffff:10.9.3.4]', policy), ['::ffff:10.9.3.4']);
  const forbidden = async (host: string, re: RegExp): Promise<void> => {
    await assert.rejects(resolveAllowed(host, policy), (e: unknown) => e instanceof UrlForbiddenError && e.code === 'URL_FORBIDDEN' && re.test(e.message), host);
  };
  await forbidden('meta.example', /^meta\.example resolves to a link-local address \(169\.254\.169\.254\)/);
  await forbidden('mixed.example', /resolves to a loopback address \(127\.0\.0\.1\)/);
  await forbidden('127.0.0.1', /^127\.0\.0\.1 is a loopback address/);
  await forbidden('[::1]', /^::1 is a loopback address/);
  await forbidden('100.64.1.1', /carrier-grade NAT/);
  await assert.rejects(resolveAllowed('nowhere.example', policy), /ENOTFOUND/);
  assert.deepEqual(await resolveAllowed('127.0.0.1', { ...OPEN_URL_POLICY }), ['127.0.0.1']);
});

test('checkUrlAllowed: http(s) and ws(s) only; open resolves nothing; public names the address class', async () => {
  const calls: string[] = [];
  const policy: UrlPolicy = { ...parseUrlPolicy('public'), resolve: resolver({ 'ws.example': ['2606:4700::1111'], 'internal.example': ['192.168.0.10'] }, calls) };
  assert.deepEqual(await checkUrlAllowed('wss://ws.example/socket', policy), { host: 'ws.example', addresses: ['2606:4700::1111'] });
  await assert.rejects(checkUrlAllowed('ws://internal.example:8080/', policy), /internal\.example resolves to a private address \(192\.168\.0\.10\)/);
  await assert.rejects(checkUrlAllowed('http://[fd00::5]/', policy), /fd00::5 is a unique-local address/);
  await assert.rejects(checkUrlAllowed('file:///etc/passwd', policy), (e: unknown) => e instanceof UrlPolicyError && /only http\(s\) and ws\(s\)/.test(e.message));
  await assert.rejects(checkUrlAllowed('relative/path', policy), UrlPolicyError);
  // The WHATWG URL parser turns numeric host forms into dotted quads before the check.
  for (const sneaky of ['http://2130706433/', 'http://0x7f.1/', 'http://[::ffff:127.0.0.1]/', 'http://LOCALHOST./']) {
    await assert.rejects(checkUrlAllowed(sneaky, { ...policy, resolve: resolver({ localhost: ['127.0.0.1'] }) }), /is a loopback address|resolves to a loopback address/, sneaky);
  }
  assert.deepEqual(await checkUrlAllowed('http://internal.example/', { ...OPEN_URL_POLICY, resolve: resolver({}, calls) }), { host: 'internal.example', addresses: [] });
  assert.deepEqual(calls, ['ws.example', 'internal.example']);
});

interface Opts { readonly hostname: string; readonly host: string }

test('guardConnector: the connection goes to the checked address; a refused one never reaches the base connector', async () => {
  const calls: string[] = [];
  const policy: UrlPolicy = { ...parseUrlPolicy('public'), resolve: resolver({ 'app.example': ['93.184.216.34'], 'evil.example': ['10.0.0.1'] }, calls) };
  const seen: Opts[] = [];
  const base = (o: Opts, cb: (...args: [null, string] | [Error, null]) => void): void => { seen.push(o); cb(null, 'socket'); };
  const connect = guardConnector(policy, base);
  const run = (o: Opts): Promise<string> => new Promise((resolve, reject) => connect(o, (err, socket) => (err ? reject(err) : resolve(socket ?? ''))));
  assert.equal(await run({ hostname: 'app.example', host: 'app.example:443' }), 'socket');
  assert.deepEqual(seen, [{ hostname: '93.184.216.34', host: 'app.example:443' }]);
  await assert.rejects(run({ hostname: 'evil.example', host: 'evil.example' }), (e: unknown) => e instanceof UrlForbiddenError && e.addressClass === 'private' && e.address === '10.0.0.1');
  await assert.rejects(run({ hostname: '169.254.169.254', host: '169.254.169.254' }), UrlForbiddenError);
  assert.equal(seen.length, 1);
  assert.deepEqual(calls, ['app.example', 'evil.example'], 'resolved once per connection, literals not at all');
  assert.equal(guardConnector(OPEN_URL_POLICY, base), base, 'open changes nothing');
});

test('policyLookup: answers like dns.lookup (one or all, by family) with checked addresses only', async () => {
  const policy: UrlPolicy = { ...parseUrlPolicy('public'), resolve: resolver({ 'dual.example': ['93.184.216.34', '2606:4700::1111'], 'lo.example': ['::1'] }) };
  const lookup = policyLookup(policy);
  const ask = (host: string, options: { all?: boolean; family?: number }): Promise<unknown> =>
    new Promise((resolve, reject) => lookup(host, options, (err, address, family) => (err ? reject(err) : resolve({ address, family }))));
  assert.deepEqual(await ask('dual.example', {}), { address: '93.184.216.34', family: 4 });
  assert.deepEqual(await ask('dual.example', { family: 6 }), { address: '2606:4700::1111', family: 6 });
  assert.deepEqual(await ask('dual.example', { all: true }), { address: [{ address: '93.184.216.34', family: 4 }, { address: '2606:4700::1111', family: 6 }], family: undefined });
  await assert.rejects(ask('lo.example', {}), /lo\.example resolves to a loopback address/);
});
