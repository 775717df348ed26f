/** Issue 17: paced, durable outbound campaigns (DESIGN.md §3 campaigns/). */
export { CampaignService, type CampaignServiceOptions, type CampaignView, type UploadResult } from './service.js';
export { CampaignError, type CampaignErrorCode } from './errors.js';
export { contactsFromCsv, contactsFromJson, toE164, type ParsedContacts, type RowError } from './contacts.js';
export { Dialer, type CallPlacer, type DialerOptions } from './dialer.js';
export type { CampaignConfig, Pacing, RetryRule, Voicemail } from './config.js';
