import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { CampaignRecord, Store } from '../../store/index.js';
import { dialerHarness, FakeCarrier, flush, runFor, type DialerHarness } from '../../testkit/fake-dialer.js';
import { nullLogger } from '../../kernel/logger.js';
import type { CampaignConfig } from './config.js';
import { CampaignService } from './service.js';

const base: CampaignConfig = { name: 'reminders', application_sid: 'app', from: ['+12125550000', '+12125550001'], pacing: { cps: 5 } };

async function running(h: DialerHarness, config: Partial<CampaignConfig>, numbers: readonly (string | { number: string; timezone: string })[]): Promise<CampaignRecord> {
  const c = await h.store.campaigns.create({ account_sid: h.accountSid, name: 'reminders', config: { ...base, ...config } });
  await h.store.campaigns.addContacts(c.campaign_sid, numbers.map((n) => (typeof n === 'string' ? { number: n, timezone: null, tag: null } : { ...n, tag: null })));
  await h.store.campaigns.update(c.campaign_sid, { state: 'running' });
  const rec = await h.store.campaigns.get(c.campaign_sid);
  assert.ok(rec);
  await h.dialer.start(rec);
  h.clock.advance(0);
  await flush();
  return rec;
}

const numbers = (n: number, suffix = (i: number) => String(1000 + i)): string[] => Array.from({ length: n }, (_, i) => `+1212555${suffix(i)}`);

async function contactsOf(store: Store, sid: string): Promise<Map<string, { state: string; outcome: string | null; attempts: number }>> {
  const { data } = await store.campaigns.listContacts(sid, { limit: 1000 });
  return new Map(data.map((c) => [c.number, { state: c.state, outcome: c.outcome, attempts: c.attempts }]));
}

test('pacing: the first call starts at once, then one every 1/cps, no burst; the rate over 10 s is within 5 % of cps', async () => {
  const h = await dialerHarness();
  try {
    await running(h, { pacing: { cps: 5 } }, numbers(120));
    await runFor(h.clock, 20_000, 5);
    const at = h.carrier.starts.map((s) => s.at);
    assert.equal(at[0], 0, 'first start at once');
    for (let i = 1; i < at.length; i++) assert.ok((at[i] ?? 0) - (at[i - 1] ?? 0) >= 195, `gap ${i}: ${(at[i] ?? 0) - (at[i - 1] ?? 0)} ms`);
    for (let w = 0; w + 10_000 <= 20_000; w += 1000) {
      const n = at.filter((t) => t >= w && t < w + 10_000).length;
      assert.ok(n >= 47.5 && n <= 52.5, `window at ${w}: ${n} starts`);
    }
    assert.deepEqual(new Set(h.carrier.starts.slice(0, 2).map((s) => s.body.from)), new Set(['+12125550000', '+12125550001']), 'from pool rotated');
  } finally {
    await h.close();
  }
});

test('pacing: never more than max_concurrent live; a slot freed by a call end is used', async () => {
  const h = await dialerHarness();
  try {
    h.carrier.callMs = 5000;
    const c = await running(h, { pacing: { cps: 10, max_concurrent: 3 } }, numbers(12));
    await runFor(h.clock, 30_000, 10);
    assert.equal(h.carrier.peak, 3);
    assert.equal(h.carrier.starts.length, 12);
    const counts = await h.store.campaigns.countContacts(c.campaign_sid);
    assert.equal(counts.outcomes.human, 12);
  } finally {
    await h.close();
  }
});

test('the account limit (429 CALL_LIMIT) makes the campaign wait: the contact is dialled later, not failed', async () => {
  const h = await dialerHarness();
  try {
    h.carrier.limitFailures = 2;
    const c = await running(h, { pacing: { cps: 2 } }, numbers(3));
    await runFor(h.clock, 1500, 10);
    assert.equal(h.carrier.starts.length, 0, 'waiting after the 429');
    await runFor(h.clock, 10_000, 10);
    const m = await contactsOf(h.store, c.campaign_sid);
    assert.deepEqual([...m.values()].map((x) => [x.outcome, x.attempts]), [['human', 1], ['human', 1], ['human', 1]]);
  } finally {
    await h.close();
  }
});

