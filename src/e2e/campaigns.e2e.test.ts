import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { DEMO_FROM } from '../cli/demo.js';
import type { SimulatorCallRecord } from '../simulator/index.js';
import { eventually, startHookServer, startTestGateway } from '../testkit/gateway.js';
import { freePort } from '../testkit/ports.js';

type Counts = Record<string, number>;
type ContactOut = { number: string; state: string; outcome: string | null; attempts: number; call_sids: string[] };

const SUFFIX = { human: '0100', machine: '0101', busy: '0486', 'no-answer': '0487' } as const;

/** RMS of 100 ms slices of an 8 kHz 16-bit mono WAV (after its 44-byte header). */
function loudness(path: string): number[] {
  const pcm = readFileSync(path).subarray(44);
  const out: number[] = [];
  for (let off = 0; off + 1600 <= pcm.length; off += 1600) {
    let sum = 0;
    for (let i = 0; i < 1600; i += 2) sum += pcm.readInt16LE(off + i) ** 2;
    out.push(Math.sqrt(sum / 800));
  }
  return out;
}

test('issue 17 acceptance 1: 500 contacts against the simulator — every contact ends with the outcome its number implies, with the event loop stalling; busy / no-answer retried after their delay up to the maximum; voicemails get the message after the beep', async () => {
  const simPort = await freePort();
  const base = 40000 + (process.pid % 10) * 2000;
  const t = await startTestGateway({ VGW_SIMULATOR: 'on', VGW_SIMULATOR_PORT: String(simPort), VGW_RTP_PORTS: `${base}-${base + 1999}` });
  // Humans are hung up on at their AMD verdict (the actionHook's reply replaces the app); machines wait for the drop.
  const hooks = await startHookServer({
    '/app': () => [{ verb: 'pause', length: 20 }, { verb: 'hangup' }],
    '/amd': (r) => (r.json.type === 'amd_human_detected' ? [{ verb: 'hangup' }] : undefined),
  });
  const sim = t.gw.simulator;
  assert.ok(sim && t.gw.demo);
  const simCalls: SimulatorCallRecord[] = [];
  sim.on('call-ended', (r) => simCalls.push(r));
  const account = t.gw.demo.accountSid;
  // A loaded machine, made sure: the event loop that gateway, simulator and both media sides
  // share stalls for 0.7 s every 4 s (RTP arrives late, then in a burst). AMD runs on media time.
  const stall = setInterval(() => {
    const until = performance.now() + 700;
    while (performance.now() < until);
  }, 4000);
  try {
    const numbers: [string, keyof typeof SUFFIX][] = [];
    for (let i = 0; i < 125; i++) for (const k of Object.keys(SUFFIX) as (keyof typeof SUFFIX)[]) numbers.push([`+1212${200 + i}${SUFFIX[k]}`, k]);
    const created = await t.api('POST', `/v1/Accounts/${account}/Campaigns`, {
      name: 'acceptance-1', call_hook: `${hooks.url}/app`, from: [DEMO_FROM], trunk: 'simulator', timeout: 2,
      amd: { actionHook: `${hooks.url}/amd` }, statusHook: `${hooks.url}/campaign`,
      pacing: { cps: 20, max_concurrent: 30 },
      retry: { busy: { delay: 2, max_attempts: 2 }, 'no-answer': { delay: 2, max_attempts: 2 } },
      voicemail: { action: 'drop', verbs: [{ verb: 'say', text: 'This is a reminder of your appointment tomorrow at nine.' }, { verb: 'hangup' }] },
    });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    const sid = (created.body as { sid: string }).sid;
    const csv = `number,name\n${numbers.map(([n], i) => `${n},c${i}`).join('\n')}\n`;
    const up = await fetch(`${t.base}/v1/Accounts/${account}/Campaigns/${sid}/Contacts`, { method: 'POST', headers: { authorization: 'Bearer test-admin-key-0123456789abcdef', 'content-type': 'text/csv' }, body: csv });
    assert.deepEqual(await up.json(), { added: 500, duplicates: 0, errors: [] });
    assert.equal((await t.api('PUT', `/v1/Accounts/${account}/Campaigns/${sid}`, { state: 'running' })).status, 200);
    const view = async (): Promise<{ state: string; counts: Counts }> => (await t.api('GET', `/v1/Accounts/${account}/Campaigns/${sid}`)).body as { state: string; counts: Counts };
    await eventually(async () => (await view()).state === 'completed', 240_000, 'the campaign completes by itself');
    const v = await view();
    clearInterval(stall);
    // A contact is done when the gateway ends its call; the simulator records the call's end when
    // the BYE reaches it, a moment later: wait for that record rather than read the list once.
    const dialled = 125 + 125 + 250 + 250;
    await eventually(() => simCalls.length >= dialled, 15_000, 'the simulator has recorded the end of every call');
    const contacts = ((await t.api('GET', `/v1/Accounts/${account}/Campaigns/${sid}/Contacts?count=1000`)).body as { data: ContactOut[] }).data;
    const want = new Map(numbers);
    const amdOf = (callSid: string | undefined): string[] => hooks.seen.filter((h) => h.path === '/amd' && h.json.call_sid === callSid).map((h) => String(h.json.type));
    // The campaign's rule: an answered contact's outcome is the first AMD verdict the actionHook
    // got, else `answered`; and that verdict is what the number implies, for every one of the 250.
    const misjudged: string[] = [];
    for (const c of contacts) {
      const kind = want.get(c.number);
      if (kind === 'busy' || kind === 'no-answer') {
        assert.equal(c.outcome, kind, c.number);
        continue;
      }
      const verdict = amdOf(c.call_sids[0]).find((t) => t === 'amd_human_detected' || t === 'amd_machine_detected');
      assert.equal(c.outcome, verdict === undefined ? 'answered' : verdict === 'amd_human_detected' ? 'human' : 'machine', `${c.number}: the first verdict decides`);
      if (c.outcome !== kind) misjudged.push(`${c.number} (${kind}): ${JSON.stringify(hooks.seen.filter((h) => h.path === '/amd' && h.json.call_sid === c.call_sids[0]).map((h) => ({ type: h.json.type, reason: h.json.reason, decision_ms: h.json.decision_ms, segments: (h.json.evidence as { segments?: unknown } | undefined)?.segments })))}`);
    }
    assert.deepEqual(misjudged, [], `AMD misjudged ${misjudged.length} of 250`);
    assert.deepEqual([v.counts.busy, v.counts['no-answer'], v.counts.done, v.counts.human + v.counts.machine + v.counts.answered], [125, 125, 500, 250], JSON.stringify(v.counts));
    for (const c of contacts) {
      const kind = want.get(c.number);
      assert.equal(c.attempts, kind === 'busy' || kind === 'no-answer' ? 2 : 1, `${c.number} attempts`);
      assert.equal(c.call_sids.length, c.attempts);
    }
    // Retries came after their delay: the second call of a busy number starts ≥ 2 s after the first ended.
    const byNumber = new Map<string, SimulatorCallRecord[]>();
    for (const r of simCalls) byNumber.set(r.number, [...(byNumber.get(r.number) ?? []), r]);
    for (const [n, kind] of numbers.filter(([, k]) => k === 'busy' || k === 'no-answer')) {
      const calls = (byNumber.get(n.slice(1)) ?? []).sort((a, b) => a.startedAt - b.startedAt);
      assert.equal(calls.length, 2, `${n} (${kind}) dialled twice in all`);
      assert.ok((calls[1]?.startedAt ?? 0) - (calls[0]?.endedAt ?? Infinity) >= 1900, `${n}: retry after its delay`);
    }
    assert.equal(simCalls.length, dialled, 'no double dials');
    // Voicemail drop: the app's pause is silent; the message is heard only after the beep (~6.8 s after the answer).
    const machines = new Set(contacts.filter((c) => c.outcome === 'machine').map((c) => c.number.slice(1)));
    const vms = simCalls.filter((r) => r.behaviour === 'voicemail' && r.recording && machines.has(r.number)).slice(0, 5);
    assert.equal(vms.length, 5);
    for (const r of vms) {
      const rms = loudness(String(r.recording));
      const before = Math.max(...rms.slice(0, 60));
      const after = Math.max(...rms.slice(70));
      assert.ok(before < 200, `${r.callId}: silent before the beep (max RMS ${before.toFixed(0)})`);
      assert.ok(after > 1000, `${r.callId}: the message after the beep (max RMS ${after.toFixed(0)})`);
    }
    const events = hooks.seen.filter((h) => h.path === '/campaign').map((h) => String(h.json.event));
    assert.equal(events.filter((e) => e === 'campaign:started').length, 1);
    await eventually(() => hooks.seen.some((h) => h.path === '/campaign' && h.json.event === 'campaign:completed'), 5000, 'campaign:completed');
  } finally {
    clearInterval(stall);
    await hooks.close();
    await t.close();
  }
});

