/** Issue 17: outbound campaigns, their contacts and call attempts, and the per-account do-not-call list. */

export type CampaignState = 'draft' | 'running' | 'paused' | 'completed' | 'stopped';
export type ContactState = 'pending' | 'dialing' | 'scheduled' | 'done';
export type ContactOutcome = 'human' | 'machine' | 'answered' | 'busy' | 'no-answer' | 'failed' | 'dnc' | 'expired';

export const CONTACT_STATES: readonly ContactState[] = ['pending', 'dialing', 'scheduled', 'done'];
export const CONTACT_OUTCOMES: readonly ContactOutcome[] = ['human', 'machine', 'answered', 'busy', 'no-answer', 'failed', 'dnc', 'expired'];

export interface CampaignRecord {
  readonly campaign_sid: string;
  readonly account_sid: string;
  readonly name: string;
  readonly state: CampaignState;
  /** The campaign's definition as posted (validated by the app layer): from, pacing, schedule, retry, … */
  readonly config: Readonly<Record<string, unknown>>;
  /** The node dialling it while `lease_until` is in the future (a running campaign has one node at a time). */
  readonly owner: string | null;
  readonly lease_until: string | null;
  readonly created_at: string;
  readonly updated_at: string;
}

export interface CampaignInput {
  readonly account_sid: string;
  readonly name: string;
  readonly config: Readonly<Record<string, unknown>>;
}

/** A contact to add: `number` already in E.164 form (`+` and digits). */
export interface ContactInput {
  readonly number: string;
  readonly timezone: string | null;
  readonly tag: Readonly<Record<string, unknown>> | null;
  /** On the do-not-call list when added: stored `done` / `dnc`. */
  readonly dnc?: boolean;
}

export interface ContactRecord {
  readonly contact_sid: string;
  readonly campaign_sid: string;
  /** Upload order (the dialling order among contacts due at the same time). */
  readonly seq: number;
  readonly number: string;
  readonly timezone: string | null;
  readonly tag: Readonly<Record<string, unknown>> | null;
  readonly state: ContactState;
  readonly outcome: ContactOutcome | null;
  readonly attempts: number;
  readonly call_sids: readonly string[];
  /** The first AMD verdict of the latest answered attempt. */
  readonly amd: 'human' | 'machine' | null;
  readonly next_attempt_at: string | null;
  readonly updated_at: string;
}

export interface AttemptRecord {
  readonly call_sid: string;
  readonly campaign_sid: string;
  readonly contact_sid: string;
  readonly started_at: string;
  readonly amd: 'human' | 'machine' | null;
  /** Null while the call is live. */
  readonly outcome: ContactOutcome | null;
  readonly ended_at: string | null;
}

export interface ContactQuery {
  readonly state?: ContactState;
  readonly outcome?: ContactOutcome;
  readonly offset?: number;
  readonly limit?: number;
}

export interface ContactCounts {
  readonly states: Readonly<Record<ContactState, number>>;
  readonly outcomes: Readonly<Record<ContactOutcome, number>>;
}

/** Where a contact goes after an attempt: done with its outcome, or scheduled for another try. */
export interface ContactNext {
  readonly state: 'done' | 'scheduled';
  readonly outcome: ContactOutcome;
  readonly next_attempt_at: string | null;
}

export interface DueQuery {
  /** ISO time: scheduled contacts due at or before it. */
  readonly now: string;
  /** Only contacts whose timezone (own, else `defaultTimezone`) is one of these; undefined = any. */
  readonly timezones?: readonly string[];
  readonly defaultTimezone: string;
  readonly limit: number;
}

export interface DncEntry {
  readonly account_sid: string;
  readonly number: string;
  readonly created_at: string;
}
