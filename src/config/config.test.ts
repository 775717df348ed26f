import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadConfig, ConfigError } from './config.js';

test('defaults match the README', () => {
  const c = loadConfig([], {});
  assert.equal(c.httpPort, 3000);
  assert.equal(c.sipAddress, '0.0.0.0');
  assert.equal(c.sipPort, 5060);
  assert.deepEqual(c.rtpPorts, { min: 40000, max: 49999 });
  assert.equal(c.dataDir, './data');
  assert.equal(c.logLevel, 'info');
  assert.equal(c.simulator, true);
  assert.equal(c.simulatorPort, 15060);
  assert.equal(c.rtpLatch, true);
  assert.equal(c.mediaThread, false);
  assert.equal(c.apiRateLimit, undefined);
});

test('VGW_API_RATE_LIMIT: per second, optional burst; anything else names the variable', () => {
  assert.deepEqual(loadConfig([], { VGW_API_RATE_LIMIT: '20' }).apiRateLimit, { perSecond: 20, burst: 20 });
  assert.deepEqual(loadConfig(['--api-rate-limit=0.5/10'], {}).apiRateLimit, { perSecond: 0.5, burst: 10 });
  assert.equal(loadConfig([], { VGW_API_RATE_LIMIT: 'off' }).apiRateLimit, undefined);
  for (const bad of ['0', '-1', 'ten', '5/0', '5/']) assert.throws(() => loadConfig([], { VGW_API_RATE_LIMIT: bad }), /VGW_API_RATE_LIMIT must look like 20 or 20\/100/);
});

test('on/off settings accept on|off|true|false|1|0 and nothing else', () => {
  assert.equal(loadConfig([], { VGW_RTP_LATCH: 'off' }).rtpLatch, false);
  assert.equal(loadConfig(['--rtp-latch', 'false'], { VGW_RTP_LATCH: 'on' }).rtpLatch, false);
  assert.equal(loadConfig([], { VGW_SIMULATOR: 'OFF' }).simulator, false);
  assert.equal(loadConfig(['--media-thread=on'], {}).mediaThread, true);
  assert.throws(() => loadConfig([], { VGW_RTP_LATCH: 'maybe' }), (e: unknown) => e instanceof ConfigError && /VGW_RTP_LATCH must be on or off/.test(e.message));
  assert.throws(() => loadConfig([], { VGW_SIMULATOR: 'yes' }), /VGW_SIMULATOR must be on or off/);
});

test('flags win over environment', () => {
  const c = loadConfig(['--http-port', '4000', '--sip-port=5080'], { VGW_HTTP_PORT: '3500', VGW_SIP_PORT: '5062', VGW_PUBLIC_ADDRESS: '10.1.2.3' });
  assert.equal(c.httpPort, 4000);
  assert.equal(c.sipPort, 5080);
  assert.equal(c.publicAddress, '10.1.2.3');
});

test('bad values are typed errors naming the variable', () => {
  assert.throws(() => loadConfig([], { VGW_HTTP_PORT: 'x' }), (e: unknown) => e instanceof ConfigError && /VGW_HTTP_PORT/.test(e.message));
  assert.throws(() => loadConfig([], { VGW_RTP_PORTS: '5000' }), /VGW_RTP_PORTS/);
  assert.throws(() => loadConfig([], { VGW_LOG_LEVEL: 'loud' }), /VGW_LOG_LEVEL/);
  assert.throws(() => loadConfig(['--nope', '1'], {}), /unknown flag --nope/);
});

test('VGW_URL_POLICY: open by default; public with an allow-list (VGW_URL_ALLOW); anything else names the variable', () => {
  const d = loadConfig([], {}).urlPolicy;
  assert.equal(d.mode, 'open');
  assert.deepEqual([d.allowNets.length, d.allowHosts.length], [0, 0]);
  const p = loadConfig([], { VGW_URL_POLICY: 'public', VGW_URL_ALLOW: '10.20.0.0/16,media.internal' }).urlPolicy;
  assert.equal(p.mode, 'public');
  assert.deepEqual(p.allowNets.map((n) => n.bits), [16]);
  assert.deepEqual(p.allowHosts, ['media.internal']);
  const f = loadConfig(['--url-policy', 'public', '--url-allow=fd00::/8'], { VGW_URL_POLICY: 'open' }).urlPolicy;
  assert.equal(f.mode, 'public');
  assert.equal(f.allowNets[0].family, 6);
  assert.throws(() => loadConfig([], { VGW_URL_POLICY: 'strict' }), (e: unknown) => e instanceof ConfigError && /VGW_URL_POLICY must be open or public, got "strict"/.test(e.message));
  assert.throws(() => loadConfig([], { VGW_URL_POLICY: 'public', VGW_URL_ALLOW: '10.0.0.0/99' }), (e: unknown) => e instanceof ConfigError && /VGW_URL_ALLOW: .*"10\.0\.0\.0\/99"/.test(e.message));
});

