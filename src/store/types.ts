/**
 * Records the store hands out. Field names are the jambonz wire names (contract §7.2), so a
 * record reads the same in SQL, in code and on the wire; booleans are real booleans and times
 * are ISO-8601 UTC strings.
 */
export type HookMethod = 'GET' | 'POST' | 'WS';

export interface Hook {
  readonly webhook_sid: string;
  readonly url: string;
  readonly method: HookMethod;
  readonly username: string | null;
  readonly password: string | null;
}

/** What callers may pass for a hook: a bare URL (→ POST) or the object form. */
export type HookInput = string | { readonly url: string; readonly method?: string | null; readonly username?: string | null; readonly password?: string | null };

export interface Account {
  readonly account_sid: string;
  readonly name: string;
  readonly sip_realm: string | null;
  readonly service_provider_sid: string | null;
  readonly registration_hook: Hook | null;
  readonly queue_event_hook: Hook | null;
  readonly is_active: boolean;
  readonly webhook_secret: string;
  readonly disable_cdrs: boolean;
  readonly record_all_calls: boolean;
  readonly record_format: string;
  readonly enable_debug_log: boolean;
  /** When false (the default), outbound calls may only use a caller id the account owns. */
  readonly allow_any_caller_id: boolean;
  /** null = unlimited. */
  readonly max_concurrent_calls: number | null;
  /** null = unlimited. */
  readonly max_calls_per_second: number | null;
  readonly created_at: string;
}

export interface AccountInput {
  readonly name: string;
  readonly sip_realm?: string | null;
  readonly service_provider_sid?: string | null;
  readonly registration_hook?: HookInput | null;
  readonly queue_event_hook?: HookInput | null;
  readonly is_active?: boolean;
  readonly webhook_secret?: string;
  readonly disable_cdrs?: boolean;
  readonly record_all_calls?: boolean;
  readonly record_format?: string;
  readonly enable_debug_log?: boolean;
  readonly allow_any_caller_id?: boolean;
  readonly max_concurrent_calls?: number | null;
  readonly max_calls_per_second?: number | null;
}

export type ApiKeyScope = 'admin' | 'account';

export interface ApiKey {
  readonly api_key_sid: string;
  /** null for an admin key. */
  readonly account_sid: string | null;
  readonly scope: ApiKeyScope;
  /** The last four characters of the token, so people can tell keys apart. Never the token. */
  readonly token_hint: string;
  readonly expires_at: string | null;
  readonly last_used: string | null;
  readonly created_at: string;
}

export interface ApiKeyInput {
  readonly account_sid: string | null;
  /** SHA-256 of the token, lower-case hex. The store never sees the token itself. */
  readonly token_hash: string;
  readonly token_hint: string;
  readonly expires_at?: string | null;
}

export interface Application {
  readonly application_sid: string;
  readonly name: string;
  readonly account_sid: string;
  readonly call_hook: Hook | null;
  readonly call_status_hook: Hook | null;
  readonly messaging_hook: Hook | null;
  /** A JSON-encoded verb array; when set, `call_hook` is not requested. */
  readonly app_json: string | null;
  readonly speech_synthesis_vendor: string | null;
  readonly speech_synthesis_language: string | null;
  readonly speech_synthesis_voice: string | null;
  readonly speech_synthesis_label: string | null;
  readonly speech_recognizer_vendor: string | null;
  readonly speech_recognizer_language: string | null;
  readonly speech_recognizer_label: string | null;
  readonly use_for_fallback_speech: boolean;
  readonly fallback_speech_synthesis_vendor: string | null;
  readonly fallback_speech_synthesis_language: string | null;
  readonly fallback_speech_synthesis_voice: string | null;
  readonly fallback_speech_synthesis_label: string | null;
  readonly fallback_speech_recognizer_vendor: string | null;
  readonly fallback_speech_recognizer_language: string | null;
  readonly fallback_speech_recognizer_label: string | null;
  readonly env_vars: Readonly<Record<string, unknown>> | null;
  readonly record_all_calls: boolean;
  readonly created_at: string;
}

type Writable<T> = { -readonly [K in keyof T]: T[K] };
type HookFields = 'call_hook' | 'call_status_hook' | 'messaging_hook';
export type ApplicationInput = Partial<Omit<Writable<Application>, 'application_sid' | 'created_at' | HookFields>> & {
  readonly name: string;
  readonly account_sid: string;
} & { readonly [K in HookFields]?: HookInput | null };

