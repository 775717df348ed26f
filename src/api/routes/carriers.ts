import { Type } from '@sinclair/typebox';
import type { VoipCarrier } from '../../store/index.js';
import { assertInScope, getAuth, scopeAccount } from '../auth.js';
import { ApiError, type FieldError } from '../errors.js';
import { Created, errorResponses } from '../schemas/common.js';
import { CarrierCreate, CarrierOut, CarrierUpdate } from '../schemas/resources.js';
import type { Api, RouteDeps } from '../types.js';
import { describe, ItemParams, ListParams, PREFIXES, targetAccount, unchanged } from './scope.js';

/** What a stored carrier password reads as; a PUT that sends it back leaves the password alone. */
export const PASSWORD_MASK = '********';
const SECRET_FIELDS = ['register_password', 'inbound_auth_password'] as const;

const owner = (c: VoipCarrier): string | null => c.account_sid;

/** Carrier passwords are never returned after creation (issue 4). */
export function maskCarrier(c: VoipCarrier): VoipCarrier {
  return { ...c, register_password: c.register_password && PASSWORD_MASK, inbound_auth_password: c.inbound_auth_password && PASSWORD_MASK };
}

/** jambonz: registration needs credentials. */
function checkRegistration(c: Partial<VoipCarrier>): void {
  if (!c.requires_register) return;
  const missing: FieldError[] = (['register_username', 'register_password'] as const).filter((f) => !c[f]).map((path) => ({ path, message: 'is required when requires_register is true' }));
  if (missing.length > 0) throw new ApiError(400, 'registration needs register_username and register_password', missing);
}

export async function carrierRoutes(app: Api, { store }: RouteDeps): Promise<void> {
  for (const { prefix, alias } of PREFIXES) {
    const base = `${prefix}/VoipCarriers`;
    app.post(base, { schema: { ...describe('VoipCarriers', 'Add a carrier (trunk); without account_sid an admin adds a shared one', alias), params: ListParams, body: CarrierCreate, response: { 201: Created, ...errorResponses } } }, async (req, reply) => {
      const scope = await scopeAccount(req, store, req.params.account_sid);
      const account_sid = targetAccount(getAuth(req), scope, req.body.account_sid, true);
      checkRegistration(req.body);
      const c = await store.voipCarriers.create({ ...req.body, account_sid });
      return reply.code(201).send({ sid: c.voip_carrier_sid });
    });
    app.get(base, { schema: { ...describe('VoipCarriers', 'List carriers (passwords masked)', alias), params: ListParams, response: { 200: Type.Array(CarrierOut), ...errorResponses } } }, async (req) => {
      const scope = await scopeAccount(req, store, req.params.account_sid);
      return (await store.voipCarriers.list(scope === undefined ? {} : { account_sid: scope })).map(maskCarrier);
    });
    app.get(`${base}/:sid`, { schema: { ...describe('VoipCarriers', 'Read a carrier (passwords masked)', alias), params: ItemParams, response: { 200: CarrierOut, ...errorResponses } } }, async (req) => {
      const scope = await scopeAccount(req, store, req.params.account_sid);
      return maskCarrier(assertInScope(await store.voipCarriers.get(req.params.sid), owner, scope, 'voip carrier'));
    });
    app.put(`${base}/:sid`, { schema: { ...describe('VoipCarriers', 'Update a carrier', alias), params: ItemParams, body: CarrierUpdate, response: { 204: Type.Null(), ...errorResponses } } }, async (req, reply) => {
      const scope = await scopeAccount(req, store, req.params.account_sid);
      const cur = assertInScope(await store.voipCarriers.get(req.params.sid), owner, scope, 'voip carrier');
      const { account_sid, ...patch } = req.body;
      unchanged('account_sid', account_sid, cur.account_sid);
      for (const f of SECRET_FIELDS) if (patch[f] === PASSWORD_MASK) delete patch[f];
      checkRegistration({ ...cur, ...patch });
      await store.voipCarriers.update(cur.voip_carrier_sid, patch);
      return reply.code(204).send(null);
    });
    app.delete(`${base}/:sid`, { schema: { ...describe('VoipCarriers', 'Delete a carrier and its gateways (422 while numbers use it)', alias), params: ItemParams, response: { 204: Type.Null(), ...errorResponses } } }, async (req, reply) => {
      const scope = await scopeAccount(req, store, req.params.account_sid);
      const cur = assertInScope(await store.voipCarriers.get(req.params.sid), owner, scope, 'voip carrier');
      await store.voipCarriers.delete(cur.voip_carrier_sid);
      return reply.code(204).send(null);
    });
  }
}