test('TLS (RFC 3261 §26.2): off unless VGW_TLS_CERT and VGW_TLS_KEY are both set; VGW_SIP_TLS_PORT defaults to 5061', () => {
  assert.equal(loadConfig([], {}).tls, undefined);
  assert.equal(loadConfig([], { VGW_SIP_TLS_PORT: '5071' }).tls, undefined);
  assert.deepEqual(loadConfig([], { VGW_TLS_CERT: '/etc/vgw/cert.pem', VGW_TLS_KEY: '/etc/vgw/key.pem' }).tls, { port: 5061, certFile: '/etc/vgw/cert.pem', keyFile: '/etc/vgw/key.pem' });
  assert.deepEqual(loadConfig(['--sip-tls-port', '0', '--tls-ca=/ca.pem'], { VGW_TLS_CERT: 'c.pem', VGW_TLS_KEY: 'k.pem' }).tls, { port: 0, certFile: 'c.pem', keyFile: 'k.pem', caFile: '/ca.pem' });
  assert.throws(() => loadConfig([], { VGW_TLS_CERT: 'c.pem' }), (e: unknown) => e instanceof ConfigError && /VGW_TLS_CERT and VGW_TLS_KEY must be set together/.test(e.message));
  assert.throws(() => loadConfig([], { VGW_TLS_KEY: 'k.pem' }), /VGW_TLS_CERT and VGW_TLS_KEY must be set together/);
  assert.throws(() => loadConfig([], { VGW_TLS_CERT: 'c.pem', VGW_TLS_KEY: 'k.pem', VGW_SIP_TLS_PORT: 'x' }), /VGW_SIP_TLS_PORT/);
});

test('VGW_CREDENTIALS_KEY: 64 hex characters or base64 of 32 bytes; a bad value is a clear error that does not echo it', () => {
  const hex = 'ab'.repeat(32);
  assert.deepEqual(loadConfig([], { VGW_CREDENTIALS_KEY: hex }).credentialsKey, Buffer.from(hex, 'hex'));
  const b64 = Buffer.alloc(32, 7).toString('base64');
  assert.deepEqual(loadConfig([], { VGW_CREDENTIALS_KEY: b64 }).credentialsKey, Buffer.alloc(32, 7));
  assert.equal(loadConfig([], {}).credentialsKey, undefined);
  for (const bad of ['short-secret-value', 'ab'.repeat(31), Buffer.alloc(16, 1).toString('base64'), `${hex}00`]) {
    assert.throws(() => loadConfig([], { VGW_CREDENTIALS_KEY: bad }), (e: unknown) => e instanceof ConfigError && /VGW_CREDENTIALS_KEY must be 64 hex characters or the base64 of 32 bytes/.test(e.message) && !e.message.includes(bad));
  }
});

test('issue 16: VGW_REDIS_URL makes a cluster node, which needs a PostgreSQL store; VGW_NODE_ID defaults to the hostname', async () => {
  const { hostname } = await import('node:os');
  const single = loadConfig([], {});
  assert.equal(single.cluster, undefined);
  assert.equal(single.nodeId, hostname());
  const node = loadConfig([], { VGW_REDIS_URL: 'redis://127.0.0.1:6390', VGW_DATABASE_URL: 'postgres://vgw@127.0.0.1/vgw', VGW_NODE_ID: 'node-a' });
  assert.deepEqual(node.cluster, { redisUrl: 'redis://127.0.0.1:6390' });
  assert.equal(node.nodeId, 'node-a');
  assert.throws(() => loadConfig([], { VGW_REDIS_URL: 'redis://127.0.0.1:6390' }), /VGW_REDIS_URL \(a cluster node\) needs VGW_DATABASE_URL/);
  assert.throws(() => loadConfig([], { VGW_REDIS_URL: 'http://x', VGW_DATABASE_URL: 'postgres://x/y' }), /redis:\/\/ or rediss:\/\//);
  assert.throws(() => loadConfig([], { VGW_NODE_ID: 'a b' }), /VGW_NODE_ID must be/);
});

test('issue 16: VGW_SIP_TRUSTED_PROXIES lists the proxies whose X-Forwarded-For names the carrier', () => {
  assert.deepEqual(loadConfig([], {}).sipTrustedProxies, []);
  assert.deepEqual(loadConfig([], { VGW_SIP_TRUSTED_PROXIES: '10.0.0.5, 10.1.0.0/16' }).sipTrustedProxies, [{ network: '10.0.0.5', bits: 32 }, { network: '10.1.0.0', bits: 16 }]);
  for (const bad of ['10.0.0', '10.0.0.256', '10.0.0.0/33', 'kamailio']) assert.throws(() => loadConfig([], { VGW_SIP_TRUSTED_PROXIES: bad }), /VGW_SIP_TRUSTED_PROXIES must list/);
});