test('issue 17 acceptance 3: kill -9 mid-campaign and restart — the campaign resumes, no contact is dialled twice at once, the counts add up', async () => {
  const { mkdtempSync, rmSync } = await import('node:fs');
  const { tmpdir } = await import('node:os');
  const { join } = await import('node:path');
  const { startCli } = await import('../testkit/cli-gateway.js');
  const dataDir = mkdtempSync(join(tmpdir(), 'vgw-campaign-crash-'));
  const base = 40000 + ((process.pid + 5) % 10) * 2000;
  const env = { VGW_DATA_DIR: dataDir, VGW_SIP_ADDRESS: '127.0.0.1', VGW_SIP_PORT: String(await freePort()), VGW_SIMULATOR: 'on', VGW_SIMULATOR_PORT: String(await freePort()), VGW_RTP_PORTS: `${base}-${base + 1999}` };
  const hooks = await startHookServer({ '/app': () => [{ verb: 'pause', length: 3 }, { verb: 'hangup' }] });
  const N = 60;
  let gw = await startCli(env);
  try {
    const accounts = (await gw.api('GET', '/v1/Accounts')).body as { account_sid: string; name: string }[];
    const account = accounts.find((a) => a.name === 'demo')?.account_sid;
    assert.ok(account);
    const created = await gw.api('POST', `/v1/Accounts/${account}/Campaigns`, { name: 'crash', call_hook: `${hooks.url}/app`, from: DEMO_FROM, trunk: 'simulator', pacing: { cps: 8, max_concurrent: 30 } });
    const sid = (created.body as { sid: string }).sid;
    const contacts = Array.from({ length: N }, (_, i) => ({ number: `+1212${300 + i}0100` }));
    assert.equal(((await gw.api('POST', `/v1/Accounts/${account}/Campaigns/${sid}/Contacts`, contacts)).body as { added: number }).added, N);
    await gw.api('PUT', `/v1/Accounts/${account}/Campaigns/${sid}`, { state: 'running' });
    const counts = async (): Promise<Counts> => ((await gw.api('GET', `/v1/Accounts/${account}/Campaigns/${sid}`)).body as { counts: Counts }).counts;
    await eventually(async () => { const c = await counts(); return c.done >= 10 && c.dialing >= 5; }, 30_000, 'mid-campaign');
    await gw.stop('SIGKILL');
    gw = await startCli(env);
    await eventually(async () => ((await gw.api('GET', `/v1/Accounts/${account}/Campaigns/${sid}`)).body as { state: string }).state === 'completed', 60_000, 'the campaign resumes and completes');
    const c = await counts();
    assert.equal(c.done, N);
    assert.equal(c.pending + c.dialing + c.scheduled, 0);
    assert.equal(c.human + c.answered + c.failed, N, JSON.stringify(c));
    assert.ok(c.failed + c.answered > 0, 'some calls were live at the crash and settled from their CDRs');
    const list = ((await gw.api('GET', `/v1/Accounts/${account}/Campaigns/${sid}/Contacts?count=1000`)).body as { data: ContactOut[] }).data;
    const cdrs = ((await gw.api('GET', `/v1/Accounts/${account}/RecentCalls?count=500`)).body as { data: { call_sid: string; to: string; attempted_at: string; terminated_at: string }[] }).data;
    const known = new Set(list.flatMap((ct) => ct.call_sids));
    const campaignCalls = cdrs.filter((r) => list.some((ct) => ct.number.slice(1) === r.to.replace(/\D/g, '')));
    assert.ok(campaignCalls.length >= N, `${campaignCalls.length} calls`);
    for (const r of campaignCalls) assert.ok(known.has(r.call_sid), `call ${r.call_sid} to ${r.to} is an attempt of its contact (no call the store does not know)`);
    for (const ct of list) {
      assert.equal(ct.attempts, 1, `${ct.number} attempted once`);
      const calls = cdrs.filter((r) => r.to.replace(/\D/g, '') === ct.number.slice(1)).sort((a, b) => a.attempted_at.localeCompare(b.attempted_at));
      for (let i = 1; i < calls.length; i++) assert.ok((calls[i]?.attempted_at ?? '') >= (calls[i - 1]?.terminated_at ?? ''), `${ct.number}: never two calls at once`);
      for (const s of ct.call_sids) assert.ok(cdrs.some((r) => r.call_sid === s), `${s} has a record`);
    }
  } finally {
    await gw.stop('SIGTERM');
    await hooks.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
});
