import type {
  Account, AccountInput, Alert, CallJournalEntry, AlertInput, AlertQuery, ApiKey, ApiKeyInput, Application, ApplicationInput, Cdr, CdrInput,
  CdrQuery, NumberRoute, Page, PhoneNumber, PhoneNumberInput, SipGateway, SipGatewayInput, SpeechCredentialInput, SpeechCredentialPatch,
  SpeechCredentialRecord, SpeechCredentialTestOutcome, VoipCarrier, VoipCarrierInput,
} from './types.js';

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
  /** Idempotent. */
  close(): Promise<void>;
}
