import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '../testkit/ports.js';
import { startSipp } from '../testkit/sipp.js';
import { eventually, provisionSippCarrier, startHookServer } from '../testkit/gateway.js';
import { startSimGateway } from '../testkit/sim-gateway.js';
import type { TestGateway } from '../testkit/gateway.js';
import { startCli } from '../testkit/cli-gateway.js';

test('issue 5 acceptance 10: SIGTERM during a live call sends BYE, and its CDR is in RecentCalls after a restart', async () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'vgw-term-'));
  const sipPort = await freePort();
  const env = { VGW_DATA_DIR: dataDir, VGW_SIP_ADDRESS: '127.0.0.1', VGW_SIP_PORT: String(sipPort), VGW_SIMULATOR: 'off', VGW_RTP_PORTS: '36000-36099', VGW_DRAIN_TIMEOUT_MS: '300' };
  const hooks = await startHookServer({ '/app': () => [{ verb: 'pause', length: 30 }] });
  const sipp = await startSipp({ scenario: 'uas_ring_answer.xml', extra: ['-d', '50'], timeoutSeconds: 30 });
  try {
    const gw = await startCli(env);
    const p = await provisionSippCarrier(gw as unknown as TestGateway, hooks.url, [sipp.port]);
    const res = await gw.api('POST', `/v1/Accounts/${p.accountSid}/Calls`, { application_sid: p.applicationSid, from: p.from, to: { type: 'phone', number: '15550009' } });
    assert.equal(res.status, 201, JSON.stringify(res.body));
    const sid = (res.body as { sid: string }).sid;
    await eventually(() => hooks.seen.find((h) => h.path === '/status' && h.json.call_status === 'in-progress'), 10_000, 'answered');
    assert.equal(await gw.stop('SIGTERM'), 0, 'clean exit');
    const r = await sipp.done;
    assert.equal(r.successful, 1, `sipp got our BYE: ${r.errors}`);
    const again = await startCli(env);
    try {
      const recent = await again.api('GET', `/v1/Accounts/${p.accountSid}/RecentCalls`);
      const row = (recent.body as { data: Array<Record<string, unknown>> }).data.find((c) => c.call_sid === sid);
      assert.ok(row, JSON.stringify(recent.body));
      assert.equal(row.answered, true);
      assert.equal(row.termination_reason, 'gateway shutdown');
      const tl = await again.api('GET', `/v1/Accounts/${p.accountSid}/Calls/${sid}/Timeline`);
      const events = (tl.body as { timeline: Array<{ event: string }> }).timeline.map((e) => e.event);
      for (const step of ['invite-sent', 'response', 'status:in-progress', 'webhook', 'bye-sent']) assert.ok(events.includes(step), `${step} in ${events.join(',')}`);
    } finally {
      await again.stop('SIGTERM');
    }
  } finally {
    sipp.kill();
    await hooks.close();
  }
});

test('issue 5 acceptance 10: with a limit of N concurrent calls the (N+1)th POST gets 429 with Retry-After; /metrics counts the calls', async () => {
  const g = await startSimGateway({ '/app': () => [{ verb: 'pause', length: 5 }, { verb: 'hangup' }] });
  try {
    assert.equal((await g.t.api('PUT', `/v1/Accounts/${g.accountSid}`, { max_concurrent_calls: 2 })).status, 204);
    const a = await g.call('+15550100');
    const b = await g.call('+15550100');
    const third = await g.t.api('POST', `/v1/Accounts/${g.accountSid}/Calls`, { from: '+15551230000', to: { type: 'phone', number: '+15550100' }, call_hook: `${g.hooks.url}/app` });
    assert.equal(third.status, 429, JSON.stringify(third.body));
    assert.ok(Number(third.headers.get('retry-after')) >= 1);
    // Wait for the state asserted (both calls answered and the second webhook answered), not one of them.
    for (const sid of [a, b]) await eventually(() => g.statuses(sid).find((e) => e.call_status === 'in-progress'), 10_000, 'answered');
    await eventually(() => g.hooks.seen.filter((h) => h.path === '/app').length >= 2, 10_000, 'both apps fetched');
    const metrics = await eventually(async () => {
      const text = await fetch(`${g.t.base}/metrics`).then((r) => r.text());
      return /vgw_webhook_latency_seconds_count\{result="ok"\} [1-9]/.test(text) && text;
    }, 10_000, 'webhook latency counted');
    assert.match(metrics, /vgw_calls_total\{direction="outbound",status="in-progress"\} 2/);
    assert.match(metrics, /vgw_active_calls 2/);
    assert.match(metrics, /vgw_event_loop_delay_seconds\{quantile="0\.99"\} \d/, 'the event loop is measured (issue 13)');
    assert.match(metrics, /vgw_post_dial_delay_seconds_count 2/);
    assert.match(metrics, /vgw_webhook_latency_seconds_count\{result="ok"\} [1-9]/);
  } finally {
    await g.close();
  }
});
