import { Type } from '@sinclair/typebox';
import { isIPv4 } from 'node:net';
import type { SipGateway, Store, VoipCarrier } from '../../store/index.js';
import { assertInScope, getAuth, scopeAccount, type AuthContext } from '../auth.js';
import { refuse, unsupportedErrors } from '../checks.js';
import { badField } from '../errors.js';
import { Created, errorResponses } from '../schemas/common.js';
import { GatewayCreate, GatewayListQuery, GatewayOut, GatewayUpdate } from '../schemas/resources.js';
import type { Api, RouteDeps } from '../types.js';
import { describe, ItemParams, ListParams, PREFIXES, unchanged } from './scope.js';
import { carriersChanged } from './carriers.js';

const carrierOwner = (c: VoipCarrier): string | null => c.account_sid;

/** A gateway belongs to whoever owns its carrier. */
async function gatewayInScope(store: Store, sid: string, scope: string | undefined): Promise<SipGateway> {
  const gw = assertInScope(await store.sipGateways.get(sid), () => null, undefined, 'sip gateway');
  const carrier = await store.voipCarriers.get(gw.voip_carrier_sid);
  assertInScope(carrier, carrierOwner, scope, 'sip gateway');
  return gw;
}

/** A netmask below 32 describes a range of addresses, which only an IPv4 literal has. */
function checkNetmask(ipv4: string, netmask: number | undefined): void {
  if (netmask !== undefined && netmask < 32 && !isIPv4(ipv4)) throw badField('netmask', 'must be 32 unless ipv4 is an IPv4 address');
}

/**
 * The widest inbound range an account key may give a gateway. Inbound traffic from a gateway's
 * range is taken as its carrier's, so a tenant's wide range would claim other tenants' carriers
 * (issue 12 item 12); only the admin key may go wider.
 */
export const ACCOUNT_MIN_INBOUND_NETMASK = 24;

type GatewayFields = Pick<SipGateway, 'ipv4' | 'netmask' | 'inbound' | 'is_active'>;

/** An account key may not leave an inbound gateway wider than /24 by this write (`before`: the stored gateway on update). */
function checkInboundPrefix(auth: AuthContext, after: GatewayFields, before?: GatewayFields): void {
  if (auth.scope !== 'account' || !after.inbound || after.netmask >= ACCOUNT_MIN_INBOUND_NETMASK) return;
  // Editing other fields of a range the admin made is fine; moving, widening or re-enabling it is not.
  if (before && (['ipv4', 'netmask', 'inbound', 'is_active'] as const).every((k) => before[k] === after[k])) return;
  throw badField('netmask', `must be at least ${ACCOUNT_MIN_INBOUND_NETMASK} for an inbound gateway (only an admin key may add a wider range)`);
}

/** Features a gateway may name but we do not provide yet (issue 12 item 17); tls and tls/srtp are provided (issue 13). */
function checkSupported(g: { send_options_ping?: boolean }): void {
  refuse(unsupportedErrors([['send_options_ping', g.send_options_ping, [false]]]));
}

export async function gatewayRoutes(app: Api, { store, trunksChanged, registrations, logger }: RouteDeps): Promise<void> {
  // A registering carrier's REGISTER goes to its first outbound gateway: a change there re-plans it.
  const changed = (): void => {
    trunksChanged?.();
    carriersChanged(registrations, logger);
  };
  for (const { prefix, alias } of PREFIXES) {
    const base = `${prefix}/SipGateways`;
    app.post(base, { schema: { ...describe('SipGateways', "Add a gateway to a carrier", alias), params: ListParams, body: GatewayCreate, response: { 201: Created, ...errorResponses } } }, async (req, reply) => {
      const scope = await scopeAccount(req, store, req.params.account_sid);
      assertInScope(await store.voipCarriers.get(req.body.voip_carrier_sid), carrierOwner, scope, 'voip carrier');
      checkNetmask(req.body.ipv4, req.body.netmask);
      checkSupported(req.body);
      checkInboundPrefix(getAuth(req), { ipv4: req.body.ipv4, netmask: req.body.netmask ?? 32, inbound: req.body.inbound ?? true, is_active: req.body.is_active ?? true });
      const gw = await store.sipGateways.create(req.body);
      changed();
      return reply.code(201).send({ sid: gw.sip_gateway_sid });
    });
    app.get(base, {
      schema: { ...describe('SipGateways', 'List gateways (optionally of one carrier: ?voip_carrier_sid=)', alias), params: ListParams, querystring: GatewayListQuery, response: { 200: Type.Array(GatewayOut), ...errorResponses } },
    }, async (req) => {
      const scope = await scopeAccount(req, store, req.params.account_sid);
      const carrierSid = req.query.voip_carrier_sid;
      if (carrierSid !== undefined) assertInScope(await store.voipCarriers.get(carrierSid), carrierOwner, scope, 'voip carrier');
      return store.sipGateways.list({ voip_carrier_sid: carrierSid, account_sid: scope });
    });
    app.get(`${base}/:sid`, { schema: { ...describe('SipGateways', 'Read a gateway', alias), params: ItemParams, response: { 200: GatewayOut, ...errorResponses } } }, async (req) => {
      const scope = await scopeAccount(req, store, req.params.account_sid);
      return gatewayInScope(store, req.params.sid, scope);
    });
    app.put(`${base}/:sid`, { schema: { ...describe('SipGateways', 'Update a gateway', alias), params: ItemParams, body: GatewayUpdate, response: { 204: Type.Null(), ...errorResponses } } }, async (req, reply) => {
      const scope = await scopeAccount(req, store, req.params.account_sid);
      const cur = await gatewayInScope(store, req.params.sid, scope);
      const { voip_carrier_sid, ...patch } = req.body;
      unchanged('voip_carrier_sid', voip_carrier_sid, cur.voip_carrier_sid);
      checkNetmask(patch.ipv4 ?? cur.ipv4, patch.netmask ?? cur.netmask);
      checkSupported(patch);
      checkInboundPrefix(getAuth(req), { ...cur, ...patch }, cur);
      await store.sipGateways.update(cur.sip_gateway_sid, patch);
      changed();
      return reply.code(204).send(null);
    });
    app.delete(`${base}/:sid`, { schema: { ...describe('SipGateways', 'Delete a gateway', alias), params: ItemParams, response: { 204: Type.Null(), ...errorResponses } } }, async (req, reply) => {
      const scope = await scopeAccount(req, store, req.params.account_sid);
      const cur = await gatewayInScope(store, req.params.sid, scope);
      await store.sipGateways.delete(cur.sip_gateway_sid);
      changed();
      return reply.code(204).send(null);
    });
  }
}
