import type {
  Account, AccountInput, Alert, CallJournalEntry, AlertInput, AlertQuery, ApiKey, ApiKeyInput, Application, ApplicationInput, Cdr, CdrInput,
  CdrQuery, NumberRoute, Page, PhoneNumber, PhoneNumberInput, SipGateway, SipGatewayInput, SpeechCredentialInput, SpeechCredentialPatch,
  SpeechCredentialRecord, SpeechCredentialTestOutcome, VoipCarrier, VoipCarrierInput,
} from './types.js';
import type {
  AttemptRecord, CampaignInput, CampaignRecord, CampaignState, ContactCounts, ContactInput, ContactNext, ContactOutcome, ContactQuery, ContactRecord, DncEntry, DueQuery,
} from './campaign-types.js';

/**
 * The repositories every engine implements. All methods are async so SQLite and PostgreSQL share
 * them; failures are `StoreError`s (NOT_FOUND for a missing parent, CONFLICT for duplicates,
 * IN_USE for deletes of referenced rows, INVALID for cross-account references).
 * `get`/`update`/`delete` of an unknown sid resolve to undefined/false rather than throwing.
 */
export interface AccountRepository {
  create(input: AccountInput): Promise<Account>;
  get(sid: string): Promise<Account | undefined>;
  list(): Promise<Account[]>;
  update(sid: string, patch: Partial<AccountInput>): Promise<boolean>;
  /** Deletes the account and everything it owns: keys, applications, carriers, gateways, numbers, speech credentials, CDRs, alerts. */
  delete(sid: string): Promise<boolean>;
}

export interface WebhookSecretRepository {
  /** The secret that signs the account's webhooks (`Jambonz-Signature`, contract §2.6). */
  get(accountSid: string): Promise<string | undefined>;
  regenerate(accountSid: string): Promise<string | undefined>;
}

export interface ApiKeyRepository {
  create(input: ApiKeyInput): Promise<ApiKey>;
  get(sid: string): Promise<ApiKey | undefined>;
  /** `account_sid: null` lists admin keys only. */
  list(filter?: { account_sid?: string | null }): Promise<ApiKey[]>;
  /** Revokes the key: it stops authenticating at once. */
  delete(sid: string): Promise<boolean>;
  findByTokenHash(tokenHash: string): Promise<ApiKey | undefined>;
  touchLastUsed(sid: string, at: string): Promise<void>;
  countAdmin(): Promise<number>;
}

export interface ApplicationRepository {
  create(input: ApplicationInput): Promise<Application>;
  get(sid: string): Promise<Application | undefined>;
  list(filter?: { account_sid?: string }): Promise<Application[]>;
  update(sid: string, patch: Partial<Omit<ApplicationInput, 'account_sid'>>): Promise<boolean>;
  /** IN_USE while a phone number or carrier routes to it. */
  delete(sid: string): Promise<boolean>;
}

export interface PhoneNumberRepository {
  create(input: PhoneNumberInput): Promise<PhoneNumber>;
  get(sid: string): Promise<PhoneNumber | undefined>;
  list(filter?: { account_sid?: string | null }): Promise<PhoneNumber[]>;
  /** `number` and `voip_carrier_sid` are fixed once created (as in jambonz). */
  update(sid: string, patch: Partial<Pick<PhoneNumberInput, 'application_sid' | 'account_sid'>>): Promise<boolean>;
  delete(sid: string): Promise<boolean>;
  /** The number with or without its leading `+`. */
  findByNumber(number: string): Promise<NumberRoute | undefined>;
}

export interface VoipCarrierRepository {
  create(input: VoipCarrierInput): Promise<VoipCarrier>;
  get(sid: string): Promise<VoipCarrier | undefined>;
  /** `account_sid: null` lists shared carriers only. */
  list(filter?: { account_sid?: string | null }): Promise<VoipCarrier[]>;
  update(sid: string, patch: Partial<Omit<VoipCarrierInput, 'account_sid'>>): Promise<boolean>;
  /** IN_USE while phone numbers use it; its gateways go with it. */
  delete(sid: string): Promise<boolean>;
  /** Carriers an account may place calls through: its own (by name), then the shared ones. */
  listForAccount(accountSid: string): Promise<VoipCarrier[]>;
  /** `to.trunk` lookup (contract §1.6): the account's carrier of that name, else a shared one. */
  findByName(accountSid: string, name: string): Promise<VoipCarrier | undefined>;
  /** The active carrier flagged `is_default`, else the only active one — the account's first, then the shared ones. */
  getDefault(accountSid: string): Promise<VoipCarrier | undefined>;
}

