import type { Clock } from '../../kernel/clock.js';
import { newSid } from '../../kernel/ids.js';
import type { Logger } from '../../kernel/logger.js';
import type { Store } from '../../store/index.js';
import { resolveHook, type WebhookSender } from '../../verbs/index.js';
import type { CampaignConfig } from './config.js';

export type CampaignEventName = 'campaign:started' | 'campaign:paused' | 'campaign:completed' | 'contact:attempt' | 'contact:result';

/**
 * Issue 17: events to the campaign's `statusHook`, signed with the account's webhook secret.
 * One chain per campaign keeps them in order; a failed delivery is logged, never retried here
 * (the webhook client retries as for any hook).
 */
export class CampaignEvents {
  private readonly chains = new Map<string, Promise<void>>();
  private seq = 0;

  constructor(private readonly o: { readonly webhooks: WebhookSender; readonly store: Store; readonly clock: Clock; readonly logger: Logger }) {}

  send(campaign: { readonly campaign_sid: string; readonly account_sid: string; readonly config: Readonly<Record<string, unknown>> }, event: CampaignEventName, fields: Readonly<Record<string, unknown>> = {}): void {
    const hook = (campaign.config as Partial<CampaignConfig>).statusHook;
    if (hook === undefined) return;
    const payload = { event, campaign_sid: campaign.campaign_sid, account_sid: campaign.account_sid, timestamp: new Date(this.o.clock.wallNow()).toISOString(), ...fields };
    const sequence = ++this.seq;
    const prev = this.chains.get(campaign.campaign_sid) ?? Promise.resolve();
    const next = prev.then(async () => {
      const secret = await this.o.store.webhookSecrets.get(campaign.account_sid);
      await this.o.webhooks.send({ hook: resolveHook(hook), payload, secret, eventId: newSid(), sequence });
    }).catch((e: unknown) => this.o.logger.warn('campaign statusHook failed', { campaign_sid: campaign.campaign_sid, event, err: e instanceof Error ? e : String(e) }));
    this.chains.set(campaign.campaign_sid, next);
  }

  /** Settles when every event sent so far is out (or failed). */
  async idle(): Promise<void> {
    await Promise.all([...this.chains.values()]);
  }
}
