import { test } from 'node:test';
import assert from 'node:assert/strict';
import { freePort } from '../testkit/ports.js';
import { eventually, startHookServer, startTestGateway, type HookRequest } from '../testkit/gateway.js';
import { DEMO_FROM } from '../cli/demo.js';

const FINAL = new Set(['completed', 'failed', 'busy', 'no-answer']);

test('issue 5 acceptance 9: each simulator number gives the expected statuses end to end', async () => {
  const simPort = await freePort();
  const base = 30000 + (process.pid % 50) * 400;
  const t = await startTestGateway({ VGW_SIMULATOR: 'on', VGW_SIMULATOR_PORT: String(simPort), VGW_RTP_PORTS: `${base}-${base + 399}` });
  const hooks = await startHookServer({ '/app': () => [{ verb: 'pause', length: 2 }, { verb: 'hangup' }] });
  try {
    assert.ok(t.gw.demo, 'the demo account is provisioned on first start');
    const accountSid = t.gw.demo.accountSid;
    const cases: Array<{ number: string; timeout?: number; want: string[]; sip?: number }> = [
      { number: '+15550100', want: ['trying', 'ringing', 'in-progress', 'completed'] },
      { number: '+15550101', want: ['trying', 'ringing', 'in-progress', 'completed'] },
      { number: '+15550486', want: ['trying', 'busy'], sip: 486 },
      { number: '+15550487', timeout: 2, want: ['trying', 'ringing', 'no-answer'], sip: 487 },
      { number: '+15550202', want: ['trying', 'ringing', 'in-progress', 'completed'] },
      { number: '+15550603', want: ['trying', 'busy'], sip: 603 },
      { number: '+15550503', want: ['trying', 'failed'], sip: 503 },
    ];
    const sids = new Map<string, (typeof cases)[number]>();
    for (const c of cases) {
      // The seed's basic request against the demo application, with per-call hooks (they win, DESIGN.md §2).
      const res = await t.api('POST', `/v1/Accounts/${accountSid}/Calls`, {
        application_sid: t.gw.demo.applicationSid, from: DEMO_FROM, to: { type: 'phone', number: c.number, trunk: 'simulator' },
        call_hook: `${hooks.url}/app`, call_status_hook: `${hooks.url}/status`, ...(c.timeout ? { timeout: c.timeout } : {}),
      });
      assert.equal(res.status, 201, JSON.stringify(res.body));
      sids.set((res.body as { sid: string }).sid, c);
    }
    const byCall = (sid: string): HookRequest[] => hooks.seen.filter((h) => h.path === '/status' && h.json.call_sid === sid);
    await eventually(() => [...sids.keys()].every((sid) => byCall(sid).some((h) => FINAL.has(String(h.json.call_status)))), 30_000, 'every call to end');
    for (const [sid, c] of sids) {
      const seen = byCall(sid).map((h) => String(h.json.call_status));
      assert.deepEqual(seen, c.want, `${c.number}: ${seen.join(' → ')}`);
      if (c.sip) assert.equal(byCall(sid).at(-1)?.json.sip_status, c.sip, c.number);
    }
    const records = t.gw.simulator?.calls ?? [];
    assert.ok(records.some((r) => r.behaviour === 'voicemail' && r.answered));
  } finally {
    await hooks.close();
    await t.close();
  }
});
