/**
 * Where an outbound INVITE goes for carriers that register or have an outbound proxy (contract
 * §1.6), seen by a sipp UAS: the Request-URI it receives, and that it receives it at all.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startCallHarness, type CallHarness } from '../testkit/call-harness.js';
import { startSipp } from '../testkit/sipp.js';
import type { Call } from './call.js';
import type { CallInfo } from './control.js';

/** Places a call to 15557654321 through the carrier `trunk` and waits for its final status. */
async function callThrough(h: CallHarness, trunk: string): Promise<CallInfo> {
  return new Promise<CallInfo>((resolve, reject) => {
    const onCall = (c: Call): void => {
      c.on('status', (i: CallInfo) => {
        if (['completed', 'failed', 'busy', 'no-answer'].includes(i.call_status)) resolve(i);
      });
    };
    h.calls.placeOutbound({ accountSid: h.accountSid, onCall }, { from: '15551230000', to: { type: 'phone', number: '15557654321', trunk }, timeout: 10 }).catch(reject);
  });
}

/** The Request-URI of the INVITE sipp received, from its message log. */
const inviteLine = (messages: string): string | undefined => /^INVITE (\S+) SIP\/2\.0$/m.exec(messages)?.[1];

test('a registering carrier with a realm: the INVITE names the realm and still reaches the gateway', async () => {
  const h = await startCallHarness();
  const sipp = await startSipp({ scenario: 'uas_404.xml' });
  try {
    const c = await h.store.voipCarriers.create({
      name: 'reg-telco', account_sid: h.accountSid, requires_register: true, register_username: 'alice', register_password: 'pw', register_sip_realm: 'telco.test',
    });
    await h.store.sipGateways.create({ voip_carrier_sid: c.voip_carrier_sid, ipv4: '127.0.0.1', port: sipp.port, inbound: false, outbound: true });
    const end = await callThrough(h, 'reg-telco');
    assert.equal(end.call_status, 'failed');
    assert.equal(end.sip_status, 404);
    const r = await sipp.done;
    assert.equal(r.successful, 1, r.errors);
    assert.equal(inviteLine(r.messages), 'sip:15557654321@telco.test');
  } finally {
    sipp.kill();
    await h.close();
  }
});

test('a carrier with an outbound_sip_proxy: the INVITE goes to the proxy with the gateway in the Request-URI', async () => {
  const h = await startCallHarness();
  const sipp = await startSipp({ scenario: 'uas_404.xml' });
  try {
    const c = await h.store.voipCarriers.create({ name: 'proxied', account_sid: h.accountSid, outbound_sip_proxy: `127.0.0.1:${sipp.port}` });
    // A documentation address nobody answers on: only the proxy can have received the INVITE.
    await h.store.sipGateways.create({ voip_carrier_sid: c.voip_carrier_sid, ipv4: '192.0.2.1', port: 5080, inbound: false, outbound: true });
    const end = await callThrough(h, 'proxied');
    assert.equal(end.sip_status, 404);
    const r = await sipp.done;
    assert.equal(r.successful, 1, r.errors);
    assert.equal(inviteLine(r.messages), 'sip:15557654321@192.0.2.1:5080');
  } finally {
    sipp.kill();
    await h.close();
  }
});
