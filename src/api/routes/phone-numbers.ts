import { Type } from '@sinclair/typebox';
import { normalizeNumber, type PhoneNumber } from '../../store/index.js';
import { assertInScope, getAuth, scopeAccount } from '../auth.js';
import { forbidden } from '../errors.js';
import { Created, errorResponses } from '../schemas/common.js';
import { PhoneNumberCreate, PhoneNumberOut, PhoneNumberUpdate } from '../schemas/resources.js';
import type { Api, RouteDeps } from '../types.js';
import { describe, ItemParams, ListParams, PREFIXES, targetAccount, unchanged } from './scope.js';

const owner = (n: PhoneNumber): string | null => n.account_sid;

/** Phone numbers: one number with or without its leading `+` (DESIGN.md §2); number and carrier are fixed. */
export async function phoneNumberRoutes(app: Api, { store }: RouteDeps): Promise<void> {
  for (const { prefix, alias } of PREFIXES) {
    const base = `${prefix}/PhoneNumbers`;
    app.post(base, { schema: { ...describe('PhoneNumbers', 'Add a phone number', alias), params: ListParams, body: PhoneNumberCreate, response: { 201: Created, ...errorResponses } } }, async (req, reply) => {
      const scope = await scopeAccount(req, store, req.params.account_sid);
      const account_sid = targetAccount(getAuth(req), scope, req.body.account_sid, true);
      const n = await store.phoneNumbers.create({ ...req.body, account_sid });
      return reply.code(201).send({ sid: n.phone_number_sid });
    });
    app.get(base, { schema: { ...describe('PhoneNumbers', 'List phone numbers', alias), params: ListParams, response: { 200: Type.Array(PhoneNumberOut), ...errorResponses } } }, async (req) => {
      const scope = await scopeAccount(req, store, req.params.account_sid);
      return store.phoneNumbers.list(scope === undefined ? {} : { account_sid: scope });
    });
    app.get(`${base}/:sid`, { schema: { ...describe('PhoneNumbers', 'Read a phone number', alias), params: ItemParams, response: { 200: PhoneNumberOut, ...errorResponses } } }, async (req) => {
      const scope = await scopeAccount(req, store, req.params.account_sid);
      return assertInScope(await store.phoneNumbers.get(req.params.sid), owner, scope, 'phone number');
    });
    app.put(`${base}/:sid`, { schema: { ...describe('PhoneNumbers', 'Route a phone number to an application (or move it, admin)', alias), params: ItemParams, body: PhoneNumberUpdate, response: { 204: Type.Null(), ...errorResponses } } }, async (req, reply) => {
      const scope = await scopeAccount(req, store, req.params.account_sid);
      const cur = assertInScope(await store.phoneNumbers.get(req.params.sid), owner, scope, 'phone number');
      unchanged('number', req.body.number === undefined ? undefined : normalizeNumber(req.body.number), cur.number);
      unchanged('voip_carrier_sid', req.body.voip_carrier_sid, cur.voip_carrier_sid);
      if (scope !== undefined && req.body.account_sid !== undefined && req.body.account_sid !== scope) throw forbidden();
      await store.phoneNumbers.update(cur.phone_number_sid, { account_sid: req.body.account_sid, application_sid: req.body.application_sid });
      return reply.code(204).send(null);
    });
    app.delete(`${base}/:sid`, { schema: { ...describe('PhoneNumbers', 'Remove a phone number', alias), params: ItemParams, response: { 204: Type.Null(), ...errorResponses } } }, async (req, reply) => {
      const scope = await scopeAccount(req, store, req.params.account_sid);
      const cur = assertInScope(await store.phoneNumbers.get(req.params.sid), owner, scope, 'phone number');
      await store.phoneNumbers.delete(cur.phone_number_sid);
      return reply.code(204).send(null);
    });
  }
}
