/**
 * Issue 7, acceptance 5: a carrier that requires registration. A sipp registrar challenges every
 * REGISTER with a digest 401; we answer, get a short expiry, refresh on the same Call-ID, and
 * the carrier's GET through the REST API shows its registration status.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildApi } from '../api/app.js';
import { RegistrationManager } from '../call/registrations.js';
import { systemClock } from '../kernel/clock.js';
import { registrarContext, type RegistrarContext, type SipStack } from '../sip/index.js';
import { bootstrapAdminKey, openStore } from '../store/index.js';
import { startSipp } from '../testkit/sipp.js';
import { startTestStack, testLogger } from '../testkit/sip-stack.js';

interface RegisterStatusJson {
  status: string;
  sip_status: number | null;
  reason: string | null;
  expires_at: string | null;
  last_registered_at: string | null;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** The gateway's registration parts over a real SIP stack, with the API in front (app.inject). */
async function harness() {
  const dir = mkdtempSync(join(tmpdir(), 'vgw-reg-e2e-'));
  const logger = testLogger();
  const store = await openStore({ dataDir: join(dir, 'data'), logger });
  const { token } = await bootstrapAdminKey(store, undefined, logger);
  const stack: SipStack = await startTestStack();
  let sent = 0;
  const base = registrarContext(stack.ua.context);
  const context: RegistrarContext = { ...base, send: (req, dest) => { sent++; return base.send(req, dest); } };
  const manager = new RegistrationManager({ clock: systemClock, logger, store, context, privateAddress: '127.0.0.1', pollMs: 200, retryDelaysMs: [60_000] });
  await manager.start();
  const app = buildApi({ logger, isReady: () => true, store, registrations: manager });
  const api = async (method: 'GET' | 'POST', url: string, body?: unknown): Promise<{ status: number; json: Record<string, unknown> }> => {
    const res = await app.inject({ method, url, headers: { authorization: `Bearer ${token ?? ''}` }, ...(body === undefined ? {} : { payload: body as Record<string, unknown> }) });
    return { status: res.statusCode, json: res.body ? (JSON.parse(res.body) as Record<string, unknown>) : {} };
  };
  const carrier = async (password: string, sippPort: number): Promise<string> => {
    const c = await api('POST', '/v1/VoipCarriers', { name: `reg-${password}`, requires_register: true, register_username: 'carrier', register_password: password, register_sip_realm: 'sipp.test' });
    assert.equal(c.status, 201, JSON.stringify(c.json));
    const sid = String(c.json.sid);
    const g = await api('POST', '/v1/SipGateways', { voip_carrier_sid: sid, ipv4: '127.0.0.1', port: sippPort, inbound: false, outbound: true });
    assert.equal(g.status, 201, JSON.stringify(g.json));
    return sid;
  };
  const registerStatus = async (sid: string): Promise<RegisterStatusJson | null> => (await api('GET', `/v1/VoipCarriers/${sid}`)).json.register_status as RegisterStatusJson | null;
  const until = async (sid: string, ok: (s: RegisterStatusJson | null) => boolean, ms: number, what: string): Promise<RegisterStatusJson | null> => {
    const end = Date.now() + ms;
    for (;;) {
      const s = await registerStatus(sid);
      if (ok(s)) return s;
      if (Date.now() > end) throw new Error(`timed out waiting for ${what}; last register_status ${JSON.stringify(s)}`);
      await sleep(50);
    }
  };
  return {
    api, carrier, registerStatus, until, manager, sent: () => sent,
    async close() {
      await manager.close();
      await app.close();
      await stack.close();
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** The REGISTERs sipp received, from its -trace_msg log. */
function registersReceived(messages: string): { callId: string; cseq: number; expires: string; authorized: boolean }[] {
  const out: { callId: string; cseq: number; expires: string; authorized: boolean }[] = [];
  for (const block of messages.split(/-{10,}.*\n/)) {
    if (!/message received/.test(block) || !/^REGISTER sip:/m.test(block)) continue;
    const header = (name: string): string => new RegExp(`^${name}:\\s*(.*?)\\s*$`, 'mi').exec(block)?.[1] ?? '';
    out.push({ callId: header('Call-ID'), cseq: Number(header('CSeq').split(' ')[0]), expires: header('Expires'), authorized: header('Authorization') !== '' });
  }
  return out;
}

test('acceptance 5: the sipp registrar challenges, we register and refresh, and the carrier shows registered', async () => {
  const h = await harness();
  const sipp = await startSipp({ scenario: 'uas_registrar.xml', timeoutSeconds: 20 });
  try {
    const plain = await h.api('POST', '/v1/VoipCarriers', { name: 'no-registration' });
    assert.equal((await h.registerStatus(String(plain.json.sid))), null, 'null when the carrier does not require registration');
    const sid = await h.carrier('s3cret', sipp.port);
    const first = await h.until(sid, (s) => s?.status === 'registered', 5000, 'registered');
    assert.equal(first?.sip_status, 200);
    assert.ok(first?.expires_at && first.last_registered_at);
    const ttl = Date.parse(first.expires_at) - Date.parse(first.last_registered_at);
    assert.equal(ttl, 4000, 'the expiry the registrar granted in our Contact');
    // The refresh comes at max(4 − 30, 4 / 2) = 2 s.
    const refreshed = await h.until(sid, (s) => s?.status === 'registered' && s.last_registered_at !== first.last_registered_at, 4000, 'the refresh');
    const gap = Date.parse(refreshed?.last_registered_at ?? '') - Date.parse(first.last_registered_at);
    assert.ok(gap >= 1900, `refreshed after ${gap} ms, not before half the expiry`);
    const list = await h.api('GET', '/v1/VoipCarriers');
    assert.ok(JSON.stringify(list.json).includes('"status":"registered"'));
    await h.manager.close();
    const result = await sipp.done;
    assert.equal(result.failed, 0, result.errors);
    assert.equal(result.successful, 1, result.errors);
    const regs = registersReceived(result.messages);
    assert.equal(regs.length, 6, 'register, refresh and un-register, each challenged once');
    assert.equal(new Set(regs.map((r) => r.callId)).size, 1, 'one Call-ID across refreshes (§10.2.4)');
    assert.deepEqual(regs.map((r) => r.cseq), [1, 2, 3, 4, 5, 6]);
    assert.deepEqual(regs.map((r) => r.authorized), [false, true, false, true, false, true]);
    assert.deepEqual(regs.map((r) => r.expires), ['3600', '3600', '3600', '3600', '0', '0']);
  } finally {
    sipp.kill();
    await h.close();
  }
});

test('acceptance 5: a wrong password ends in failed with the 401 visible, and no tight retry loop', async () => {
  const h = await harness();
  const sipp = await startSipp({ scenario: 'uas_registrar.xml', timeoutSeconds: 20 });
  try {
    const sid = await h.carrier('wrong', sipp.port);
    // (Until its gateway is added the carrier shows `failed` without a SIP status: nowhere to register.)
    const failed = await h.until(sid, (s) => s?.status === 'failed' && s.sip_status !== null, 5000, 'failed');
    assert.equal(failed?.sip_status, 401);
    assert.ok(failed?.reason);
    assert.equal(failed.last_registered_at, null);
    assert.equal(h.sent(), 2, 'the REGISTER and one answer to the challenge');
    await sleep(1000);
    assert.equal(h.sent(), 2, 'the next try waits for the back-off');
    assert.equal((await h.registerStatus(sid))?.status, 'failed');
    const result = await sipp.done;
    assert.equal(result.failed, 0, result.errors);
  } finally {
    sipp.kill();
    await h.close();
  }
});
