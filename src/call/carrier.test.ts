import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatUri } from '../sip/index.js';
import { carrierRow, gatewayRow } from '../testkit/carriers.js';
import { gatewaySecurity, gatewayTarget } from './carrier.js';
import { CallError } from './errors.js';

const show = (t: ReturnType<typeof gatewayTarget>): [string, string | undefined] => [formatUri(t.uri), t.nextHop && formatUri(t.nextHop)];

test('gatewayTarget: a plain carrier sends to the gateway itself, with tech prefix, + and transport', () => {
  const c = carrierRow({ requires_register: false, register_sip_realm: 'ignored.test', tech_prefix: '99', e164_leading_plus: true });
  assert.deepEqual(show(gatewayTarget(c, gatewayRow({ protocol: 'tcp' }), '+15551234567')), ['sip:99+15551234567@192.0.2.10:5070;transport=tcp', undefined]);
  // A TLS gateway is dialled with transport=tls, and sips: with use_sips_scheme (contract §1.6 keeps the parameter).
  assert.deepEqual(show(gatewayTarget(c, gatewayRow({ protocol: 'tls' }), '1')), ['sip:99+1@192.0.2.10:5070;transport=tls', undefined]);
  assert.deepEqual(show(gatewayTarget(c, gatewayRow({ protocol: 'tls/srtp', use_sips_scheme: true, port: null }), '1')), ['sips:99+1@192.0.2.10;transport=tls', undefined]);
});

test('gatewaySecurity: tls/srtp asks for SRTP (pad_crypto kept), mutual_tls verifies a TLS gateway by its host; plain gateways ask for nothing', () => {
  assert.deepEqual(gatewaySecurity(gatewayRow({ protocol: 'udp', mutual_tls: true })), {});
  assert.deepEqual(gatewaySecurity(gatewayRow({ protocol: 'tls' })), {});
  assert.deepEqual(gatewaySecurity(gatewayRow({ protocol: 'tls/srtp', pad_crypto: true })), { srtp: { pad: true } });
  assert.deepEqual(gatewaySecurity(gatewayRow({ protocol: 'tls', mutual_tls: true, ipv4: 'SIP.PSTNHub.example' })), { tlsVerify: { serverName: 'sip.pstnhub.example' } });
});

test('gatewayTarget: a registering carrier with a realm puts the realm in the Request-URI and sends to the gateway', () => {
  const c = carrierRow({ register_sip_realm: ' SIP.Telco.test ' });
  assert.deepEqual(show(gatewayTarget(c, gatewayRow(), '15551234567')), ['sip:15551234567@sip.telco.test', 'sip:192.0.2.10:5070']);
  assert.deepEqual(show(gatewayTarget(c, gatewayRow({ protocol: 'tcp', port: null }), '15551234567')), ['sip:15551234567@sip.telco.test', 'sip:192.0.2.10;transport=tcp']);
  // Registering but without a realm: the gateway is the Request-URI, as for any carrier.
  assert.deepEqual(show(gatewayTarget(carrierRow(), gatewayRow(), '1')), ['sip:1@192.0.2.10:5070', undefined]);
});

test('gatewayTarget: outbound_sip_proxy is the next hop; an unusable one is a CallError naming the carrier', () => {
  const viaProxy = carrierRow({ requires_register: false, outbound_sip_proxy: 'proxy.telco.test:5080' });
  assert.deepEqual(show(gatewayTarget(viaProxy, gatewayRow(), '1')), ['sip:1@192.0.2.10:5070', 'sip:proxy.telco.test:5080']);
  const realmAndProxy = carrierRow({ register_sip_realm: 'telco.test', outbound_sip_proxy: 'sip:10.1.1.1;transport=tcp' });
  assert.deepEqual(show(gatewayTarget(realmAndProxy, gatewayRow(), '1')), ['sip:1@telco.test', 'sip:10.1.1.1;transport=tcp']);
  assert.throws(() => gatewayTarget(carrierRow({ outbound_sip_proxy: 'mailto:x@y' }), gatewayRow(), '1'),
    (e: unknown) => e instanceof CallError && /outbound_sip_proxy "mailto:x@y"/.test(e.message) && /telco/.test(e.message));
});
