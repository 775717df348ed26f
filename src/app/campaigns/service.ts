import type { Clock, TimerHandle } from '../../kernel/clock.js';
import { detach } from '../../kernel/detached.js';
import type { Logger } from '../../kernel/logger.js';
import type { CampaignRecord, CampaignState, ContactCounts, ContactQuery, ContactRecord, Store } from '../../store/index.js';
import type { WebhookSender } from '../../verbs/index.js';
import type { CampaignConfig, Pacing } from './config.js';
import { contactsFromCsv, type ParsedContacts, type RowError } from './contacts.js';
import { toCsv } from './csv.js';
import { Dialer, type CallPlacer } from './dialer.js';
import { CampaignError } from './errors.js';
import { CampaignEvents } from './events.js';
import { settleEnded } from './recovery.js';
import { checkCampaign, dncNumber } from './validate.js';

export interface CampaignServiceOptions {
  readonly clock: Clock;
  readonly logger: Logger;
  readonly store: Store;
  readonly calls: CallPlacer;
  readonly webhooks: WebhookSender;
  readonly idlePollMs?: number;
  /** This node (its SIP address): the owner of the campaigns it dials. */
  readonly owner?: string;
  /** A campaign's lease (ms, default 15000): a lost node's campaigns are taken over after it. */
  readonly leaseMs?: number;
}

/** GET of a campaign: its definition, state, counts (issue 17) and live progress. */
export interface CampaignView extends Readonly<Record<string, unknown>> {
  readonly sid: string;
  readonly state: CampaignState;
  readonly counts: Readonly<Record<string, number>>;
}

/** state → the states a PUT may move it to. */
const TRANSITIONS: Readonly<Record<CampaignState, readonly CampaignState[]>> = {
  draft: ['running', 'stopped'],
  running: ['paused', 'stopped'],
  paused: ['running', 'stopped'],
  completed: [],
  stopped: [],
};

export interface UploadResult {
  readonly added: number;
  readonly duplicates: number;
  readonly errors: readonly RowError[];
}

/** Issue 17: campaigns as the REST API sees them, and the dialer that runs them. */
export class CampaignService {
  readonly events: CampaignEvents;
  readonly dialer: Dialer;
  private adoptTimer?: TimerHandle;
  private closed = false;
  private readonly leaseMs: number;

  constructor(private readonly o: CampaignServiceOptions) {
    this.leaseMs = o.leaseMs ?? 15_000;
    this.events = new CampaignEvents({ webhooks: o.webhooks, store: o.store, clock: o.clock, logger: o.logger });
    this.dialer = new Dialer({ clock: o.clock, logger: o.logger, store: o.store, calls: o.calls, events: this.events, idlePollMs: o.idlePollMs, owner: o.owner, leaseMs: this.leaseMs });
  }

  /**
   * On start: takes up the running campaigns no live node holds (settling from the CDRs the calls
   * a previous process left), then keeps looking for campaigns whose node was lost. Resolves to
   * the number of campaigns it runs. With SQLite (one process) the rest are settled too.
   */
  async resume(): Promise<number> {
    const n = await this.adoptAll();
    if (this.o.store.kind === 'sqlite') {
      for (const c of await this.o.store.campaigns.list()) {
        if (c.state === 'running') continue;
        await this.o.store.campaigns.releaseOrphans(c.campaign_sid);
        await settleEnded({ store: this.o.store, clock: this.o.clock, events: this.events }, c, new Set());
      }
    }
    if (n > 0) this.o.logger.info('campaigns resumed', { campaigns: n });
    this.armAdoption();
    return n;
  }

  private async adoptAll(): Promise<number> {
    let n = 0;
    for (const c of await this.o.store.campaigns.list({ state: 'running' })) {
      if (this.dialer.isRunning(c.campaign_sid) || (await this.dialer.adopt(c))) n += 1;
    }
    return n;
  }

  /** Every half lease: running campaigns whose node stopped renewing are taken over. */
  private armAdoption(): void {
    if (this.closed) return;
    this.adoptTimer = this.o.clock.setTimer(this.leaseMs / 2, () => {
      detach(this.o.logger, 'adopting campaigns', this.adoptAll().then(() => this.armAdoption(), (e: unknown) => {
        this.armAdoption();
        throw e;
      }));
    });
  }

  /** No new calls (the leases are given up); waits for the statusHook events already queued. */
  async close(): Promise<void> {
    this.closed = true;
    this.adoptTimer?.cancel();
    this.dialer.close();
    await this.events.idle();
  }

  async create(accountSid: string, config: CampaignConfig): Promise<CampaignRecord> {
    await checkCampaign(this.o.store, accountSid, config);
    return this.o.store.campaigns.create({ account_sid: accountSid, name: config.name, config: config as unknown as Record<string, unknown> });
  }

  /** The account's campaign, or CAMPAIGN_NOT_FOUND (another account's sid is not confirmed). */
  async record(accountSid: string, sid: string): Promise<CampaignRecord> {
    const c = await this.o.store.campaigns.get(sid);
    if (!c || c.account_sid !== accountSid) throw new CampaignError('CAMPAIGN_NOT_FOUND', 'campaign not found');
    return c;
  }

  async view(accountSid: string, sid: string): Promise<CampaignView> {
    return this.toView(await this.record(accountSid, sid));
  }

  async list(accountSid: string): Promise<CampaignView[]> {
    const all = await this.o.store.campaigns.list({ account_sid: accountSid });
    return Promise.all(all.map((c) => this.toView(c)));
  }

