import type { SipUri } from '../sip/index.js';
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

/** `sip:{tech_prefix}{+}{number}@{host}:{port};transport=…` for one gateway (contract §1.6). */
export function gatewayRequestUri(carrier: VoipCarrier, gw: SipGateway, number: string): SipUri {
  const digits = number.replace(/^\+/, '');
  const user = `${carrier.tech_prefix ?? ''}${carrier.e164_leading_plus ? '+' : ''}${digits}`;
  const params: Record<string, string | null> = gw.protocol === 'tcp' ? { transport: 'tcp' } : {};
  return { scheme: gw.use_sips_scheme ? 'sips' : 'sip', user, host: gw.ipv4.toLowerCase(), port: gw.port ?? undefined, params, headers: {} };
}
