import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startSipp, sippReceivedCount } from '../testkit/sipp.js';
import { eventually, provisionSippCarrier, startHookServer, startTestGateway, type HookRequest } from '../testkit/gateway.js';

const events = (seen: readonly HookRequest[], path: string): Array<Record<string, unknown>> => seen.filter((r) => r.path === path).map((r) => r.json);
const final = new Set(['completed', 'failed', 'busy', 'no-answer']);

async function placeTo(ports: number[], extra: Record<string, unknown> = {}) {
  const t = await startTestGateway();
  const hooks = await startHookServer({ '/app': () => [{ verb: 'pause', length: 1 }, { verb: 'hangup' }] });
  const p = await provisionSippCarrier(t, hooks.url, ports);
  const res = await t.api('POST', `/v1/Accounts/${p.accountSid}/Calls`, {
    application_sid: p.applicationSid, from: p.from, to: { type: 'phone', number: '15550001', trunk: 'sipp-carrier' }, notifyUrl: `${hooks.url}/notify`, ...extra,
  });
  assert.equal(res.status, 201, JSON.stringify(res.body));
  const last = await eventually(() => events(hooks.seen, '/status').find((e) => final.has(String(e.call_status))), 20_000, 'final status');
  await eventually(() => events(hooks.seen, '/notify').find((e) => final.has(String(e.call_status))), 5_000, 'final notify');
  return { t, hooks, p, last, close: async () => { await hooks.close(); await t.close(); } };
}

test('issue 5 acceptance 3: timeout 2 against a sipp that only rings → CANCEL at ~2 s, no-answer and NO_ANSWER', async () => {
  const sipp = await startSipp({ scenario: 'uas_no_answer.xml' });
  const started = Date.now();
  const r = await placeTo([sipp.port], { timeout: 2 });
  try {
    const elapsed = Date.now() - started;
    assert.equal(r.last.call_status, 'no-answer');
    assert.equal(r.last.sip_status, 487);
    assert.ok(elapsed >= 1900, `cancelled after ${elapsed} ms`);
    const notify = events(r.hooks.seen, '/notify').at(-1);
    assert.equal(notify?.event, 'NO_ANSWER');
    const s = await sipp.done;
    assert.equal(sippReceivedCount(s.messages, 'CANCEL'), 1);
    assert.equal(s.successful, 1, s.errors);
  } finally {
    sipp.kill();
    await r.close();
  }
});

test('issue 5 acceptance 4: 486 → busy / USER_BUSY with sip_status 486', async () => {
  const sipp = await startSipp({ scenario: 'uas_busy.xml' });
  const r = await placeTo([sipp.port]);
  try {
    assert.equal(r.last.call_status, 'busy');
    assert.equal(r.last.sip_status, 486);
    assert.equal(events(r.hooks.seen, '/notify').at(-1)?.event, 'USER_BUSY');
  } finally {
    sipp.kill();
    await r.close();
  }
});

test('issue 5 acceptance 4: 503 from the first gateway → the second gateway answers', async () => {
  const first = await startSipp({ scenario: 'uas_503.xml' });
  const second = await startSipp({ scenario: 'uas_ring_answer.xml', extra: ['-d', '100'] });
  const r = await placeTo([first.port, second.port]);
  try {
    assert.equal(r.last.call_status, 'completed');
    const a = await first.done;
    const b = await second.done;
    assert.equal(sippReceivedCount(a.messages, 'INVITE'), 1);
    assert.equal(b.successful, 1, b.errors);
  } finally {
    first.kill();
    second.kill();
    await r.close();
  }
});

test('issue 5 acceptance 4: 404 → failed, and no failover to the second gateway', async () => {
  const first = await startSipp({ scenario: 'uas_404.xml' });
  const second = await startSipp({ scenario: 'uas_ring_answer.xml', timeoutSeconds: 5 });
  const r = await placeTo([first.port, second.port]);
  try {
    assert.equal(r.last.call_status, 'failed');
    assert.equal(r.last.sip_status, 404);
    assert.equal(events(r.hooks.seen, '/notify').at(-1)?.event, 'CALL_FAILED');
    second.kill();
    const b = await second.done;
    assert.equal(sippReceivedCount(b.messages, 'INVITE'), 0, 'the second gateway is never tried');
  } finally {
    first.kill();
    second.kill();
    await r.close();
  }
});

test('issue 5 acceptance 4: 603 → busy (RFC 3261 §21.6: no failover on 6xx)', async () => {
  const first = await startSipp({ scenario: 'uas_603.xml' });
  const second = await startSipp({ scenario: 'uas_ring_answer.xml', timeoutSeconds: 5 });
  const r = await placeTo([first.port, second.port]);
  try {
    assert.equal(r.last.call_status, 'busy');
    assert.equal(r.last.sip_status, 603);
    second.kill();
    assert.equal(sippReceivedCount((await second.done).messages, 'INVITE'), 0);
  } finally {
    first.kill();
    second.kill();
    await r.close();
  }
});