test('outcomes and retries: busy retried after its delay up to max_attempts; no rule = no retry; human final; completed by itself', async () => {
  const h = await dialerHarness();
  try {
    const retry = { busy: { delay: 60, max_attempts: 3 }, 'no-answer': { delay: 120, max_attempts: 2 } };
    const c = await running(h, { pacing: { cps: 10 }, timeout: 20, retry, statusHook: 'https://hooks.example/campaign' }, ['+12125550100', '+12125550486', '+12125550487', '+12125550503']);
    await runFor(h.clock, 5000, 10);
    let m = await contactsOf(h.store, c.campaign_sid);
    assert.deepEqual(m.get('+12125550486'), { state: 'scheduled', outcome: 'busy', attempts: 1 });
    assert.deepEqual(m.get('+12125550503'), { state: 'done', outcome: 'failed', attempts: 1 });
    await runFor(h.clock, 50_000, 100);
    assert.equal(h.carrier.starts.filter((s) => s.number === '+12125550486').length, 1, 'not before its delay');
    await runFor(h.clock, 400_000, 500);
    m = await contactsOf(h.store, c.campaign_sid);
    assert.deepEqual(m.get('+12125550100'), { state: 'done', outcome: 'human', attempts: 1 });
    assert.deepEqual(m.get('+12125550486'), { state: 'done', outcome: 'busy', attempts: 3 });
    assert.deepEqual(m.get('+12125550487'), { state: 'done', outcome: 'no-answer', attempts: 2 });
    const busyStarts = h.carrier.starts.filter((s) => s.number === '+12125550486').map((s) => s.at);
    assert.ok((busyStarts[1] ?? 0) - (busyStarts[0] ?? 0) >= 60_000);
    assert.equal((await h.store.campaigns.get(c.campaign_sid))?.state, 'completed');
    await h.events.idle();
    const events = h.hookPayloads.map((p) => p.event);
    assert.equal(events.filter((e) => e === 'campaign:completed').length, 1);
    assert.equal(events.filter((e) => e === 'contact:attempt').length, 1 + 3 + 2 + 1);
    const result = h.hookPayloads.find((p) => p.event === 'contact:result' && p.number === '+12125550100');
    assert.deepEqual([result?.outcome, result?.attempts, result?.amd, result?.call_sid], ['human', 1, 'human', h.carrier.starts.find((s) => s.number === '+12125550100')?.sid]);
  } finally {
    await h.close();
  }
});

test('voicemail: hangup on amd_machine_detected by default; drop waits for the beep, then plays the verbs', async () => {
  const h = await dialerHarness();
  try {
    const a = await running(h, { pacing: { cps: 1 } }, ['+12125550101']);
    await runFor(h.clock, 2000, 10);
    assert.equal(h.carrier.hangups.length, 1);
    assert.equal((await contactsOf(h.store, a.campaign_sid)).get('+12125550101')?.outcome, 'machine');
    const verbs = [{ verb: 'say', text: 'Your appointment is tomorrow.' }];
    const b = await running(h, { pacing: { cps: 1 }, voicemail: { action: 'drop', verbs } }, ['+13105550101']);
    await runFor(h.clock, 2900, 10);
    assert.equal(h.carrier.drops.length, 0, 'not before the beep');
    await runFor(h.clock, 10_000, 10);
    assert.equal(h.carrier.drops.length, 1);
    assert.deepEqual(h.carrier.drops[0]?.verbs, verbs);
    assert.deepEqual((await contactsOf(h.store, b.campaign_sid)).get('+13105550101'), { state: 'done', outcome: 'machine', attempts: 1 });
  } finally {
    await h.close();
  }
});