export interface PhoneNumber {
  readonly phone_number_sid: string;
  /** Stored without the leading `+`: `+4930123` and `4930123` are the same number. */
  readonly number: string;
  readonly account_sid: string | null;
  readonly application_sid: string | null;
  readonly voip_carrier_sid: string | null;
  readonly created_at: string;
}

export interface PhoneNumberInput {
  readonly number: string;
  readonly account_sid?: string | null;
  readonly application_sid?: string | null;
  readonly voip_carrier_sid?: string | null;
}

export type DtmfType = 'rfc2833' | 'tones' | 'info';
export type TrunkType = 'static_ip' | 'auth' | 'reg';

export interface VoipCarrier {
  readonly voip_carrier_sid: string;
  readonly name: string;
  readonly description: string | null;
  /** null for a shared carrier (admin-managed, usable by every account, like a jambonz SP carrier). */
  readonly account_sid: string | null;
  /** Application for inbound calls whose number has none. */
  readonly application_sid: string | null;
  readonly e164_leading_plus: boolean;
  readonly requires_register: boolean;
  readonly register_username: string | null;
  readonly register_password: string | null;
  readonly register_sip_realm: string | null;
  readonly register_from_user: string | null;
  readonly register_from_domain: string | null;
  readonly register_public_ip_in_contact: boolean;
  readonly tech_prefix: string | null;
  readonly inbound_auth_username: string | null;
  readonly inbound_auth_password: string | null;
  readonly diversion: string | null;
  readonly is_active: boolean;
  readonly dtmf_type: DtmfType;
  readonly outbound_sip_proxy: string | null;
  readonly trunk_type: TrunkType;
  /** The account's default trunk for outbound calls that name none. */
  readonly is_default: boolean;
  readonly created_at: string;
}

export type VoipCarrierInput = Partial<Omit<Writable<VoipCarrier>, 'voip_carrier_sid' | 'created_at'>> & { readonly name: string };

export type GatewayProtocol = 'udp' | 'tcp' | 'tls' | 'tls/srtp';

export interface SipGateway {
  readonly sip_gateway_sid: string;
  readonly voip_carrier_sid: string;
  /** An IPv4 address or a DNS name (the jambonz field name is kept). */
  readonly ipv4: string;
  readonly netmask: number;
  /** null = the protocol's default port (5060, 5061 for TLS). */
  readonly port: number | null;
  readonly inbound: boolean;
  readonly outbound: boolean;
  readonly is_active: boolean;
  readonly protocol: GatewayProtocol;
  /** Outbound gateways are tried in ascending priority. */
  readonly priority: number;
  readonly send_options_ping: boolean;
  readonly use_sips_scheme: boolean;
  /** jambonz: keep the base64 `=` padding of SDES keys in a=crypto (RFC 4568 §6.1 is read both ways). */
  readonly pad_crypto: boolean;
  /**
   * Ours (jambonz has none): mutual TLS with this gateway. TLS connections from its address must
   * present a client certificate that verifies, and connections to it verify its server certificate.
   */
  readonly mutual_tls: boolean;
  readonly created_at: string;
}

export type SipGatewayInput = Partial<Omit<Writable<SipGateway>, 'sip_gateway_sid' | 'created_at'>> & {
  readonly voip_carrier_sid: string;
  readonly ipv4: string;
};

/**
 * A speech credential as stored (issue 14). Every vendor field (`api_key`, `region`,
 * `service_key` …) is inside `secret`, one encrypted blob the store never reads: the API
 * encrypts it before it gets here and the speech credential lookup decrypts it on use.
 */
export interface SpeechCredentialRecord {
  readonly speech_credential_sid: string;
  readonly account_sid: string;
  /** `google`, `microsoft`, `deepgram`, `aws`, `elevenlabs`, `custom:<name>` … */
  readonly vendor: string;
  /** Unique per account and vendor; null is the vendor's unlabelled credential (at most one). */
  readonly label: string | null;
  readonly use_for_tts: boolean;
  readonly use_for_stt: boolean;
  /** The encrypted vendor fields (speech/credentials-cipher.ts). */
  readonly secret: string;
  readonly created_at: string;
  readonly last_used: string | null;
  readonly last_tested: string | null;
  /** null until a test could check that side. */
  readonly tts_tested_ok: boolean | null;
  readonly stt_tested_ok: boolean | null;
}

