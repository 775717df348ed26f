import { Type } from '@sinclair/typebox';
import { hashToken, newApiToken, tokenHint, type ApiKey } from '../../store/index.js';
import { assertInScope, getAuth, scopeAccount } from '../auth.js';
import { ApiError, badField } from '../errors.js';
import { errorResponses } from '../schemas/common.js';
import { ApiKeyCreate, ApiKeyCreated, ApiKeyOut } from '../schemas/resources.js';
import type { Api, RouteDeps } from '../types.js';
import { describe, ItemParams, ListParams, PREFIXES, targetAccount } from './scope.js';

const owner = (k: ApiKey): string | null => k.account_sid;

/**
 * API keys (contract §7.1, with DESIGN.md §2's differences): the token is random, returned once
 * by POST and stored only as its SHA-256; lists show `token_hint` instead. DELETE revokes.
 */
export async function apiKeyRoutes(app: Api, { store, clock }: RouteDeps): Promise<void> {
  for (const { prefix, alias } of PREFIXES) {
    const base = `${prefix}/ApiKeys`;
    app.post(base, { schema: { ...describe('ApiKeys', 'Create an API key; the token is shown only in this response', alias), params: ListParams, body: ApiKeyCreate, response: { 201: ApiKeyCreated, ...errorResponses } } }, async (req, reply) => {
      const scope = await scopeAccount(req, store, req.params.account_sid);
      const account_sid = targetAccount(getAuth(req), scope, req.body.account_sid, true);
      if (account_sid !== null && !(await store.accounts.get(account_sid))) throw new ApiError(422, 'account_sid not found', [{ path: 'account_sid', message: 'not found' }]);
      const expires = req.body.expires_at ?? null;
      if (expires !== null && Date.parse(expires) <= clock.wallNow()) throw badField('expires_at', 'must be in the future');
      const token = newApiToken();
      const key = await store.apiKeys.create({ account_sid, token_hash: hashToken(token), token_hint: tokenHint(token), expires_at: expires && new Date(expires).toISOString() });
      return reply.code(201).header('cache-control', 'no-store').send({ sid: key.api_key_sid, token });
    });
    app.get(base, { schema: { ...describe('ApiKeys', 'List API keys (never their tokens)', alias), params: ListParams, response: { 200: Type.Array(ApiKeyOut), ...errorResponses } } }, async (req) => {
      const scope = await scopeAccount(req, store, req.params.account_sid);
      return store.apiKeys.list(scope === undefined ? {} : { account_sid: scope });
    });
    app.get(`${base}/:sid`, { schema: { ...describe('ApiKeys', 'Read an API key (not its token)', alias), params: ItemParams, response: { 200: ApiKeyOut, ...errorResponses } } }, async (req) => {
      const scope = await scopeAccount(req, store, req.params.account_sid);
      return assertInScope(await store.apiKeys.get(req.params.sid), owner, scope, 'api key');
    });
    app.delete(`${base}/:sid`, { schema: { ...describe('ApiKeys', 'Revoke an API key', alias), params: ItemParams, response: { 204: Type.Null(), ...errorResponses } } }, async (req, reply) => {
      const scope = await scopeAccount(req, store, req.params.account_sid);
      const key = assertInScope(await store.apiKeys.get(req.params.sid), owner, scope, 'api key');
      if (key.scope === 'admin' && (await store.apiKeys.countAdmin()) <= 1) throw new ApiError(422, 'cannot revoke the last admin key');
      await store.apiKeys.delete(key.api_key_sid);
      return reply.code(204).send(null);
    });
  }
}
