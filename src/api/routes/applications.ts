import { Type } from '@sinclair/typebox';
import { assertInScope, getAuth, scopeAccount } from '../auth.js';
import { badField } from '../errors.js';
import { Created, errorResponses } from '../schemas/common.js';
import { ApplicationCreate, ApplicationOut, ApplicationUpdate } from '../schemas/resources.js';
import type { Api, RouteDeps } from '../types.js';
import { describe, ItemParams, ListParams, PREFIXES, targetAccount, unchanged } from './scope.js';

/** `app_json` is a JSON-encoded verb array (contract §1.1); a broken one is refused up front. */
function checkAppJson(appJson: string | null | undefined): void {
  if (appJson === undefined || appJson === null) return;
  let parsed: unknown;
  try {
    parsed = JSON.parse(appJson);
  } catch {
    throw badField('app_json', 'must be a JSON-encoded array of verbs');
  }
  if (!Array.isArray(parsed)) throw badField('app_json', 'must be a JSON-encoded array of verbs');
}

export async function applicationRoutes(app: Api, { store }: RouteDeps): Promise<void> {
  const owner = (a: { account_sid: string }): string => a.account_sid;
  for (const { prefix, alias } of PREFIXES) {
    const base = `${prefix}/Applications`;
    app.post(base, { schema: { ...describe('Applications', 'Create an application', alias), params: ListParams, body: ApplicationCreate, response: { 201: Created, ...errorResponses } } }, async (req, reply) => {
      const scope = await scopeAccount(req, store, req.params.account_sid);
      const account_sid = targetAccount(getAuth(req), scope, req.body.account_sid, false) as string;
      checkAppJson(req.body.app_json);
      const created = await store.applications.create({ ...req.body, account_sid });
      return reply.code(201).send({ sid: created.application_sid });
    });
    app.get(base, { schema: { ...describe('Applications', 'List applications', alias), params: ListParams, response: { 200: Type.Array(ApplicationOut), ...errorResponses } } }, async (req) => {
      const scope = await scopeAccount(req, store, req.params.account_sid);
      return store.applications.list(scope === undefined ? {} : { account_sid: scope });
    });
    app.get(`${base}/:sid`, { schema: { ...describe('Applications', 'Read an application', alias), params: ItemParams, response: { 200: ApplicationOut, ...errorResponses } } }, async (req) => {
      const scope = await scopeAccount(req, store, req.params.account_sid);
      return assertInScope(await store.applications.get(req.params.sid), owner, scope, 'application');
    });
    app.put(`${base}/:sid`, { schema: { ...describe('Applications', 'Update an application', alias), params: ItemParams, body: ApplicationUpdate, response: { 204: Type.Null(), ...errorResponses } } }, async (req, reply) => {
      const scope = await scopeAccount(req, store, req.params.account_sid);
      const cur = assertInScope(await store.applications.get(req.params.sid), owner, scope, 'application');
      unchanged('account_sid', req.body.account_sid, cur.account_sid);
      checkAppJson(req.body.app_json);
      const { account_sid: _fixed, ...patch } = req.body;
      await store.applications.update(cur.application_sid, patch);
      return reply.code(204).send(null);
    });
    app.delete(`${base}/:sid`, { schema: { ...describe('Applications', 'Delete an application (422 while a number or carrier uses it)', alias), params: ItemParams, response: { 204: Type.Null(), ...errorResponses } } }, async (req, reply) => {
      const scope = await scopeAccount(req, store, req.params.account_sid);
      const cur = assertInScope(await store.applications.get(req.params.sid), owner, scope, 'application');
      await store.applications.delete(cur.application_sid);
      return reply.code(204).send(null);
    });
  }
}