export interface SipGatewayRepository {
  create(input: SipGatewayInput): Promise<SipGateway>;
  get(sid: string): Promise<SipGateway | undefined>;
  list(filter?: { voip_carrier_sid?: string; account_sid?: string | null }): Promise<SipGateway[]>;
  update(sid: string, patch: Partial<Omit<SipGatewayInput, 'voip_carrier_sid'>>): Promise<boolean>;
  delete(sid: string): Promise<boolean>;
  /** Active outbound gateways of a carrier in the order to try them (ascending `priority`). */
  listOutbound(voipCarrierSid: string): Promise<SipGateway[]>;
}

export interface SpeechCredentialRepository {
  /** CONFLICT (field `label`) when the account already has that label for the vendor, or an unlabelled one. */
  create(input: SpeechCredentialInput): Promise<SpeechCredentialRecord>;
  get(sid: string): Promise<SpeechCredentialRecord | undefined>;
  /** Ordered by vendor, then label (the unlabelled first), then creation. */
  list(filter?: { account_sid?: string }): Promise<SpeechCredentialRecord[]>;
  /** The account's credentials of one vendor (exact name, e.g. `custom:acme`). */
  listForVendor(accountSid: string, vendor: string): Promise<SpeechCredentialRecord[]>;
  update(sid: string, patch: SpeechCredentialPatch): Promise<boolean>;
  delete(sid: string): Promise<boolean>;
  /** Sets `last_used` of several credentials at once (the lookup batches its uses). */
  touchLastUsed(sids: readonly string[], at: string): Promise<void>;
  /** Records a test: `last_tested`, and the tested sides' results (untested sides become null). */
  recordTest(sid: string, outcome: SpeechCredentialTestOutcome): Promise<boolean>;
}

export interface CdrRepository {
  /** Writes the CDR; writing the same call_sid again replaces it (a call may be recorded in steps). */
  write(cdr: CdrInput): Promise<Cdr>;
  /** Writes several CDRs in one transaction, without reading them back (the call path's records). */
  saveMany(cdrs: readonly CdrInput[]): Promise<void>;
  get(callSid: string): Promise<Cdr | undefined>;
  /** Ended calls only (a live call's record has no `terminated_at` yet), newest first. */
  list(accountSid: string, query?: CdrQuery): Promise<Page<Cdr>>;
  /** Records never settled (of `host`, or of every host): calls that were live in a process that is gone. */
  listOpen(host?: string): Promise<Cdr[]>;
  /**
   * Ends an open record (no `terminated_at` yet) as `end` says, appending `event` to its timeline,
   * in one conditional update: true for the one writer that settled it, false when it was already
   * ended or is unknown (a cluster's nodes may race to settle a lost node's calls, issue 16).
   */
  settleOpen(callSid: string, end: CdrSettlement): Promise<boolean>;
}

/** How `settleOpen` ends a record. */
export interface CdrSettlement {
  readonly terminated_at: string;
  readonly termination_reason: string;
  readonly termination_cause: string;
  /** The timeline event recorded with it (e.g. `node-lost`). */
  readonly event: string;
}

export interface CallJournalRepository {
  put(entry: Omit<CallJournalEntry, 'created_at'>): Promise<void>;
  get(callSid: string): Promise<CallJournalEntry | undefined>;
  /** The entries of `host`, or of every host. */
  listByHost(host?: string): Promise<CallJournalEntry[]>;
  /** True when there was an entry. */
  delete(callSid: string): Promise<boolean>;
}

export interface AlertRepository {
  write(alert: AlertInput): Promise<Alert>;
  /** Newest first. */
  list(accountSid: string, query?: AlertQuery): Promise<Page<Alert>>;
}

/**
 * Issue 17: campaigns with their contacts and call attempts. Contact state changes are
 * compare-and-set on the stored state, so a contact is never claimed for two calls at once.
 */