test('calling windows: contacts outside their local window are not dialled until it opens (fake clock)', async () => {
  // Wednesday 06:00 UTC: 07:00 in Berlin, 01:00 in New York; window 09:00–20:00 local on weekdays.
  const h = await dialerHarness(Date.parse('2026-12-02T06:00:00Z'));
  try {
    const schedule = { timezone: 'America/New_York', windows: [{ days: ['mon', 'tue', 'wed', 'thu', 'fri'] as const, start: '09:00', end: '20:00' }] };
    await running(h, { pacing: { cps: 5 }, schedule: { ...schedule, windows: schedule.windows.map((w) => ({ ...w, days: [...w.days] })) } }, [
      { number: '+4930123456', timezone: 'Europe/Berlin' }, '+12125550100',
    ]);
    await runFor(h.clock, 2 * 3600_000 - 60_000, 30_000);
    assert.equal(h.carrier.starts.length, 0, 'nobody before 08:00 UTC');
    await runFor(h.clock, 120_000, 1000);
    assert.deepEqual(h.carrier.starts.map((s) => s.number), ['+4930123456'], 'Berlin at 09:00 local');
    const wall = new Date(h.clock.wallNow()).toISOString();
    assert.ok(wall >= '2026-12-02T08:00:00' && wall < '2026-12-02T08:02:00', wall);
    await runFor(h.clock, 6 * 3600_000 - 120_000, 30_000);
    assert.equal(h.carrier.starts.length, 1, 'New York still closed at 13:58 UTC');
    await runFor(h.clock, 180_000, 1000);
    assert.deepEqual(h.carrier.starts.map((s) => s.number), ['+4930123456', '+12125550100']);
  } finally {
    await h.close();
  }
});

test('DNC numbers are never dialled (the contact shows dnc); a pause stops new calls within one second', async () => {
  const h = await dialerHarness();
  try {
    await h.store.dnc.add(h.accountSid, '+12125551003');
    const c = await running(h, { pacing: { cps: 4 } }, numbers(40));
    await runFor(h.clock, 2000, 10);
    h.dialer.stop(c.campaign_sid);
    const n = h.carrier.starts.length;
    await runFor(h.clock, 10_000, 10);
    assert.ok(h.carrier.starts.length <= n + 1, 'at most one already being placed');
    assert.ok(!h.carrier.starts.some((s) => s.number === '+12125551003'));
    assert.equal((await contactsOf(h.store, c.campaign_sid)).get('+12125551003')?.outcome, 'dnc');
  } finally {
    await h.close();
  }
});

test('fair: two running campaigns of one account share its calls-per-second limit in proportion to their cps', async () => {
  const h = await dialerHarness(undefined, { max_calls_per_second: 3 });
  try {
    const a = await running(h, { pacing: { cps: 2 } }, numbers(100));
    const b = await running(h, { pacing: { cps: 4 } }, numbers(100, (i) => String(2000 + i)));
    await runFor(h.clock, 20_000, 10);
    const of = (sid: string, from: number): number => h.carrier.starts.filter((s) => s.at >= from && s.at < from + 10_000 && (sid === a.campaign_sid ? s.number < '+12125552000' : s.number >= '+12125552000')).length;
    assert.ok(Math.abs(of(a.campaign_sid, 10_000) - 10) <= 1, `a: ${of(a.campaign_sid, 10_000)}`);
    assert.ok(Math.abs(of(b.campaign_sid, 10_000) - 20) <= 1, `b: ${of(b.campaign_sid, 10_000)}`);
  } finally {
    await h.close();
  }
});

