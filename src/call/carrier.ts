import { parseUri, SipParseError, type SipUri, type TlsVerification } from '../sip/index.js';
import type { SipGateway, Store, VoipCarrier } from '../store/index.js';
import { CallError } from './errors.js';

/** A carrier and its outbound gateways in the order to try them (contract §1.6). */
export interface OutboundRoute {
  readonly carrier: VoipCarrier;
  readonly gateways: readonly SipGateway[];
}

/**
 * Carrier choice for a `phone` target: `to.trunk` names a carrier of the account; else the
 * carrier that owns the `from` number; else the account's default carrier.
 */
export async function chooseRoute(store: Store, accountSid: string, from: string, trunk?: string): Promise<OutboundRoute> {
  let carrier: VoipCarrier | undefined;
  if (trunk !== undefined) {
    carrier = await store.voipCarriers.findByName(accountSid, trunk);
    if (!carrier) throw new CallError('CALL_UNKNOWN_TRUNK', `no carrier named "${trunk}" for this account`, 'to.trunk');
  } else {
    const owner = await store.phoneNumbers.findByNumber(from);
    if (owner?.voip_carrier_sid && (owner.account_sid === accountSid || owner.account_sid === null)) {
      carrier = await store.voipCarriers.get(owner.voip_carrier_sid);
    }
    carrier ??= await store.voipCarriers.getDefault(accountSid);
    if (!carrier) throw new CallError('CALL_NO_CARRIER', 'no carrier to place the call: give to.trunk, or add a carrier to the account', 'to.trunk');
  }
  if (!carrier.is_active) throw new CallError('CALL_NO_CARRIER', `carrier "${carrier.name}" is not active`, 'to.trunk');
  const gateways = await store.sipGateways.listOutbound(carrier.voip_carrier_sid);
  if (gateways.length === 0) throw new CallError('CALL_NO_GATEWAY', `carrier "${carrier.name}" has no active outbound gateway`, 'to.trunk');
  return { carrier, gateways };
}

/** The gateway's transport as a URI parameter (contract §1.6 keeps `transport=tls` on sips: too). */
function transportParams(gw: SipGateway): Record<string, string | null> {
  if (gw.protocol === 'tcp') return { transport: 'tcp' };
  if (isTlsGateway(gw)) return { transport: 'tls' };
  return {};
}

export function isTlsGateway(gw: SipGateway): boolean {
  return gw.protocol === 'tls' || gw.protocol === 'tls/srtp';
}

/** What a call through `gw` must protect beyond routing: SRTP (`tls/srtp`) and the gateway's certificate (`mutual_tls`). */
export interface GatewaySecurity {
  /** RTP/SAVP with SDES keys (RFC 4568); `pad` keeps the base64 padding of the keys (`pad_crypto`). */
  readonly srtp?: { readonly pad: boolean };
  /** Verify the gateway's server certificate for its host (mutual TLS; our certificate is offered too). */
  readonly tlsVerify?: TlsVerification;
}

export function gatewaySecurity(gw: SipGateway): GatewaySecurity {
  return {
    ...(gw.protocol === 'tls/srtp' ? { srtp: { pad: gw.pad_crypto } } : {}),
    ...(gw.mutual_tls && isTlsGateway(gw) ? { tlsVerify: { serverName: gw.ipv4.toLowerCase() } } : {}),
  };
}

/** `sip:[user@]{host}:{port};transport=…` for one gateway (`sips:` with use_sips_scheme; contract §1.6). */
export function gatewayUri(gw: SipGateway, user: string | undefined): SipUri {
  return { scheme: gw.use_sips_scheme ? 'sips' : 'sip', user, host: gw.ipv4.toLowerCase(), port: gw.port ?? undefined, params: transportParams(gw), headers: {} };
}

/** `sip:{tech_prefix}{+}{number}@{host}:{port};transport=…` for one gateway (contract §1.6). */
function gatewayRequestUri(carrier: VoipCarrier, gw: SipGateway, number: string): SipUri {
  const digits = number.replace(/^\+/, '');
  return gatewayUri(gw, `${carrier.tech_prefix ?? ''}${carrier.e164_leading_plus ? '+' : ''}${digits}`);
}

/**
 * Where an INVITE through one gateway goes (contract §1.6): with `outbound_sip_proxy` it is sent
 * to the proxy; a carrier that registers and has a `register_sip_realm` gets the realm as the
 * Request-URI host and the gateway as the next hop; otherwise the Request-URI is the gateway's.
 */
export function gatewayTarget(carrier: VoipCarrier, gw: SipGateway, number: string): { uri: SipUri; nextHop?: SipUri } {
  const direct = gatewayRequestUri(carrier, gw, number);
  const realm = carrier.requires_register ? carrier.register_sip_realm?.trim().toLowerCase() : undefined;
  const uri: SipUri = realm ? { ...direct, host: realm, port: undefined, params: {} } : direct;
  if (carrier.outbound_sip_proxy) {
    const proxy = proxyUri(carrier.outbound_sip_proxy);
    if (!proxy) throw new CallError('CALL_NO_GATEWAY', `carrier "${carrier.name}": outbound_sip_proxy "${carrier.outbound_sip_proxy}" is not a sip: URI or host[:port]`, 'to.trunk');
    return { uri, nextHop: proxy };
  }
  return realm ? { uri, nextHop: { ...direct, user: undefined } } : { uri };
}

/** `sip:host[:port][;transport=tcp]` or a bare `host[:port]` (an `outbound_sip_proxy`). */
export function proxyUri(value: string): SipUri | undefined {
  const v = value.trim();
  // `host:5060` is a host and port; `sip:…`, `sips:…`, `tel:…` carry a scheme.
  const hasScheme = /^sips?:/i.test(v) || /^[a-z][a-z0-9+.-]*:(?!\d)/i.test(v);
  try {
    const u = parseUri(hasScheme ? v : `sip:${v}`);
    return 'host' in u && u.scheme === 'sip' ? u : undefined;
  } catch (e) {
    if (e instanceof SipParseError) return undefined;
    throw e;
  }
}
