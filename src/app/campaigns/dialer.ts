import { CallError } from '../../call/errors.js';
import type { Clock, TimerHandle } from '../../kernel/clock.js';
import { detach } from '../../kernel/detached.js';
import { newSid } from '../../kernel/ids.js';
import type { Logger } from '../../kernel/logger.js';
import type { Account, CampaignRecord, ContactOutcome, ContactRecord, Store } from '../../store/index.js';
import type { CreateCallBody, CreateCallOptions } from '../calls-service.js';
import { AttemptTracker } from './attempt.js';
import { DEFAULT_TIMEZONE, fromPool, type CampaignConfig } from './config.js';
import type { CampaignEvents } from './events.js';
import { LeaseKeeper } from './lease.js';
import { settleEnded } from './recovery.js';
import { settleAttempt } from './settle.js';
import { datePhase, LocalTimes } from './schedule.js';

/** How campaigns place calls: `CallsService.create`, in process. */
export interface CallPlacer {
  create(accountSid: string, body: CreateCallBody, opts?: CreateCallOptions): Promise<{ sid: string }>;
}

export interface DialerOptions {
  readonly clock: Clock;
  readonly logger: Logger;
  readonly store: Store;
  readonly calls: CallPlacer;
  readonly events: CampaignEvents;
  /** How often a campaign with nothing to dial looks again (ms). Default 1000. */
  readonly idlePollMs?: number;
  /** This node, the owner of the campaigns it dials (default: a random id per process). */
  readonly owner?: string;
  /** How long a campaign's lease lasts unrenewed (ms). Default 15000. */
  readonly leaseMs?: number;
}

/** One running campaign in this process. */
interface Run {
  campaign: CampaignRecord;
  config: CampaignConfig;
  account: Account;
  timer?: TimerHandle;
  /** Monotonic time of the next call start (1/cps apart). */
  nextStartAt: number;
  queue: ContactRecord[];
  queuedAt: number;
  stopped: boolean;
  /** Waiting for a live call to end (max_concurrent reached). */
  blocked: boolean;
  /** The next start restarts the pacing grid (after an idle spell: no catch-up burst). */
  regrid: boolean;
  fromIndex: number;
  /** Monotonic times of the starts of the last 10 s (current CPS). */
  starts: number[];
}

/** A queue older than this is fetched again (calling windows, DNC and new uploads are seen). */
const QUEUE_TTL_MS = 1000;
/** How far behind its grid a campaign may catch up (a late event loop), at most. */
const MAX_CATCH_UP_MS = 1000;

/**
 * The campaign dialer (issue 17): paces call starts of each running campaign 1/cps apart (the
 * first at once, no burst), keeps under its max_concurrent and its share of the account's limits
 * (shares in proportion to cps), dials only contacts inside their calling window, and turns each
 * call's end into the contact's outcome and next step. Every state change is a compare-and-set
 * in the store, so a contact is never dialled twice at once, and a restart resumes from the store.
 */
export class Dialer {
  private readonly runs = new Map<string, Run>();
  /** Calls being placed or live, per campaign. */
  private readonly live = new Map<string, number>();
  /** Call sids of this process's calls not settled yet. */
  private readonly liveSids = new Set<string>();
  private readonly times = new LocalTimes();
  private readonly idlePollMs: number;
  readonly leases: LeaseKeeper;

  constructor(private readonly o: DialerOptions) {
    this.idlePollMs = o.idlePollMs ?? 1000;
    this.leases = new LeaseKeeper({ clock: o.clock, logger: o.logger, store: o.store, owner: o.owner ?? newSid(), leaseMs: o.leaseMs ?? 15_000 });
  }

  /**
   * Takes a running campaign over (start, restart, or a lost node's): its lease, then what the
   * store says was in flight — contacts claimed without a call go back, attempts whose calls ended
   * are settled — then dials it. False when another node holds it.
   */
  async adopt(campaign: CampaignRecord): Promise<boolean> {
    if (this.runs.has(campaign.campaign_sid)) return true;
    if (!(await this.leases.acquire(campaign.campaign_sid))) return false;
    await this.o.store.campaigns.releaseOrphans(campaign.campaign_sid);
    await settleEnded({ store: this.o.store, clock: this.o.clock, events: this.o.events }, campaign, this.liveSids);
    return this.start(campaign);
  }

  isRunning(campaignSid: string): boolean {
    return this.runs.has(campaignSid);
  }