test('restart: attempts of calls that died with the process are settled from their CDRs; claimed-but-not-called contacts go back; the campaign resumes without double dials', async () => {
  const h = await dialerHarness();
  try {
    const c = await running(h, { pacing: { cps: 1 }, retry: { failed: { delay: 60, max_attempts: 2 } } }, ['+12125550100', '+12125550101', '+12125550102', '+12125550103']);
    h.dialer.close();
    // What a killed process leaves: an answered call (AMD said machine), an unanswered one, a claim without a call.
    const contacts = (await h.store.campaigns.listContacts(c.campaign_sid)).data;
    const [answered, ringing, claimed] = contacts.filter((x) => x.number !== '+12125550100');
    assert.ok(answered && ringing && claimed);
    assert.equal(h.carrier.starts.length, 1, 'one call placed before the crash');
    for (const [x, sid] of [[answered, 'dead-1'], [ringing, 'dead-2']] as const) {
      assert.ok(await h.store.campaigns.claimContact(x.contact_sid));
      await h.store.campaigns.recordAttempt({ call_sid: sid, campaign_sid: c.campaign_sid, contact_sid: x.contact_sid, started_at: '2026-12-02T12:00:00.000Z' });
    }
    await h.store.campaigns.setAttemptAmd('dead-1', 'machine');
    assert.ok(await h.store.campaigns.claimContact(claimed.contact_sid));
    const cdr = { account_sid: h.accountSid, direction: 'outbound', from: '+12125550000', trunk: 'x', attempted_at: '2026-12-02T12:00:00.000Z', host: 'h', timeline: [] };
    type CdrIn = Parameters<typeof h.store.cdrs.write>[0];
    await h.store.cdrs.write({ ...cdr, call_sid: 'dead-1', to: answered.number, answered: true, answered_at: '2026-12-02T12:00:01.000Z', terminated_at: '2026-12-02T12:00:05.000Z', termination_cause: 'failed', termination_reason: 'gateway restart' } as CdrIn);
    await h.store.cdrs.write({ ...cdr, call_sid: 'dead-2', to: ringing.number, answered: false, terminated_at: '2026-12-02T12:00:05.000Z', termination_cause: 'failed', termination_reason: 'gateway restart' } as CdrIn);
    const service = new CampaignService({ clock: h.clock, logger: nullLogger, store: h.store, calls: h.carrier, webhooks: h.webhooks });
    assert.equal(await service.resume(), 1);
    h.clock.advance(0);
    await flush();
    const m = await contactsOf(h.store, c.campaign_sid);
    assert.deepEqual(m.get(answered.number), { state: 'done', outcome: 'machine', attempts: 1 });
    assert.deepEqual(m.get(ringing.number), { state: 'scheduled', outcome: 'failed', attempts: 1 });
    await runFor(h.clock, 120_000, 100);
    await service.close();
    const dialled = h.carrier.starts.map((s) => s.number);
    assert.equal(dialled.filter((n) => n === claimed.number).length, 1, 'the claimed contact dialled once, after the restart');
    assert.equal(dialled.filter((n) => n === answered.number).length, 0, 'a settled machine is not dialled again');
    const counts = await h.store.campaigns.countContacts(c.campaign_sid);
    assert.equal(counts.states.done, 4, JSON.stringify([...(await contactsOf(h.store, c.campaign_sid)).entries()]));
  } finally {
    await h.close();
  }
});

test('acceptance 4: PUT paused (the service) stops new calls within one second; running again resumes without a burst', async () => {
  const h = await dialerHarness();
  try {
    const service = new CampaignService({ clock: h.clock, logger: nullLogger, store: h.store, calls: h.carrier, webhooks: h.webhooks });
    const c = await h.store.campaigns.create({ account_sid: h.accountSid, name: 'p', config: { ...base, pacing: { cps: 10 } } });
    await h.store.campaigns.addContacts(c.campaign_sid, numbers(200).map((number) => ({ number, timezone: null, tag: null })));
    await service.update(h.accountSid, c.campaign_sid, { state: 'running' });
    await runFor(h.clock, 3000, 10);
    await service.update(h.accountSid, c.campaign_sid, { state: 'paused' });
    const pausedAt = h.clock.now();
    await runFor(h.clock, 5000, 10);
    assert.ok(h.carrier.starts.every((s) => s.at <= pausedAt + 1000), 'no call started later than 1 s after the pause');
    const before = h.carrier.starts.length;
    await service.update(h.accountSid, c.campaign_sid, { state: 'running' });
    await runFor(h.clock, 1000, 10);
    const resumed = h.carrier.starts.slice(before).map((s) => s.at);
    assert.ok(resumed.length >= 9 && resumed.length <= 11, `${resumed.length} starts in the first second after resuming`);
    await service.close();
  } finally {
    await h.close();
  }
});

