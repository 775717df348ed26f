import { Type, type Static } from '@sinclair/typebox';
import type { RegistrationStatusProvider } from '../../call/registrations.js';
import { detach } from '../../kernel/detached.js';
import type { Logger } from '../../kernel/logger.js';
import type { VoipCarrier } from '../../store/index.js';
import { assertInScope, getAuth, scopeAccount } from '../auth.js';
import { refuse, unsupportedErrors } from '../checks.js';
import { ApiError, type FieldError } from '../errors.js';
import { Created, errorResponses } from '../schemas/common.js';
import { CarrierCreate, CarrierOut, CarrierUpdate, type RegisterStatusOut } from '../schemas/resources.js';
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

const iso = (ms: number | undefined): string | null => (ms === undefined ? null : new Date(ms).toISOString());

/** The read-only `register_status` of a carrier: null unless it requires registration. */
export function registerStatus(c: VoipCarrier, provider: RegistrationStatusProvider | undefined): Static<typeof RegisterStatusOut> {
  if (!c.requires_register || !provider) return null;
  const s = provider.status(c.voip_carrier_sid);
  if (!s) return { status: 'unregistered', sip_status: null, reason: null, expires_at: null, last_registered_at: null };
  return { status: s.state, sip_status: s.sipStatus ?? null, reason: s.reason ?? null, expires_at: iso(s.expiresAt), last_registered_at: iso(s.lastRegisteredAt) };
}

/** Carrier and gateway changes reach the registrations at once rather than at the next periodic re-read. */
export function carriersChanged(provider: RegistrationStatusProvider | undefined, logger: Logger): void {
  if (provider?.refresh) detach(logger, 'carrier registration refresh', provider.refresh());
}

/** jambonz: registration needs credentials. */
function checkRegistration(c: Partial<VoipCarrier>): void {
  if (!c.requires_register) return;
  const missing: FieldError[] = (['register_username', 'register_password'] as const).filter((f) => !c[f]).map((path) => ({ path, message: 'is required when requires_register is true' }));
  if (missing.length > 0) throw new ApiError(400, 'registration needs register_username and register_password', missing);
}

/** Carrier features we would silently ignore today (issue 12 item 17): only their defaults pass. */
function checkSupported(c: { dtmf_type?: string; diversion?: string | null }): void {
  refuse(unsupportedErrors([['dtmf_type', c.dtmf_type, ['rfc2833']], ['diversion', c.diversion, [null, '']]]));
}

export async function carrierRoutes(app: Api, { store, registrations, logger, trunksChanged }: RouteDeps): Promise<void> {
  const out = (c: VoipCarrier) => ({ ...maskCarrier(c), register_status: registerStatus(c, registrations) });
  for (const { prefix, alias } of PREFIXES) {
    const base = `${prefix}/VoipCarriers`;
    app.post(base, { schema: { ...describe('VoipCarriers', 'Add a carrier (trunk); without account_sid an admin adds a shared one', alias), params: ListParams, body: CarrierCreate, response: { 201: Created, ...errorResponses } } }, async (req, reply) => {
      const scope = await scopeAccount(req, store, req.params.account_sid);
      const { register_status: _readOnly, ...body } = req.body;
      const account_sid = targetAccount(getAuth(req), scope, body.account_sid, true);
      checkRegistration(body);
      checkSupported(body);
      const c = await store.voipCarriers.create({ ...body, account_sid });
      trunksChanged?.();
      carriersChanged(registrations, logger);
      return reply.code(201).send({ sid: c.voip_carrier_sid });
    });
    app.get(base, { schema: { ...describe('VoipCarriers', 'List carriers (passwords masked)', alias), params: ListParams, response: { 200: Type.Array(CarrierOut), ...errorResponses } } }, async (req) => {
      const scope = await scopeAccount(req, store, req.params.account_sid);
      return (await store.voipCarriers.list(scope === undefined ? {} : { account_sid: scope })).map(out);
    });
    app.get(`${base}/:sid`, { schema: { ...describe('VoipCarriers', 'Read a carrier (passwords masked)', alias), params: ItemParams, response: { 200: CarrierOut, ...errorResponses } } }, async (req) => {
      const scope = await scopeAccount(req, store, req.params.account_sid);
      return out(assertInScope(await store.voipCarriers.get(req.params.sid), owner, scope, 'voip carrier'));
    });
    app.put(`${base}/:sid`, { schema: { ...describe('VoipCarriers', 'Update a carrier', alias), params: ItemParams, body: CarrierUpdate, response: { 204: Type.Null(), ...errorResponses } } }, async (req, reply) => {
      const scope = await scopeAccount(req, store, req.params.account_sid);
      const cur = assertInScope(await store.voipCarriers.get(req.params.sid), owner, scope, 'voip carrier');
      const { account_sid, register_status: _readOnly, ...patch } = req.body;
      unchanged('account_sid', account_sid, cur.account_sid);
      for (const f of SECRET_FIELDS) if (patch[f] === PASSWORD_MASK) delete patch[f];
      checkRegistration({ ...cur, ...patch });
      checkSupported(patch);
      await store.voipCarriers.update(cur.voip_carrier_sid, patch);
      trunksChanged?.();
      carriersChanged(registrations, logger);
      return reply.code(204).send(null);
    });
    app.delete(`${base}/:sid`, { schema: { ...describe('VoipCarriers', 'Delete a carrier and its gateways (422 while numbers use it)', alias), params: ItemParams, response: { 204: Type.Null(), ...errorResponses } } }, async (req, reply) => {
      const scope = await scopeAccount(req, store, req.params.account_sid);
      const cur = assertInScope(await store.voipCarriers.get(req.params.sid), owner, scope, 'voip carrier');
      await store.voipCarriers.delete(cur.voip_carrier_sid);
      trunksChanged?.();
      carriersChanged(registrations, logger);
      return reply.code(204).send(null);
    });
  }
}
