import { test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { connect, type PeerCertificate } from 'node:tls';
import { freePort } from '../testkit/ports.js';
import { startSipp } from '../testkit/sipp.js';
import { eventually, provisionSippCarrier, startHookServer, startTestGateway, type HookRequest } from '../testkit/gateway.js';
import { makeTestPki, opensslExchange } from '../testkit/tls.js';
import { startTlsRelay } from '../testkit/tls-relay.js';

const pki = makeTestPki();

/** The gateway's env for TLS on a free port with copies of the test certificate (so they can be replaced). */
function tlsEnv(): Record<string, string> {
  const certFile = join(pki.dir, `gw-${process.pid}.crt`);
  const keyFile = join(pki.dir, `gw-${process.pid}.key`);
  copyFileSync(pki.server.certFile, certFile);
  copyFileSync(pki.server.keyFile, keyFile);
  return { VGW_SIP_TLS_PORT: '0', VGW_TLS_CERT: certFile, VGW_TLS_KEY: keyFile, VGW_TLS_CA: pki.caFile };
}

function serverCn(port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const s = connect({ host: '127.0.0.1', port, rejectUnauthorized: false }, () => {
      const c: PeerCertificate = s.getPeerCertificate();
      resolve(String(c.subject.CN));
      s.end();
    });
    s.once('error', reject);
  });
}

test('issue 13 §4: OPTIONS is answered 200 over TLS (VGW_SIP_TLS_PORT, VGW_TLS_CERT, VGW_TLS_KEY) as over UDP and TCP', async () => {
  const env = tlsEnv();
  const t = await startTestGateway(env);
  try {
    const tlsPort = t.gw.sip.transport.tlsPort ?? 0;
    assert.ok(tlsPort > 0);
    const ping = [
      `OPTIONS sip:127.0.0.1:${tlsPort} SIP/2.0`, 'Via: SIP/2.0/TLS 127.0.0.1:5999;branch=z9hG4bKgwopt', 'From: <sip:ping@127.0.0.1>;tag=p',
      `To: <sip:127.0.0.1:${tlsPort}>`, 'Call-ID: gw-options@test', 'CSeq: 7 OPTIONS', 'Max-Forwards: 70', 'Content-Length: 0', '', '',
    ].join('\r\n');
    const r = await opensslExchange(tlsPort, ping, { waitFor: /\r\n\r\n/, caFile: pki.caFile });
    assert.match(r.received, /^SIP\/2\.0 200 OK\r\n/, r.errors);
    assert.match(r.received, /^CSeq: 7 OPTIONS\r$/m);
    for (const transport of ['udp', 'tcp'] as const) {
      const sipp = await startSipp({ scenario: 'uac_options.xml', target: `127.0.0.1:${t.gw.sipPort}`, transport });
      assert.equal((await sipp.done).successful, 1, transport);
    }
  } finally {
    await t.close();
  }
});

test('issue 13 §4: SIGHUP re-reads VGW_TLS_CERT and VGW_TLS_KEY; an unusable pair is logged and the running one stays', async () => {
  const env = tlsEnv();
  const t = await startTestGateway(env);
  try {
    const port = t.gw.sip.transport.tlsPort ?? 0;
    assert.equal(await serverCn(port), 'vgw test server');
    copyFileSync(pki.selfSigned.certFile, env.VGW_TLS_CERT);
    copyFileSync(pki.selfSigned.keyFile, env.VGW_TLS_KEY);
    assert.ok(process.listenerCount('SIGHUP') > 0, 'the gateway listens for SIGHUP (else the signal would end the test process)');
    process.kill(process.pid, 'SIGHUP');
    await eventually(async () => (await serverCn(port)) === 'self-signed', 5000, 'the reloaded certificate');
    writeFileSync(env.VGW_TLS_KEY, 'not a key');
    await assert.rejects(t.gw.reloadTls(), (e: unknown) => e instanceof Error && 'code' in e && (e as { code: string }).code === 'SIP_TLS_CONFIG');
    assert.equal(await serverCn(port), 'self-signed');
  } finally {
    await t.close();
  }
  assert.equal(process.listenerCount('SIGHUP'), 0, 'close() removes the SIGHUP listener');
});

const statuses = (seen: readonly HookRequest[]): string[] => seen.filter((r) => r.path === '/status').map((r) => String(r.json.call_status));
const block = (messages: string, re: RegExp): string => messages.split(/-{10,}/).find((b) => re.test(b)) ?? '';