  /** Starts (or refreshes the config of) a running campaign; false when another node holds it. */
  async start(campaign: CampaignRecord): Promise<boolean> {
    const sid = campaign.campaign_sid;
    const existing = this.runs.get(sid);
    if (existing) {
      existing.campaign = campaign;
      existing.config = campaign.config as unknown as CampaignConfig;
      return true;
    }
    if (!(await this.leases.acquire(sid))) return false;
    const account = await this.o.store.accounts.get(campaign.account_sid);
    if (!account) return false;
    if (this.runs.has(sid)) return true;
    const run: Run = {
      campaign, config: campaign.config as unknown as CampaignConfig, account, nextStartAt: this.o.clock.now(), queue: [], queuedAt: 0,
      stopped: false, blocked: false, regrid: true, fromIndex: 0, starts: [],
    };
    this.runs.set(sid, run);
    this.leases.hold(sid, () => this.stop(sid, false), () => this.refresh(run));
    this.arm(run, 0);
    return true;
  }

  /** After each lease renewal: the stored campaign (a PUT on another node), and calls that ended elsewhere. */
  private async refresh(run: Run): Promise<void> {
    const c = await this.o.store.campaigns.get(run.campaign.campaign_sid);
    if (!c || c.state !== 'running') {
      this.stop(run.campaign.campaign_sid);
      return;
    }
    run.campaign = c;
    run.config = c.config as unknown as CampaignConfig;
    await settleEnded({ store: this.o.store, clock: this.o.clock, events: this.o.events }, c, this.liveSids);
  }

  /** No new calls from now on (pause, stop, lease lost); live calls still settle. */
  stop(campaignSid: string, releaseLease = true): void {
    const run = this.runs.get(campaignSid);
    if (!run) return;
    run.stopped = true;
    run.timer?.cancel();
    this.runs.delete(campaignSid);
    this.leases.release(campaignSid, releaseLease);
  }

  /** Stops every campaign here and gives their leases up (another node may go on at once). */
  close(): void {
    for (const sid of [...this.runs.keys()]) this.stop(sid);
  }

  /** Starts per second over the last 10 s, and calls being placed or live. */
  stats(campaignSid: string): { cps: number; concurrency: number } {
    const run = this.runs.get(campaignSid);
    const now = this.o.clock.now();
    const recent = run ? run.starts.filter((t) => now - t < 10_000).length : 0;
    return { cps: recent / 10, concurrency: this.live.get(campaignSid) ?? 0 };
  }

  /** The campaign's pace and ceiling: its own, within its cps-weighted share of the account's limits. */
  limits(run: Run): { cps: number; concurrent: number } {
    const peers = [...this.runs.values()].filter((r) => r.campaign.account_sid === run.campaign.account_sid);
    const total = peers.reduce((n, r) => n + r.config.pacing.cps, 0);
    const share = total > 0 ? run.config.pacing.cps / total : 1;
    const acct = run.account;
    let cps = run.config.pacing.cps;
    if (acct.max_calls_per_second !== null) cps = Math.min(cps, acct.max_calls_per_second * share);
    let concurrent = run.config.pacing.max_concurrent ?? acct.max_concurrent_calls ?? Number.POSITIVE_INFINITY;
    if (acct.max_concurrent_calls !== null) concurrent = Math.min(concurrent, Math.max(1, Math.floor(acct.max_concurrent_calls * share)));
    return { cps, concurrent };
  }

  private arm(run: Run, delayMs: number): void {
    run.timer?.cancel();
    run.timer = this.o.clock.setTimer(delayMs, () => {
      run.timer = undefined;
      detach(this.o.logger, 'campaign dialer step', this.step(run));
    });
  }

  private async step(run: Run): Promise<void> {
    if (run.stopped) return;
    let wait: number | 'blocked';
    try {
      wait = await this.once(run);
    } catch (e) {
      this.o.logger.error('campaign dialer step failed', { campaign_sid: run.campaign.campaign_sid, err: e instanceof Error ? e : String(e) });
      wait = this.idlePollMs;
    }
    if (run.stopped) return;
    if (wait === 'blocked') run.blocked = true;
    else this.arm(run, wait);
  }

