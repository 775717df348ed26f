import type { Clock } from '../../kernel/clock.js';
import type { CampaignRecord, ContactOutcome, Store } from '../../store/index.js';
import { nextStep, type CampaignConfig } from './config.js';
import type { CampaignEvents } from './events.js';

/** Closes an attempt with `outcome` and moves its contact on (retry rules), then tells the statusHook. */
export async function settleAttempt(store: Store, events: CampaignEvents, clock: Clock, campaign: CampaignRecord, config: CampaignConfig, callSid: string, outcome: ContactOutcome): Promise<void> {
  const attempt = await store.campaigns.getAttempt(callSid);
  if (!attempt) return;
  const contact = await store.campaigns.getContact(attempt.contact_sid);
  if (!contact) return;
  const next = nextStep(config, outcome, contact.attempts, clock.wallNow());
  if (!(await store.campaigns.settleAttempt(callSid, outcome, next))) return;
  events.send(campaign, 'contact:result', { number: contact.number, outcome, state: next.state, attempts: contact.attempts, amd: attempt.amd, call_sid: callSid, next_attempt_at: next.next_attempt_at });
}
