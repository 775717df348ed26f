import type { CallInfo } from '../../call/control.js';
import type { ContactNext, ContactOutcome } from '../../store/index.js';
import type { HookSpec } from '../../verbs/index.js';
import type { Schedule } from './schedule.js';

/** What a campaign is made of (issue 17, "The exact shapes"); stored as the campaign's config. */
export interface CampaignConfig {
  readonly name: string;
  readonly application_sid?: string;
  readonly call_hook?: HookSpec;
  /** A number or a pool of the account's numbers, rotated call by call. */
  readonly from: string | readonly string[];
  readonly trunk?: string;
  readonly timeout?: number;
  readonly amd?: Readonly<Record<string, unknown>>;
  readonly tag?: Readonly<Record<string, unknown>>;
  readonly notifyUrl?: HookSpec;
  readonly statusHook?: HookSpec;
  readonly pacing: Pacing;
  readonly schedule?: Schedule;
  readonly retry?: Partial<Readonly<Record<RetryOutcome, RetryRule>>>;
  readonly voicemail?: Voicemail;
}

export interface Pacing {
  /** Call starts per second. */
  readonly cps: number;
  /** Default: the account's concurrent-call limit (none: unlimited). */
  readonly max_concurrent?: number;
}

export type RetryOutcome = 'busy' | 'no-answer' | 'failed' | 'machine';

export interface RetryRule {
  /** Seconds from the end of the attempt to the next one. */
  readonly delay: number;
  /** The contact's attempts in all, counting the first. */
  readonly max_attempts: number;
}

export interface Voicemail {
  readonly action?: 'hangup' | 'drop';
  /** Played after the beep (action `drop`). */
  readonly verbs?: readonly unknown[];
}

export const DEFAULT_TIMEZONE = 'UTC';

/** The `from` numbers in rotation order. */
export function fromPool(c: CampaignConfig): readonly string[] {
  return typeof c.from === 'string' ? [c.from] : c.from;
}

/** Not answered: 486/600/603 → busy; ring timeout or 487 → no-answer; any other failure → failed (issue 17). */
export function unansweredOutcome(info: Pick<CallInfo, 'call_status' | 'sip_status'>): ContactOutcome {
  if (info.sip_status === 486 || info.sip_status === 600 || info.sip_status === 603 || info.call_status === 'busy') return 'busy';
  if (info.sip_status === 487 || info.call_status === 'no-answer') return 'no-answer';
  return 'failed';
}

/** Answered: the first AMD verdict, else `answered` (AMD off, or no verdict before the end). */
export function answeredOutcome(amd: 'human' | 'machine' | null | undefined): ContactOutcome {
  return amd ?? 'answered';
}

/**
 * Where a contact goes after an attempt with `outcome`: human / answered are final; a retryable
 * outcome with a rule is tried again after its delay while the contact has had fewer than
 * `max_attempts` attempts; anything else is final.
 */
export function nextStep(c: CampaignConfig, outcome: ContactOutcome, attempts: number, wallMs: number): ContactNext {
  const rule = outcome === 'busy' || outcome === 'no-answer' || outcome === 'failed' || outcome === 'machine' ? c.retry?.[outcome] : undefined;
  if (!rule || attempts >= rule.max_attempts) return { state: 'done', outcome, next_attempt_at: null };
  return { state: 'scheduled', outcome, next_attempt_at: new Date(wallMs + rule.delay * 1000).toISOString() };
}
