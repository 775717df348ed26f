import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { Store } from '../store/index.js';
import type { StoreLocation } from './store-contract.js';

/** Issue 17: the campaign and do-not-call repositories, one suite for every engine. */
export function campaignStoreContract(engine: string, newLocation: () => Promise<StoreLocation>): void {
  const withStore = (name: string, fn: (s: Store, loc: StoreLocation) => Promise<void>): void => {
    test(name, async () => {
      const loc = await newLocation();
      const s = await loc.open();
      try {
        await fn(s, loc);
      } finally {
        await s.close();
        await loc.dispose();
      }
    });
  };
  const setup = async (s: Store): Promise<{ account: string; campaign: string }> => {
    const a = await s.accounts.create({ name: 'dialer' });
    const c = await s.campaigns.create({ account_sid: a.account_sid, name: 'reminders', config: { pacing: { cps: 2 } } });
    return { account: a.account_sid, campaign: c.campaign_sid };
  };

  describe(`campaign store contract (${engine})`, () => {
    withStore('campaigns: created draft, state changes compare-and-set, listed by account and state, deleted with their contacts', async (s) => {
      const { account, campaign } = await setup(s);
      const c = await s.campaigns.get(campaign);
      assert.equal(c?.state, 'draft');
      assert.deepEqual(c?.config, { pacing: { cps: 2 } });
      assert.equal(await s.campaigns.update(campaign, { state: 'running', fromStates: ['paused'] }), false);
      assert.equal(await s.campaigns.update(campaign, { state: 'running', fromStates: ['draft', 'paused'] }), true);
      assert.equal((await s.campaigns.list({ state: 'running' })).length, 1);
      assert.equal((await s.campaigns.list({ account_sid: account })).length, 1);
      await s.campaigns.addContacts(campaign, [{ number: '+12125550100', timezone: null, tag: null }]);
      assert.equal(await s.campaigns.delete(campaign), true);
      assert.equal(await s.campaigns.get(campaign), undefined);
      assert.equal((await s.campaigns.listContacts(campaign)).total, 0);
    });

    withStore('contacts: a number is unique per campaign, duplicates counted; paging and filters; counts by state and outcome', async (s) => {
      const { campaign } = await setup(s);
      const r = await s.campaigns.addContacts(campaign, [
        { number: '+12125550100', timezone: 'America/New_York', tag: { name: 'Ann' } },
        { number: '+12125550101', timezone: null, tag: null },
        { number: '+12125550100', timezone: null, tag: null },
        { number: '+12125550486', timezone: null, tag: null, dnc: true },
      ]);
      assert.deepEqual(r, { added: 3, duplicates: 1 });
      assert.deepEqual(await s.campaigns.addContacts(campaign, [{ number: '+12125550101', timezone: null, tag: null }]), { added: 0, duplicates: 1 });
      const page = await s.campaigns.listContacts(campaign, { limit: 2, offset: 1 });
      assert.equal(page.total, 3);
      assert.deepEqual(page.data.map((c) => c.number), ['+12125550101', '+12125550486']);
      const first = (await s.campaigns.listContacts(campaign, { limit: 1 })).data[0];
      assert.deepEqual(first?.tag, { name: 'Ann' });
      assert.deepEqual(first?.call_sids, []);
      const dnc = await s.campaigns.listContacts(campaign, { outcome: 'dnc' });
      assert.deepEqual(dnc.data.map((c) => [c.number, c.state]), [['+12125550486', 'done']]);
      const counts = await s.campaigns.countContacts(campaign);
      assert.equal(counts.states.pending, 2);
      assert.equal(counts.states.done, 1);
      assert.equal(counts.outcomes.dnc, 1);
      assert.equal(counts.outcomes.busy, 0);
      assert.deepEqual((await s.campaigns.timezones(campaign, 'UTC')).sort(), ['America/New_York', 'UTC']);
    });

    withStore('contacts: claimed once, attempts recorded, settled once, due by time and timezone, orphans released', async (s) => {
      const { campaign } = await setup(s);
      await s.campaigns.addContacts(campaign, [
        { number: '+12125550100', timezone: 'Europe/Berlin', tag: null },
        { number: '+12125550101', timezone: null, tag: null },
      ]);
      const due = await s.campaigns.dueContacts(campaign, { now: '2026-01-01T00:00:00.000Z', defaultTimezone: 'UTC', limit: 10 });
      assert.equal(due.length, 2);
      const onlyUtc = await s.campaigns.dueContacts(campaign, { now: '2026-01-01T00:00:00.000Z', defaultTimezone: 'UTC', timezones: ['UTC'], limit: 10 });
      assert.deepEqual(onlyUtc.map((c) => c.number), ['+12125550101']);
      const [a, b] = due;
      assert.ok(a && b);
      assert.equal(await s.campaigns.claimContact(a.contact_sid), true);
      assert.equal(await s.campaigns.claimContact(a.contact_sid), false, 'never two live attempts');
      await s.campaigns.recordAttempt({ call_sid: 'call-1', campaign_sid: campaign, contact_sid: a.contact_sid, started_at: '2026-01-01T00:00:00.000Z' });
      assert.equal(await s.campaigns.setAttemptAmd('call-1', 'machine'), true);
      assert.equal(await s.campaigns.setAttemptAmd('call-1', 'human'), false, 'the first verdict stays');
      assert.equal((await s.campaigns.openAttempts(campaign)).length, 1);
      assert.equal(await s.campaigns.settleAttempt('call-1', 'machine', { state: 'scheduled', outcome: 'machine', next_attempt_at: '2026-01-01T01:00:00.000Z' }), true);
      assert.equal(await s.campaigns.settleAttempt('call-1', 'failed', { state: 'done', outcome: 'failed', next_attempt_at: null }), false, 'an outcome is settled once');
      const c = await s.campaigns.getContact(a.contact_sid);
      assert.deepEqual([c?.state, c?.outcome, c?.attempts, c?.call_sids, c?.amd], ['scheduled', 'machine', 1, ['call-1'], 'machine']);
      assert.equal((await s.campaigns.dueContacts(campaign, { now: '2026-01-01T00:30:00.000Z', defaultTimezone: 'UTC', limit: 10 })).length, 1, 'not due before its time');
      assert.equal((await s.campaigns.dueContacts(campaign, { now: '2026-01-01T01:00:00.000Z', defaultTimezone: 'UTC', limit: 10 })).length, 2);
      assert.equal(await s.campaigns.nextScheduled(campaign), '2026-01-01T01:00:00.000Z');
      assert.equal(await s.campaigns.claimContact(b.contact_sid), true);
      assert.equal(await s.campaigns.releaseOrphans(campaign), 1, 'claimed without a call: back to pending');
      assert.equal((await s.campaigns.getContact(b.contact_sid))?.state, 'pending');
      assert.equal(await s.campaigns.expireContacts(campaign), 2);
      assert.equal((await s.campaigns.countContacts(campaign)).outcomes.expired, 2);
    });

    withStore('attempts: recorded before the call; a call that could not be placed (429) is taken back whole', async (s) => {
      const { campaign } = await setup(s);
      await s.campaigns.addContacts(campaign, [{ number: '+12125550100', timezone: null, tag: null }]);
      const [c] = (await s.campaigns.listContacts(campaign)).data;
      assert.ok(c);
      assert.equal(await s.campaigns.claimContact(c.contact_sid), true);
      await s.campaigns.recordAttempt({ call_sid: 'pre-1', campaign_sid: campaign, contact_sid: c.contact_sid, started_at: '2026-01-01T00:00:00.000Z' });
      assert.equal(await s.campaigns.cancelAttempt('pre-1'), true);
      assert.equal(await s.campaigns.cancelAttempt('pre-1'), false);
      const back = await s.campaigns.getContact(c.contact_sid);
      assert.deepEqual([back?.state, back?.attempts, back?.call_sids], ['pending', 0, []]);
      assert.equal(await s.campaigns.getAttempt('pre-1'), undefined);
    });

    withStore('campaign lease: one owner at a time; renewed by its owner; taken over once it ends; released', async (s) => {
      const { campaign } = await setup(s);
      assert.equal(await s.campaigns.acquireLease(campaign, 'node-a', '2026-01-01T00:00:00.000Z', '2026-01-01T00:00:10.000Z'), true);
      assert.equal(await s.campaigns.acquireLease(campaign, 'node-b', '2026-01-01T00:00:05.000Z', '2026-01-01T00:00:15.000Z'), false, 'held by a');
      assert.equal(await s.campaigns.acquireLease(campaign, 'node-a', '2026-01-01T00:00:05.000Z', '2026-01-01T00:00:15.000Z'), true, 'renewed');
      assert.equal(await s.campaigns.acquireLease(campaign, 'node-b', '2026-01-01T00:00:14.000Z', '2026-01-01T00:00:24.000Z'), false);
      assert.equal(await s.campaigns.acquireLease(campaign, 'node-b', '2026-01-01T00:00:16.000Z', '2026-01-01T00:00:26.000Z'), true, 'a\'s lease ended');
      assert.equal((await s.campaigns.get(campaign))?.owner, 'node-b');
      await s.campaigns.releaseLease(campaign, 'node-a');
      assert.equal((await s.campaigns.get(campaign))?.owner, 'node-b', 'only the owner releases');
      await s.campaigns.releaseLease(campaign, 'node-b');
      assert.equal(await s.campaigns.acquireLease(campaign, 'node-a', '2026-01-01T00:00:17.000Z', '2026-01-01T00:00:27.000Z'), true);
    });

    withStore('do-not-call: per account, added once, listed, deleted; gone with the account', async (s) => {
      const { account } = await setup(s);
      const other = await s.accounts.create({ name: 'other' });
      assert.equal(await s.dnc.add(account, '+12125550100'), true);
      assert.equal(await s.dnc.add(account, '+12125550100'), false);
      assert.equal(await s.dnc.has(account, '+12125550100'), true);
      assert.equal(await s.dnc.has(other.account_sid, '+12125550100'), false);
      assert.deepEqual((await s.dnc.list(account)).map((d) => d.number), ['+12125550100']);
      assert.equal(await s.dnc.delete(account, '+12125550100'), true);
      assert.equal(await s.dnc.delete(account, '+12125550100'), false);
      await s.dnc.add(account, '+12125550101');
      await s.accounts.delete(account);
      assert.deepEqual(await s.dnc.list(account), []);
    });
  });
}