test('issue 13 §4: an outbound call through a `tls` gateway goes over TLS (Via TLS, transport=tls, our TLS Contact); with use_sips_scheme the Request-URI and Contact are sips:', async () => {
  const t = await startTestGateway(tlsEnv());
  const hooks = await startHookServer({ '/app': () => [{ verb: 'say', text: 'Hello over TLS.' }, { verb: 'hangup' }] });
  const tlsPort = t.gw.sip.transport.tlsPort ?? 0;
  try {
    const p = await provisionSippCarrier(t, hooks.url, []);
    for (const sips of [false, true]) {
      // Debian's sipp has no TLS: it answers behind a TLS-terminating relay (testkit/tls-relay.ts).
      const sippPort = await freePort();
      const relay = await startTlsRelay({ mode: 'server', targetPort: sippPort, cert: pki.server });
      const sipp = await startSipp({ scenario: 'uas_tls_answer.xml', port: sippPort, transport: 'tcp', extra: ['-key', 'relay_port', String(relay.port), '-d', '300'], timeoutSeconds: 30 });
      try {
        hooks.seen.length = 0;
        const gw = await t.api('POST', '/v1/SipGateways', { voip_carrier_sid: p.carrierSid, ipv4: '127.0.0.1', port: relay.port, outbound: true, inbound: false, protocol: 'tls', use_sips_scheme: sips });
        assert.equal(gw.status, 201, JSON.stringify(gw.body));
        const res = await t.api('POST', `/v1/Accounts/${p.accountSid}/Calls`, { application_sid: p.applicationSid, from: p.from, to: { type: 'phone', number: '+4989765432', trunk: 'sipp-carrier' } });
        assert.equal(res.status, 201, JSON.stringify(res.body));
        await eventually(() => statuses(hooks.seen).includes('completed'), 20_000, 'completed');
        const r = await sipp.done;
        assert.equal(r.successful, 1, r.errors);
        const invite = block(r.messages, /^INVITE sips?:/m);
        const scheme = sips ? 'sips' : 'sip';
        assert.match(invite, new RegExp(`^INVITE ${scheme}:4989765432@127\\.0\\.0\\.1:${relay.port};transport=tls SIP/2\\.0`, 'm'));
        assert.match(invite, /^Via: SIP\/2\.0\/TLS 127\.0\.0\.1:/m);
        assert.match(invite, new RegExp(sips ? `^Contact: <sips:[^>]*@127\\.0\\.0\\.1:${tlsPort}>` : `^Contact: <sip:[^>]*@127\\.0\\.0\\.1:${tlsPort};transport=tls>`, 'm'));
        assert.match(r.messages, /^BYE sips?:uas@127\.0\.0\.1:\d+;transport=tls/m, 'the BYE went back through the relay');
        assert.ok(statuses(hooks.seen).includes('in-progress'));
        assert.equal(t.gw.sip.transport.tcpConnections, 0, 'nothing in the clear');
        assert.equal((await t.api('DELETE', `/v1/SipGateways/${(gw.body as { sid: string }).sid}`)).status, 204);
      } finally {
        sipp.kill();
        await relay.close();
      }
    }
  } finally {
    await hooks.close();
    await t.close();
  }
});

test('issue 13 §4: an inbound call over TLS reaches the application (sip.protocol tls) and is answered with our TLS Contact', async () => {
  const t = await startTestGateway(tlsEnv());
  const hooks = await startHookServer({ '/app': () => [{ verb: 'say', text: 'Welcome over TLS.' }, { verb: 'pause', length: 5 }] });
  const relay = await startTlsRelay({ mode: 'client', targetPort: t.gw.sip.transport.tlsPort ?? 0 });
  try {
    const p = await provisionSippCarrier(t, hooks.url, []);
    await t.api('POST', '/v1/SipGateways', { voip_carrier_sid: p.carrierSid, ipv4: '127.0.0.1', inbound: true, outbound: false, protocol: 'tls' });
    const sipp = await startSipp({ scenario: 'uac_tls_call.xml', target: `127.0.0.1:${relay.port}`, transport: 'tcp', extra: ['-s', p.from.slice(1), '-d', '1500'], timeoutSeconds: 20 });
    const r = await sipp.done;
    assert.equal(r.successful, 1, r.errors);
    const ok = block(r.messages, /^SIP\/2\.0 200 OK[\s\S]*m=audio/m);
    assert.match(ok, new RegExp(`^Contact: <sip:[^>]*@127\\.0\\.0\\.1:${t.gw.sip.transport.tlsPort ?? 0};transport=tls>`, 'm'));
    const sessionNew = hooks.seen.find((h) => h.path === '/app');
    assert.equal((sessionNew?.json.sip as { protocol?: string } | undefined)?.protocol, 'tls');
    await eventually(() => statuses(hooks.seen).includes('completed'), 5000, 'completed');
    assert.ok(relay.accepted >= 1);
  } finally {
    await relay.close();
    await hooks.close();
    await t.close();
  }
});