export interface CampaignRepository {
  /** A new campaign is `draft`. */
  create(input: CampaignInput): Promise<CampaignRecord>;
  get(sid: string): Promise<CampaignRecord | undefined>;
  list(filter?: { account_sid?: string; state?: CampaignState }): Promise<CampaignRecord[]>;
  /** With `fromStates`, only a campaign in one of them changes (false otherwise). */
  update(sid: string, patch: { state?: CampaignState; config?: Readonly<Record<string, unknown>>; fromStates?: readonly CampaignState[] }): Promise<boolean>;
  /** Its contacts and attempts go with it. */
  delete(sid: string): Promise<boolean>;
  /**
   * Takes (or renews) the right to dial the campaign until `until` (ISO): granted when nobody
   * holds it, `owner` already does, or the holder's lease ended before `now`.
   */
  acquireLease(sid: string, owner: string, now: string, until: string): Promise<boolean>;
  /** Gives the lease up (only the owner's). */
  releaseLease(sid: string, owner: string): Promise<void>;
  /** Numbers already in the campaign are skipped and counted as duplicates. */
  addContacts(campaignSid: string, contacts: readonly ContactInput[]): Promise<{ added: number; duplicates: number }>;
  /** In upload order. */
  listContacts(campaignSid: string, query?: ContactQuery): Promise<{ total: number; data: ContactRecord[] }>;
  getContact(contactSid: string): Promise<ContactRecord | undefined>;
  findContact(campaignSid: string, number: string): Promise<ContactRecord | undefined>;
  countContacts(campaignSid: string): Promise<ContactCounts>;
  /** The timezones (own, else the default) of the contacts still to dial. */
  timezones(campaignSid: string, defaultTimezone: string): Promise<string[]>;
  /** Pending contacts, and scheduled ones whose time has come, in upload order. */
  dueContacts(campaignSid: string, query: DueQuery): Promise<ContactRecord[]>;
  /** The earliest `next_attempt_at` of a scheduled contact. */
  nextScheduled(campaignSid: string): Promise<string | undefined>;
  /** pending | scheduled → dialing; false when the contact was not in either. */
  claimContact(contactSid: string): Promise<boolean>;
  /** dialing → pending (no attempt yet) or scheduled (due at once): the call could not be placed. */
  releaseContact(contactSid: string): Promise<boolean>;
  /** Any state but done → done with `outcome` (dnc, expired). */
  finishContact(contactSid: string, outcome: ContactOutcome): Promise<boolean>;
  /** A placed call: the attempt row, and the contact's attempts + 1 and call_sids, in one transaction. */
  recordAttempt(a: Pick<AttemptRecord, 'call_sid' | 'campaign_sid' | 'contact_sid' | 'started_at'>): Promise<void>;
  /** Takes back an open attempt whose call was never placed: the row, the count, the sid; the contact is due again. */
  cancelAttempt(callSid: string): Promise<boolean>;
  /** The first AMD verdict of an attempt (later ones are ignored). */
  setAttemptAmd(callSid: string, verdict: 'human' | 'machine'): Promise<boolean>;
  getAttempt(callSid: string): Promise<AttemptRecord | undefined>;
  /** Closes an open attempt and moves its contact on, in one transaction; false when it was already closed. */
  settleAttempt(callSid: string, outcome: ContactOutcome, next: ContactNext): Promise<boolean>;
  openAttempts(campaignSid: string): Promise<AttemptRecord[]>;
  /** Contacts `dialing` without an open attempt (a crash between claim and call) go back to be dialled; the count. */
  releaseOrphans(campaignSid: string): Promise<number>;
  /** pending | scheduled → done / expired (the campaign's end date passed); the count. */
  expireContacts(campaignSid: string): Promise<number>;
}

/** The per-account do-not-call list (numbers in E.164 form). */
export interface DncRepository {
  /** False when the number was already listed. */
  add(accountSid: string, number: string): Promise<boolean>;
  list(accountSid: string): Promise<DncEntry[]>;
  has(accountSid: string, number: string): Promise<boolean>;
  delete(accountSid: string, number: string): Promise<boolean>;
}

export interface Store {
  readonly kind: 'sqlite' | 'postgres';
  readonly accounts: AccountRepository;
  readonly webhookSecrets: WebhookSecretRepository;
  readonly apiKeys: ApiKeyRepository;
  readonly applications: ApplicationRepository;
  readonly phoneNumbers: PhoneNumberRepository;
  readonly voipCarriers: VoipCarrierRepository;
  readonly sipGateways: SipGatewayRepository;
  readonly speechCredentials: SpeechCredentialRepository;
  readonly cdrs: CdrRepository;
  readonly callJournal: CallJournalRepository;
  readonly alerts: AlertRepository;
  readonly campaigns: CampaignRepository;
  readonly dnc: DncRepository;
  /** Idempotent. */
  close(): Promise<void>;
}
