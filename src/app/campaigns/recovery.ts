import type { CallStatus } from '../../call/control.js';
import type { Clock } from '../../kernel/clock.js';
import type { Logger } from '../../kernel/logger.js';
import type { AttemptRecord, CampaignRecord, ContactOutcome, Store } from '../../store/index.js';
import { answeredOutcome, unansweredOutcome, type CampaignConfig } from './config.js';
import { settleAttempt } from './dialer.js';
import type { CampaignEvents } from './events.js';

/** The outcome of an attempt whose call ended with a process that is gone, from its CDR (undefined: still live elsewhere). */
export function outcomeFromCdr(a: AttemptRecord, cdr: { answered: boolean; sip_status: number | null; termination_cause: string | null; terminated_at: string | null } | undefined): ContactOutcome | undefined {
  if (!cdr) return 'failed';
  if (cdr.terminated_at === null) return undefined;
  if (cdr.answered) return answeredOutcome(a.amd);
  return unansweredOutcome({ call_status: (cdr.termination_cause ?? 'failed') as CallStatus, sip_status: cdr.sip_status ?? 500 });
}

/**
 * Issue 17, on start (after the call records were settled, app/recovery.ts): every attempt still
 * open in the store belongs to a call of a process that is gone; it is settled from its CDR. A
 * contact left `dialing` without an attempt (claimed, never called) goes back to be dialled.
 * Resolves to the campaigns to run again.
 */
export async function recoverCampaigns(o: { store: Store; clock: Clock; logger: Logger; events: CampaignEvents }): Promise<CampaignRecord[]> {
  const running: CampaignRecord[] = [];
  let settled = 0;
  for (const c of await o.store.campaigns.list()) {
    for (const a of await o.store.campaigns.openAttempts(c.campaign_sid)) {
      const outcome = outcomeFromCdr(a, await o.store.cdrs.get(a.call_sid));
      if (outcome === undefined) continue;
      await settleAttempt(o.store, o.events, o.clock, c, c.config as unknown as CampaignConfig, a.call_sid, outcome);
      settled += 1;
    }
    await o.store.campaigns.releaseOrphans(c.campaign_sid);
    if (c.state === 'running') running.push(c);
  }
  if (settled > 0) o.logger.warn('campaign attempts settled after a restart', { attempts: settled });
  return running;
}
