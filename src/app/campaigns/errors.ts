import { GatewayError } from '../../kernel/errors.js';

export type CampaignErrorCode =
  | 'CAMPAIGN_NOT_FOUND' // no such campaign in this account
  | 'CAMPAIGN_INVALID' // a field is wrong: `field` is its path
  | 'CAMPAIGN_WRONG_STATE'; // e.g. resuming a completed campaign

export class CampaignError extends GatewayError {
  declare readonly code: CampaignErrorCode;
  constructor(code: CampaignErrorCode, message: string, readonly field?: string) {
    super(code, message);
  }
}

export const invalid = (field: string, message: string): CampaignError => new CampaignError('CAMPAIGN_INVALID', message, field);
