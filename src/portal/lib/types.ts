/** The API's resources as the portal reads them (see docs/api.md). */
export interface Hook {
  readonly webhook_sid?: string;
  readonly url: string;
  readonly method: string;
  readonly username: string | null;
  readonly password: string | null;
}
export interface Account {
  readonly account_sid: string;
  readonly name: string;
  readonly allow_any_caller_id: boolean;
}
export interface ApiKey {
  readonly api_key_sid: string;
  readonly account_sid: string | null;
  readonly scope: 'admin' | 'account';
  readonly token_hint: string;
  readonly expires_at: string | null;
  readonly last_used: string | null;
  readonly created_at: string;
}
export interface Application {
  readonly application_sid: string;
  readonly name: string;
  readonly account_sid: string;
  readonly call_hook: Hook | null;
  readonly call_status_hook: Hook | null;
  readonly created_at: string;
}
export interface PhoneNumber {
  readonly phone_number_sid: string;
  readonly number: string;
  readonly account_sid: string | null;
  readonly application_sid: string | null;
  readonly voip_carrier_sid: string | null;
}
export interface Carrier {
  readonly voip_carrier_sid: string;
  readonly name: string;
  readonly description: string | null;
  readonly account_sid: string | null;
  readonly is_default: boolean;
  readonly is_active: boolean;
  readonly e164_leading_plus: boolean;
  readonly requires_register: boolean;
  readonly register_username: string | null;
  readonly register_password: string | null;
  readonly register_sip_realm: string | null;
  readonly inbound_auth_username: string | null;
  readonly inbound_auth_password: string | null;
  readonly tech_prefix: string | null;
  readonly outbound_sip_proxy: string | null;
}
export interface Gateway {
  readonly sip_gateway_sid: string;
  readonly voip_carrier_sid: string;
  readonly ipv4: string;
  readonly port: number | null;
  readonly protocol: string;
  readonly inbound: boolean;
  readonly outbound: boolean;
  readonly is_active: boolean;
  readonly priority: number;
}
export interface LiveCall {
  readonly call_sid: string;
  readonly direction: string;
  readonly from: string;
  readonly to: string;
  readonly call_id: string;
  readonly sip_status: number;
  readonly call_status: string;
  readonly caller_name?: string;
  readonly duration?: number;
}
export interface TimelineEntry {
  readonly at: string;
  readonly t: number;
  readonly event: string;
  readonly detail?: Readonly<Record<string, unknown>>;
}
export interface Timeline {
  readonly call_sid: string;
  readonly call_status: string | null;
  readonly live: boolean;
  readonly timeline: readonly TimelineEntry[];
}
export interface Cdr {
  readonly call_sid: string;
  readonly direction: string;
  readonly from: string;
  readonly to: string;
  readonly trunk: string | null;
  readonly attempted_at: string;
  readonly answered_at: string | null;
  readonly terminated_at: string | null;
  readonly duration: number;
  readonly answered: boolean;
  readonly sip_status: number | null;
  readonly termination_reason: string | null;
  readonly termination_cause: string | null;
  readonly post_dial_delay_ms: number | null;
  readonly timeline: readonly TimelineEntry[];
}
/** An alert the gateway recorded for the account (webhook failures, bad app payloads…). */
export interface Alert {
  readonly alert_sid: string;
  readonly time: string;
  readonly alert_type: string;
  readonly message: string;
  readonly detail: string | null;
  readonly call_sid: string | null;
  readonly url: string | null;
  readonly status: number | null;
}

export interface Paged<T> {
  readonly total: number;
  readonly page: number;
  readonly page_size: number;
  readonly data: readonly T[];
}