  /** One step: start a call if one is due; resolves to the wait until the next step. */
  private async once(run: Run): Promise<number | 'blocked'> {
    const now = this.o.clock.now();
    if (now < run.nextStartAt) return run.nextStartAt - now;
    const phase = datePhase(run.config.schedule, this.o.clock.wallNow());
    if (phase !== 'open') {
      run.regrid = true;
      if (phase === 'ended') {
        await this.o.store.campaigns.expireContacts(run.campaign.campaign_sid);
        await this.checkCompleted(run.campaign.campaign_sid);
      }
      return this.idlePollMs;
    }
    const limits = this.limits(run);
    if ((this.live.get(run.campaign.campaign_sid) ?? 0) >= limits.concurrent) {
      run.regrid = true;
      return 'blocked';
    }
    const contact = await this.nextContact(run);
    if (!contact) {
      run.regrid = true;
      if ((this.live.get(run.campaign.campaign_sid) ?? 0) === 0) await this.checkCompleted(run.campaign.campaign_sid);
      return this.idlePollMs;
    }
    if (!(await this.claim(run, contact))) return 0;
    // Spaced 1/cps on a grid. A step the event loop ran late keeps the grid (the next start comes
    // sooner, so the rate holds); after an idle spell, or more than a second late, it restarts now.
    const slot = run.regrid || now - run.nextStartAt > MAX_CATCH_UP_MS ? now : run.nextStartAt;
    run.regrid = false;
    run.nextStartAt = slot + 1000 / limits.cps;
    run.starts.push(now);
    while (run.starts.length > 0 && now - (run.starts[0] ?? now) >= 10_000) run.starts.shift();
    detach(this.o.logger, 'placing a campaign call', this.dial(run, contact));
    return Math.max(0, run.nextStartAt - this.o.clock.now());
  }

  /** The next due contact whose local time is inside a calling window, in upload order. */
  private async nextContact(run: Run): Promise<ContactRecord | undefined> {
    const now = this.o.clock.now();
    if (run.queue.length === 0 || now - run.queuedAt > QUEUE_TTL_MS) {
      const sid = run.campaign.campaign_sid;
      const tz = run.config.schedule?.timezone ?? DEFAULT_TIMEZONE;
      const windows = run.config.schedule?.windows;
      const wall = this.o.clock.wallNow();
      const timezones = windows && windows.length > 0
        ? (await this.o.store.campaigns.timezones(sid, tz)).filter((z) => this.times.open(windows, wall, z))
        : undefined;
      // The account's limits are read again with each batch (an admin may change them while it runs).
      run.account = (await this.o.store.accounts.get(run.campaign.account_sid)) ?? run.account;
      const limit = Math.max(10, Math.ceil(run.config.pacing.cps * 2));
      run.queue = await this.o.store.campaigns.dueContacts(sid, { now: new Date(wall).toISOString(), timezones, defaultTimezone: tz, limit });
      run.queuedAt = now;
    }
    return run.queue.shift();
  }

  /** DNC check, then pending|scheduled → dialing; false when the contact is not to be dialled now. */
  private async claim(run: Run, contact: ContactRecord): Promise<boolean> {
    const { store } = this.o;
    if (await store.dnc.has(run.campaign.account_sid, contact.number)) {
      if (await store.campaigns.finishContact(contact.contact_sid, 'dnc')) {
        this.o.events.send(run.campaign, 'contact:result', { number: contact.number, outcome: 'dnc', attempts: contact.attempts, amd: null, call_sid: null });
      }
      return false;
    }
    if (!(await store.campaigns.claimContact(contact.contact_sid))) return false;
    if (run.stopped) {
      await store.campaigns.releaseContact(contact.contact_sid);
      return false;
    }
    this.live.set(run.campaign.campaign_sid, (this.live.get(run.campaign.campaign_sid) ?? 0) + 1);
    return true;
  }

  private callBody(run: Run, contact: ContactRecord): CreateCallBody {
    const c = run.config;
    const pool = fromPool(c);
    const from = pool[run.fromIndex++ % pool.length] ?? '';
    const tag = c.tag || contact.tag ? { ...c.tag, ...contact.tag } : undefined;
    return {
      application_sid: c.application_sid, call_hook: c.call_hook, from, to: { type: 'phone', number: contact.number, ...(c.trunk ? { trunk: c.trunk } : {}) },
      timeout: c.timeout ?? 60, tag, amd: c.amd, notifyUrl: c.notifyUrl,
    };
  }