test('issue 13 §4: mutual TLS is per gateway — a mutual_tls inbound gateway must present a client certificate that verifies (VGW_TLS_CA); other sources need none', async () => {
  const t = await startTestGateway(tlsEnv());
  const port = t.gw.sip.transport.tlsPort ?? 0;
  const ping = (n: number): string => [
    `OPTIONS sip:127.0.0.1:${port} SIP/2.0`, `Via: SIP/2.0/TLS 127.0.0.1:5999;branch=z9hG4bKmtls${n}`, 'From: <sip:ping@127.0.0.1>;tag=p',
    `To: <sip:127.0.0.1:${port}>`, `Call-ID: mtls-${n}@test`, 'CSeq: 1 OPTIONS', 'Content-Length: 0', '', '',
  ].join('\r\n');
  try {
    assert.match((await opensslExchange(port, ping(1), { waitFor: /\r\n\r\n/ })).received, /^SIP\/2\.0 200/, 'no mutual_tls gateway yet: no certificate needed');
    const car = await t.api('POST', '/v1/VoipCarriers', { name: 'teams-like' });
    const carrierSid = (car.body as { sid: string }).sid;
    const gw = await t.api('POST', '/v1/SipGateways', { voip_carrier_sid: carrierSid, ipv4: '127.0.0.0', netmask: 8, inbound: true, outbound: false, protocol: 'tls', mutual_tls: true });
    assert.equal(gw.status, 201, JSON.stringify(gw.body));
    assert.doesNotMatch((await opensslExchange(port, ping(2), { waitFor: /\r\n\r\n/, ms: 3000 })).received, /SIP\/2\.0 200/, 'no client certificate');
    assert.doesNotMatch((await opensslExchange(port, ping(3), { waitFor: /\r\n\r\n/, ms: 3000, cert: pki.selfSigned })).received, /SIP\/2\.0 200/, 'an untrusted one');
    const ok = await opensslExchange(port, ping(4), { waitFor: /\r\n\r\n/, cert: pki.client });
    assert.match(ok.received, /^SIP\/2\.0 200/, ok.errors);
  } finally {
    await t.close();
  }
});

test('issue 13 §4: a carrier whose gateway is `tls` registers over TLS (Via TLS, our TLS Contact), refreshes, and un-registers on shutdown', async () => {
  const t = await startTestGateway(tlsEnv());
  const tlsPort = t.gw.sip.transport.tlsPort ?? 0;
  const sippPort = await freePort();
  const relay = await startTlsRelay({ mode: 'server', targetPort: sippPort, cert: pki.server });
  const sipp = await startSipp({ scenario: 'uas_registrar.xml', port: sippPort, transport: 'tcp', timeoutSeconds: 30 });
  let closed = false;
  try {
    const c = await t.api('POST', '/v1/VoipCarriers', { name: 'tls-registrar', requires_register: true, register_username: 'carrier', register_password: 's3cret', register_sip_realm: 'sipp.test' });
    assert.equal(c.status, 201, JSON.stringify(c.body));
    const sid = (c.body as { sid: string }).sid;
    const gw = await t.api('POST', '/v1/SipGateways', { voip_carrier_sid: sid, ipv4: '127.0.0.1', port: relay.port, outbound: true, inbound: false, protocol: 'tls' });
    assert.equal(gw.status, 201, JSON.stringify(gw.body));
    const registered = async (): Promise<{ status?: string; last_registered_at?: string } | null> =>
      ((await t.api('GET', `/v1/VoipCarriers/${sid}`)).body as { register_status: { status?: string; last_registered_at?: string } | null }).register_status;
    await eventually(async () => (await registered())?.status === 'registered', 15_000, 'registered over TLS').catch(async (e: unknown) => { throw new Error(`${String(e)}: ${JSON.stringify(await registered())}`); });
    const first = (await registered())?.last_registered_at;
    await eventually(async () => { const s = await registered(); return s?.status === 'registered' && s.last_registered_at !== first; }, 15_000, 'the refresh');
    await t.close();
    closed = true;
    const r = await sipp.done;
    assert.equal(r.failed, 0, r.errors);
    const registers = r.messages.split(/-{10,}.*\n/).filter((b) => /message received/.test(b) && /^REGISTER sip:sipp\.test SIP\/2\.0/m.test(b));
    assert.equal(registers.length, 6, 'register, refresh and un-register, each challenged once');
    for (const b of registers) {
      assert.match(b, /^Via: SIP\/2\.0\/TLS 127\.0\.0\.1:/m);
      assert.match(b, new RegExp(`^Contact: <sip:carrier@127\\.0\\.0\\.1:${tlsPort};transport=tls>`, 'm'));
    }
    assert.match(registers[5] ?? '', /^Expires: 0/m);
  } finally {
    sipp.kill();
    await relay.close();
    if (!closed) await t.close();
  }
});
