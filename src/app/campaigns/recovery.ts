import type { CallStatus } from '../../call/control.js';
import type { Clock } from '../../kernel/clock.js';
import type { AttemptRecord, CampaignRecord, ContactOutcome, Store } from '../../store/index.js';
import { answeredOutcome, unansweredOutcome, type CampaignConfig } from './config.js';
import type { CampaignEvents } from './events.js';
import { settleAttempt } from './settle.js';

/** The outcome of an attempt whose call is no longer live here, from its CDR (undefined: the call has not ended yet). */
export function outcomeFromCdr(a: AttemptRecord, cdr: { answered: boolean; sip_status: number | null; termination_cause: string | null; terminated_at: string | null } | undefined): ContactOutcome | undefined {
  // Every placed call has a record from its INVITE on (issue 12): none means it never went out.
  if (!cdr) return 'failed';
  if (cdr.terminated_at === null) return undefined;
  if (cdr.answered) return answeredOutcome(a.amd);
  return unansweredOutcome({ call_status: (cdr.termination_cause ?? 'failed') as CallStatus, sip_status: cdr.sip_status ?? 500 });
}

/**
 * Settles the open attempts of `campaign` that are not live in this process and whose call has
 * ended (a previous process's calls, settled at start as `failed` / `gateway restart`, issue 12;
 * or a lost node's once its records are settled). Resolves to the number settled.
 */
export async function settleEnded(o: { store: Store; clock: Clock; events: CampaignEvents }, campaign: CampaignRecord, liveHere: ReadonlySet<string>): Promise<number> {
  let n = 0;
  for (const a of await o.store.campaigns.openAttempts(campaign.campaign_sid)) {
    if (liveHere.has(a.call_sid)) continue;
    const outcome = outcomeFromCdr(a, await o.store.cdrs.get(a.call_sid));
    if (outcome === undefined) continue;
    await settleAttempt(o.store, o.events, o.clock, campaign, campaign.config as unknown as CampaignConfig, a.call_sid, outcome);
    n += 1;
  }
  return n;
}
