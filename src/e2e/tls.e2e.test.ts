import { test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { connect, type PeerCertificate } from 'node:tls';
import { startSipp } from '../testkit/sipp.js';
import { eventually, startTestGateway } from '../testkit/gateway.js';
import { makeTestPki, opensslExchange } from '../testkit/tls.js';

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