  private async toView(c: CampaignRecord): Promise<CampaignView> {
    const counts = await this.o.store.campaigns.countContacts(c.campaign_sid);
    const cfg = c.config as unknown as CampaignConfig;
    return {
      sid: c.campaign_sid, campaign_sid: c.campaign_sid, account_sid: c.account_sid, ...c.config, state: c.state,
      counts: { ...counts.states, ...counts.outcomes }, progress: this.progress(c.campaign_sid, cfg, counts),
      created_at: c.created_at, updated_at: c.updated_at,
    };
  }

  /** Current CPS and concurrency, answer rate, AMD split, and the seconds left at the campaign's pace. */
  private progress(sid: string, cfg: CampaignConfig, counts: ContactCounts): Readonly<Record<string, unknown>> {
    const o = counts.outcomes;
    const s = counts.states;
    const answered = o.human + o.machine + o.answered;
    const reached = answered + o.busy + o['no-answer'] + o.failed;
    const { cps, concurrency } = this.dialer.stats(sid);
    return {
      cps, concurrency,
      answer_rate: reached > 0 ? answered / reached : null,
      amd: { human: o.human, machine: o.machine },
      eta_seconds: Math.ceil((s.pending + s.scheduled + s.dialing) / cfg.pacing.cps),
    };
  }

  /** PUT: a state change (draft → running ⇄ paused → stopped) and/or new pacing. */
  async update(accountSid: string, sid: string, patch: { state?: CampaignState; pacing?: Partial<Pacing> }): Promise<CampaignView> {
    const c = await this.record(accountSid, sid);
    const config = patch.pacing ? { ...c.config, pacing: { ...(c.config.pacing as Pacing), ...patch.pacing } } : c.config;
    const to = patch.state ?? c.state;
    if (to !== c.state && !TRANSITIONS[c.state].includes(to)) throw new CampaignError('CAMPAIGN_WRONG_STATE', `a ${c.state} campaign cannot become ${to}`, 'state');
    if (!(await this.o.store.campaigns.update(sid, { state: to, config, fromStates: [c.state] }))) throw new CampaignError('CAMPAIGN_WRONG_STATE', 'the campaign changed meanwhile; read it again', 'state');
    const updated = await this.record(accountSid, sid);
    if (to === 'running') await this.dialer.start(updated);
    else this.dialer.stop(sid);
    if (to !== c.state && (to === 'running' || to === 'paused')) this.events.send(updated, to === 'running' ? 'campaign:started' : 'campaign:paused');
    return this.toView(updated);
  }

  async delete(accountSid: string, sid: string): Promise<void> {
    const c = await this.record(accountSid, sid);
    if (c.state === 'running') throw new CampaignError('CAMPAIGN_WRONG_STATE', 'pause or stop the campaign before deleting it', 'state');
    this.dialer.stop(sid);
    await this.o.store.campaigns.delete(sid);
  }

  /** Adds parsed contacts (numbers on the account's DNC list are stored done / dnc). */
  async addContacts(accountSid: string, sid: string, parsed: ParsedContacts): Promise<UploadResult> {
    const c = await this.record(accountSid, sid);
    if (c.state === 'completed' || c.state === 'stopped') throw new CampaignError('CAMPAIGN_WRONG_STATE', `a ${c.state} campaign takes no contacts`, 'state');
    const dnc = new Set((await this.o.store.dnc.list(accountSid)).map((d) => d.number));
    const { added, duplicates } = await this.o.store.campaigns.addContacts(sid, parsed.contacts.map((x) => (dnc.has(x.number) ? { ...x, dnc: true } : x)));
    return { added, duplicates, errors: parsed.errors };
  }

  async contacts(accountSid: string, sid: string, q: ContactQuery): Promise<{ total: number; data: ContactRecord[] }> {
    await this.record(accountSid, sid);
    return this.o.store.campaigns.listContacts(sid, q);
  }

  /** The results as CSV (RFC 4180), one row per contact, paged through the store. */
  async exportCsv(accountSid: string, sid: string, q: ContactQuery): Promise<string> {
    await this.record(accountSid, sid);
    const rows: unknown[][] = [['number', 'timezone', 'state', 'outcome', 'attempts', 'amd', 'call_sids', 'next_attempt_at', 'tag']];
    for (let offset = 0; ; offset += 1000) {
      const page = await this.o.store.campaigns.listContacts(sid, { ...q, offset, limit: 1000 });
      for (const c of page.data) rows.push([c.number, c.timezone, c.state, c.outcome, c.attempts, c.amd, c.call_sids.join(' '), c.next_attempt_at, c.tag]);
      if (page.data.length < 1000) break;
    }
    return toCsv(rows);
  }

  async dncAdd(accountSid: string, number: string): Promise<{ number: string; added: boolean }> {
    const n = dncNumber(number);
    return { number: n, added: await this.o.store.dnc.add(accountSid, n) };
  }

  async dncImport(accountSid: string, csv: string): Promise<UploadResult> {
    const parsed = contactsFromCsv(csv);
    let added = 0;
    for (const c of parsed.contacts) if (await this.o.store.dnc.add(accountSid, c.number)) added += 1;
    return { added, duplicates: parsed.contacts.length - added, errors: parsed.errors };
  }

  async dncDelete(accountSid: string, number: string): Promise<boolean> {
    return this.o.store.dnc.delete(accountSid, dncNumber(number));
  }
}
