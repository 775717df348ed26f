import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startSipp } from '../testkit/sipp.js';
import { eventually, provisionSippCarrier, startHookServer, startTestGateway, type HookRequest } from '../testkit/gateway.js';
import { startSimGateway } from '../testkit/sim-gateway.js';

const amdTypes = (seen: readonly HookRequest[], sid: string): string[] => seen.filter((h) => h.path === '/amd' && h.json.call_sid === sid).map((h) => String(h.json.type));

test('issue 6 acceptance 1: real calls — sipp plays a greeting + beep, and a short "Hello?"; the actionHook gets the right event sequence with evidence', async () => {
  const cases: Array<[string, string[]]> = [
    ['uas_answer_vm.xml', ['amd_machine_detected', 'amd_tone_detected', 'amd_machine_stopped_speaking', 'amd_stopped']],
    ['uas_answer_hello.xml', ['amd_human_detected', 'amd_stopped']],
  ];
  for (const [scenario, want] of cases) {
    const t = await startTestGateway();
    const hooks = await startHookServer({
      '/app': () => [{ verb: 'pause', length: 20 }],
      // The voicemail's beep is the cue to leave a message: a verb list replaces the application.
      '/amd': (r) => (r.json.type === 'amd_machine_stopped_speaking' || r.json.type === 'amd_human_detected' ? [{ verb: 'say', text: 'Hello, this is a message.' }, { verb: 'hangup' }] : undefined),
    });
    const sipp = await startSipp({ scenario, extra: ['-d', '50'], timeoutSeconds: 40 });
    try {
      const p = await provisionSippCarrier(t, hooks.url, [sipp.port]);
      const res = await t.api('POST', `/v1/Accounts/${p.accountSid}/Calls`, {
        application_sid: p.applicationSid, from: p.from, to: { type: 'phone', number: '15550020' },
        amd: { actionHook: '/amd' }, notifyUrl: `${hooks.url}/notify`, tag: { campaign: 'x' },
      });
      assert.equal(res.status, 201, JSON.stringify(res.body));
      const sid = (res.body as { sid: string }).sid;
      await eventually(() => amdTypes(hooks.seen, sid).includes('amd_stopped'), 25_000, `${scenario}: amd_stopped`);
      assert.deepEqual(amdTypes(hooks.seen, sid), want, scenario);
      const first = hooks.seen.find((h) => h.path === '/amd');
      assert.ok(first);
      assert.equal(first.json.call_sid, sid);
      assert.deepEqual(first.json.customerData, { campaign: 'x' });
      assert.ok(Number(first.json.confidence) > 0 && Number(first.json.confidence) <= 1);
      assert.equal(typeof first.json.decision_ms, 'number');
      const ev = first.json.evidence as { segments: unknown[]; word_count: number };
      assert.ok(Array.isArray(ev.segments) && ev.segments.length > 0);
      if (want.includes('amd_tone_detected')) {
        const tone = hooks.seen.find((h) => h.path === '/amd' && h.json.type === 'amd_tone_detected');
        assert.ok(Math.abs(Number(tone?.json.frequency) - 1000) < 50, `beep at ${String(tone?.json.frequency)} Hz`);
      }
      await eventually(() => hooks.seen.some((h) => h.path === '/notify' && h.json.event === 'ANSWERING_MACHINE_DETECTION' && h.json.type === 'amd_stopped'), 5000, 'notifyUrl AMD events');
      await eventually(() => hooks.seen.some((h) => h.path === '/status' && h.json.call_status === 'completed'), 15_000, 'the reply\'s verbs ran and hung up');
      assert.equal((await sipp.done).successful, 1);
    } finally {
      sipp.kill();
      await hooks.close();
      await t.close();
    }
  }
});

test('issue 6: the simulator\'s human and voicemail numbers give human and machine verdicts', async () => {
  const g = await startSimGateway({ '/app': () => [{ verb: 'pause', length: 12 }, { verb: 'hangup' }] });
  try {
    const human = await g.call('+15550100', { amd: { actionHook: `${g.hooks.url}/amd` } });
    const vm = await g.call('+15550101', { amd: { actionHook: `${g.hooks.url}/amd`, preset: 'balanced' } });
    await eventually(() => amdTypes(g.hooks.seen, human).includes('amd_stopped') && amdTypes(g.hooks.seen, vm).includes('amd_stopped'), 25_000, 'both verdicts');
    assert.equal(amdTypes(g.hooks.seen, human)[0], 'amd_human_detected');
    assert.deepEqual(amdTypes(g.hooks.seen, vm), ['amd_machine_detected', 'amd_tone_detected', 'amd_machine_stopped_speaking', 'amd_stopped']);
    const bad = await g.t.api('POST', `/v1/Accounts/${g.accountSid}/Calls`, { from: '+15551230000', to: { type: 'phone', number: '+15550100' }, call_hook: `${g.hooks.url}/app`, amd: { actionHook: `${g.hooks.url}/amd`, preset: 'sloppy' } });
    assert.equal(bad.status, 400);
    assert.match(JSON.stringify(bad.body), /amd\.preset/);
  } finally {
    await g.close();
  }
});
