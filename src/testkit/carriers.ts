import type { SipGateway, VoipCarrier } from '../store/index.js';

/** A stored carrier row (a registering one by default) with `o` on top, for tests of carrier logic. */
export const carrierRow = (o: Partial<VoipCarrier> = {}): VoipCarrier => ({
  voip_carrier_sid: 'c1', name: 'telco', description: null, account_sid: null, application_sid: null, e164_leading_plus: false,
  requires_register: true, register_username: 'alice', register_password: 'pw', register_sip_realm: null, register_from_user: null,
  register_from_domain: null, register_public_ip_in_contact: true, tech_prefix: null, inbound_auth_username: null, inbound_auth_password: null,
  diversion: null, is_active: true, dtmf_type: 'rfc2833', outbound_sip_proxy: null, trunk_type: 'reg', is_default: false, created_at: '', ...o,
});

/** A stored gateway row (192.0.2.10:5070, UDP, both ways) with `o` on top. */
export const gatewayRow = (o: Partial<SipGateway> = {}): SipGateway => ({
  sip_gateway_sid: 'g1', voip_carrier_sid: 'c1', ipv4: '192.0.2.10', netmask: 32, port: 5070, inbound: true, outbound: true, is_active: true,
  protocol: 'udp', priority: 0, send_options_ping: false, use_sips_scheme: false, pad_crypto: false, mutual_tls: false, created_at: '', ...o,
});