export interface SpeechCredentialInput {
  readonly account_sid: string;
  readonly vendor: string;
  readonly label?: string | null;
  readonly use_for_tts?: boolean;
  readonly use_for_stt?: boolean;
  readonly secret: string;
}

export type SpeechCredentialPatch = Partial<Pick<SpeechCredentialRecord, 'use_for_tts' | 'use_for_stt' | 'secret'>>;

/** What one `GET …/test` found; a side left undefined was not tested. */
export interface SpeechCredentialTestOutcome {
  readonly last_tested: string;
  readonly tts_tested_ok?: boolean;
  readonly stt_tested_ok?: boolean;
}

export type CallDirection = 'inbound' | 'outbound';

/** One step of a call's life, as the call layer records it (`{t, event, …}`). */
export type TimelineEntry = Readonly<Record<string, unknown>>;

export interface Cdr {
  readonly call_sid: string;
  readonly account_sid: string;
  readonly application_sid: string | null;
  readonly direction: CallDirection;
  readonly from: string;
  readonly to: string;
  /** Carrier name, or `user` / `sipUri` for other targets. */
  readonly trunk: string | null;
  readonly sip_callid: string | null;
  readonly sip_parent_callid: string | null;
  readonly attempted_at: string;
  readonly answered_at: string | null;
  readonly terminated_at: string | null;
  /** Seconds from answer to hang-up; 0 when not answered. */
  readonly duration: number;
  readonly answered: boolean;
  readonly sip_status: number | null;
  readonly termination_reason: string | null;
  readonly termination_cause: string | null;
  readonly post_dial_delay_ms: number | null;
  readonly webhook_latency_ms: number | null;
  readonly host: string | null;
  readonly remote_host: string | null;
  readonly trace_id: string | null;
  readonly recording_url: string | null;
  readonly timeline: TimelineEntry[];
}

/**
 * A live call's entry in the journal: what is needed to tell its application the call ended if
 * this process dies first (the status destinations, as the app layer stores them). Deleted when
 * the call's last status event is out.
 */
export interface CallJournalEntry {
  readonly call_sid: string;
  readonly account_sid: string;
  /** The node that owns the call (its SIP address). */
  readonly host: string;
  readonly hooks: Readonly<Record<string, unknown>>;
  readonly created_at: string;
}

export type CdrInput = Partial<Cdr> & Pick<Cdr, 'call_sid' | 'account_sid' | 'direction' | 'from' | 'to' | 'attempted_at'>;

export interface Alert {
  readonly alert_sid: string;
  readonly time: string;
  readonly account_sid: string | null;
  readonly alert_type: string;
  readonly message: string;
  readonly detail: string | null;
  readonly call_sid: string | null;
  readonly vendor: string | null;
  readonly target_sid: string | null;
  readonly url: string | null;
  readonly status: number | null;
  readonly count: number | null;
}

export type AlertInput = Partial<Omit<Alert, 'alert_sid'>> & Pick<Alert, 'account_sid' | 'alert_type' | 'message'>;

/** A page of a time-ordered list (RecentCalls, Alerts). */
export interface Page<T> {
  readonly total: number;
  readonly page: number;
  readonly page_size: number;
  readonly data: T[];
}

export interface TimeRangeQuery {
  /** 1-based. */
  readonly page?: number;
  readonly count?: number;
  /** Only the last `days` days (ignored when `start` is given). */
  readonly days?: number;
  readonly start?: string;
  readonly end?: string;
}

export interface CdrQuery extends TimeRangeQuery {
  readonly answered?: boolean;
  readonly direction?: CallDirection;
  readonly trunk?: string;
  /** Substring of from, to or call_sid. */
  readonly filter?: string;
}

export interface AlertQuery extends TimeRangeQuery {
  readonly alert_type?: string;
}

/** What inbound routing gets for a dialled number. */
export interface NumberRoute {
  readonly phone_number_sid: string;
  readonly number: string;
  readonly account_sid: string | null;
  readonly application_sid: string | null;
  readonly voip_carrier_sid: string | null;
}