  /** Follows one call: its AMD verdict and its end go to the store in order. */
  private tracker(campaign: CampaignRecord, config: CampaignConfig, callSid: string): AttemptTracker {
    let settled: Promise<void> = Promise.resolve();
    return new AttemptTracker(config.voicemail, {
      verdict: (v) => {
        settled = settled.then(() => this.o.store.campaigns.setAttemptAmd(callSid, v)).then(() => undefined);
      },
      ended: (outcome) => {
        settled = settled.then(() => this.settle(campaign, config, callSid, outcome));
        detach(this.o.logger, 'settling a campaign call', settled);
      },
      failure: (message) => this.o.logger.warn('campaign voicemail action failed', { campaign_sid: campaign.campaign_sid, call_sid: callSid, message }),
    });
  }

  /**
   * Records the attempt under a new call sid, then places the call with that sid. A crash at any
   * point leaves a contact claimed without an attempt (put back on start) or an attempt whose call
   * has a record or none (settled from it): no call the store does not know of. A 429 (account
   * limit) or a draining gateway takes the attempt back and the campaign waits.
   */
  private async dial(run: Run, contact: ContactRecord): Promise<void> {
    const { store } = this.o;
    const { campaign, config } = run;
    const callSid = newSid();
    // Live here from before its attempt exists: a lease renewal's sweep must never settle it.
    this.liveSids.add(callSid);
    try {
      await store.campaigns.recordAttempt({ call_sid: callSid, campaign_sid: campaign.campaign_sid, contact_sid: contact.contact_sid, started_at: new Date(this.o.clock.wallNow()).toISOString() });
    } catch (e) {
      this.liveSids.delete(callSid);
      this.endLive(campaign.campaign_sid);
      throw e;
    }
    const tracker = this.tracker(campaign, config, callSid);
    try {
      await this.o.calls.create(campaign.account_sid, this.callBody(run, contact), { observer: tracker, callSid });
    } catch (e) {
      if (e instanceof CallError && (e.code === 'CALL_LIMIT' || e.code === 'CALL_SHUTTING_DOWN')) {
        this.liveSids.delete(callSid);
        this.endLive(campaign.campaign_sid);
        await store.campaigns.cancelAttempt(callSid);
        run.queue = [];
        run.nextStartAt = Math.max(run.nextStartAt, this.o.clock.now() + (e.retryAfterSeconds ?? 1) * 1000);
        run.regrid = true;
        run.starts.pop();
        return;
      }
      this.o.logger.warn('a campaign call could not be placed', { campaign_sid: campaign.campaign_sid, call_sid: callSid, err: e instanceof Error ? e : String(e) });
      await this.settle(campaign, config, callSid, 'failed');
      return;
    }
    this.o.events.send(campaign, 'contact:attempt', { number: contact.number, attempt: contact.attempts + 1, call_sid: callSid });
    tracker.open();
  }

  /** The attempt's outcome, and the contact's next step (retry or done), in the store; then the campaign may go on. */
  private async settle(campaign: CampaignRecord, config: CampaignConfig, callSid: string, outcome: ContactOutcome): Promise<void> {
    try {
      await settleAttempt(this.o.store, this.o.events, this.o.clock, campaign, config, callSid, outcome);
    } finally {
      this.liveSids.delete(callSid);
      this.endLive(campaign.campaign_sid);
    }
    const run = this.runs.get(campaign.campaign_sid);
    if (run && (this.live.get(campaign.campaign_sid) ?? 0) === 0 && run.queue.length === 0) await this.checkCompleted(campaign.campaign_sid);
  }

  private endLive(campaignSid: string): void {
    this.live.set(campaignSid, Math.max(0, (this.live.get(campaignSid) ?? 1) - 1));
    const run = this.runs.get(campaignSid);
    if (run?.blocked && !run.stopped) {
      run.blocked = false;
      this.arm(run, Math.max(0, run.nextStartAt - this.o.clock.now()));
    }
  }

  /** A running campaign with nothing pending, dialling or scheduled is completed (event `campaign:completed`). */
  async checkCompleted(campaignSid: string): Promise<boolean> {
    const { states } = await this.o.store.campaigns.countContacts(campaignSid);
    if (states.pending + states.dialing + states.scheduled > 0) return false;
    if (!(await this.o.store.campaigns.update(campaignSid, { state: 'completed', fromStates: ['running'] }))) return false;
    const run = this.runs.get(campaignSid);
    this.stop(campaignSid);
    const c = run?.campaign ?? (await this.o.store.campaigns.get(campaignSid));
    if (c) this.o.events.send(c, 'campaign:completed', { counts: await this.o.store.campaigns.countContacts(campaignSid) });
    return true;
  }
}