test('pacing: a late event loop (steps 250 ms late at 10 cps) keeps the rate: the grid catches up instead of slipping', async () => {
  const h = await dialerHarness();
  try {
    await running(h, { pacing: { cps: 10 } }, numbers(400));
    // Time jumps 250 ms at once (a blocked loop), then due timers run without time passing.
    for (let t = 0; t < 20_000; t += 250) {
      h.clock.advance(250);
      await flush();
      for (let k = 0; k < 5; k++) {
        h.clock.advance(0);
        await flush();
      }
    }
    const n = h.carrier.starts.filter((s) => s.at >= 5000 && s.at < 15_000).length;
    assert.ok(n >= 95 && n <= 105, `${n} starts in 10 s at 10 cps`);
  } finally {
    await h.close();
  }
});

test('cluster: a running campaign is dialled by one node at a time; when that node is lost another takes it over after the lease, without double dials', async () => {
  const h = await dialerHarness();
  const carrierB = new FakeCarrier(h.clock);
  const a = new CampaignService({ clock: h.clock, logger: nullLogger, store: h.store, calls: h.carrier, webhooks: h.webhooks, owner: 'node-a', leaseMs: 3000 });
  const b = new CampaignService({ clock: h.clock, logger: nullLogger, store: h.store, calls: carrierB, webhooks: h.webhooks, owner: 'node-b', leaseMs: 3000 });
  try {
    const c = await h.store.campaigns.create({ account_sid: h.accountSid, name: 'ha', config: { ...base, pacing: { cps: 5 } } });
    await h.store.campaigns.addContacts(c.campaign_sid, numbers(40).map((number) => ({ number, timezone: null, tag: null })));
    await a.update(h.accountSid, c.campaign_sid, { state: 'running' });
    assert.equal(await b.resume(), 0, 'node-a holds it');
    await runFor(h.clock, 4000, 10);
    assert.ok(h.carrier.starts.length >= 15);
    assert.equal(carrierB.starts.length, 0, 'node-b does not dial it while node-a renews its lease');
    // node-a is lost: no more renewals, its calls go silent.
    a.dialer.stop(c.campaign_sid, false);
    h.carrier.kill();
    const lostAt = h.clock.now();
    await runFor(h.clock, 20_000, 10);
    const firstB = carrierB.starts[0]?.at ?? Infinity;
    assert.ok(firstB - lostAt <= 5000 && firstB - lostAt >= 1000, `taken over ${firstB - lostAt} ms after the loss`);
    const numbersA = new Set(h.carrier.starts.map((s) => s.number));
    assert.ok(!carrierB.starts.some((s) => numbersA.has(s.number)), 'no contact dialled by both nodes');
    assert.equal(h.carrier.starts.length + carrierB.starts.length, 40);
    const counts = await h.store.campaigns.countContacts(c.campaign_sid);
    assert.equal((await h.store.campaigns.get(c.campaign_sid))?.state, 'completed', JSON.stringify(counts));
    assert.equal(counts.states.done, 40);
    assert.ok(counts.outcomes.failed > 0, 'the calls live on the lost node were settled (failed: no record of them)');
  } finally {
    await a.close();
    await b.close();
    await h.close();
  }
});

test('dates: nothing is dialled before start_at; what is left when end_at passes becomes expired and the campaign completes', async () => {
  const h = await dialerHarness(Date.parse('2026-12-02T12:00:00Z'));
  try {
    const schedule = { start_at: '2026-12-02T12:00:10Z', end_at: '2026-12-02T12:00:20Z' };
    const c = await running(h, { pacing: { cps: 1 }, schedule }, numbers(30));
    await runFor(h.clock, 9000, 100);
    assert.equal(h.carrier.starts.length, 0, 'before start_at');
    await runFor(h.clock, 20_000, 100);
    const first = h.carrier.starts[0]?.at ?? 0;
    assert.ok(first >= 10_000 && first < 11_000, `first call at ${first} ms`);
    assert.ok(h.carrier.starts.every((s) => s.at < 20_000), 'none after end_at');
    const counts = await h.store.campaigns.countContacts(c.campaign_sid);
    assert.equal(counts.outcomes.expired, 30 - h.carrier.starts.length);
    assert.equal(counts.states.done, 30);
    assert.equal((await h.store.campaigns.get(c.campaign_sid))?.state, 'completed');
  } finally {
    await h.close();
  }
});
