import { Type } from '@sinclair/typebox';
import { CampaignError, contactsFromCsv, contactsFromJson, type CampaignConfig, type CampaignService } from '../../app/campaigns/index.js';
import type { CampaignState, ContactOutcome, ContactRecord, ContactState } from '../../store/index.js';
import { accountForRequest } from '../auth.js';
import { ApiError, badField, notFound } from '../errors.js';
import { AccountParams, Created, errorResponses } from '../schemas/common.js';
import { CampaignCreate, CampaignParams, CampaignUpdate, ContactsQuery, DncParams } from '../schemas/campaigns.js';
import type { Api, ApiPlugin, RouteDeps } from '../types.js';

/** Campaign-layer errors as HTTP answers: 404, or 400 with the field path. */
/** Bodies whose shape the issue documents (see docs/campaigns.md); serialised as they are. */
const ok = { 200: Type.Unknown(), ...errorResponses };

function toHttp(e: unknown): never {
  if (e instanceof CampaignError) {
    if (e.code === 'CAMPAIGN_NOT_FOUND') throw notFound('campaign');
    throw new ApiError(400, e.field ? `${e.field}: ${e.message}` : e.message, e.field ? [{ path: e.field, message: e.message }] : undefined);
  }
  throw e;
}

async function guard<T>(f: () => Promise<T>): Promise<T> {
  try {
    return await f();
  } catch (e) {
    return toHttp(e);
  }
}

function contactOut(c: ContactRecord): Record<string, unknown> {
  return {
    number: c.number, state: c.state, outcome: c.outcome, attempts: c.attempts, call_sids: c.call_sids, next_attempt_at: c.next_attempt_at,
    timezone: c.timezone, tag: c.tag, amd: c.amd,
  };
}

/**
 * Issue 17: `/v1/Accounts/{sid}/Campaigns` (CRUD, state, contacts as JSON or CSV, CSV export)
 * and `/v1/Accounts/{sid}/DoNotCall`. Another account's key gets 403, another account's campaign 404.
 */
export function campaignRoutes(service: CampaignService): ApiPlugin {
  return async (app, deps) => {
    // text/csv uploads arrive as a string (JSON is parsed as everywhere else).
    app.addContentTypeParser(['text/csv', 'text/plain'], { parseAs: 'string' }, (_req, body, done) => done(null, body));
    campaignCrud(app, deps, service);
    contactRoutes(app, deps, service);
    dncRoutes(app, deps, service);
  };
}

function campaignCrud(app: Api, { store }: RouteDeps, service: CampaignService): void {
  const base = '/Accounts/:account_sid/Campaigns';
  const tags = ['Campaigns'];
  app.post(base, { schema: { tags, summary: 'Create a campaign (draft)', params: AccountParams, body: CampaignCreate, response: { 201: Created, ...errorResponses } } }, async (req, reply) => {
    const account = await accountForRequest(req, store, req.params.account_sid);
    const c = await guard(() => service.create(account.account_sid, req.body as unknown as CampaignConfig));
    return reply.code(201).send({ sid: c.campaign_sid });
  });
  app.get(base, { schema: { tags, summary: 'List campaigns with their counts', params: AccountParams, response: ok } }, async (req) => {
    const account = await accountForRequest(req, store, req.params.account_sid);
    return service.list(account.account_sid);
  });
  app.get(`${base}/:campaign_sid`, { schema: { tags, summary: 'A campaign: definition, state, counts, progress', params: CampaignParams, response: ok } }, async (req) => {
    const account = await accountForRequest(req, store, req.params.account_sid);
    return guard(() => service.view(account.account_sid, req.params.campaign_sid));
  });
  app.put(`${base}/:campaign_sid`, { schema: { tags, summary: 'Change state (running, paused, stopped) and/or pacing', params: CampaignParams, body: CampaignUpdate, response: ok } }, async (req) => {
    const account = await accountForRequest(req, store, req.params.account_sid);
    return guard(() => service.update(account.account_sid, req.params.campaign_sid, { state: req.body.state as CampaignState | undefined, pacing: req.body.pacing }));
  });
  app.delete(`${base}/:campaign_sid`, { schema: { tags, summary: 'Delete a campaign that is not running', params: CampaignParams, response: { 204: Type.Null(), ...errorResponses } } }, async (req, reply) => {
    const account = await accountForRequest(req, store, req.params.account_sid);
    await guard(() => service.delete(account.account_sid, req.params.campaign_sid));
    return reply.code(204).send(null);
  });
}

function contactRoutes(app: Api, { store }: RouteDeps, service: CampaignService): void {
  const path = '/Accounts/:account_sid/Campaigns/:campaign_sid/Contacts';
  const tags = ['Campaigns'];
  app.post(path, { schema: { tags, summary: 'Add contacts: a JSON array or text/csv with a "number" column', params: CampaignParams, response: ok } }, async (req) => {
    const account = await accountForRequest(req, store, req.params.account_sid);
    const body: unknown = req.body;
    const parsed = typeof body === 'string' ? contactsFromCsv(body) : Array.isArray(body) ? contactsFromJson(body) : undefined;
    if (!parsed) throw badField('body', 'must be a JSON array of contacts or a text/csv upload');
    return guard(() => service.addContacts(account.account_sid, req.params.campaign_sid, parsed));
  });
  app.get(path, { schema: { tags, summary: 'Contacts with their state and outcome (paged; format=csv exports them all)', params: CampaignParams, querystring: ContactsQuery, response: ok } }, async (req, reply) => {
    const account = await accountForRequest(req, store, req.params.account_sid);
    const q = { state: req.query.state as ContactState | undefined, outcome: req.query.outcome as ContactOutcome | undefined };
    if (req.query.format === 'csv') {
      const csv = await guard(() => service.exportCsv(account.account_sid, req.params.campaign_sid, q));
      return reply.type('text/csv; charset=utf-8').header('content-disposition', `attachment; filename="campaign-${req.params.campaign_sid}.csv"`).send(csv);
    }
    const count = req.query.count ?? 50;
    const page = req.query.page ?? 1;
    const r = await guard(() => service.contacts(account.account_sid, req.params.campaign_sid, { ...q, offset: (page - 1) * count, limit: count }));
    return { total: r.total, page, count, data: r.data.map(contactOut) };
  });
}

function dncRoutes(app: Api, { store }: RouteDeps, service: CampaignService): void {
  const base = '/Accounts/:account_sid/DoNotCall';
  const tags = ['DoNotCall'];
  app.post(base, { schema: { tags, summary: 'Add a number ({"number"}) or import a text/csv with a "number" column', params: AccountParams, response: { 201: Type.Unknown(), ...ok } } }, async (req, reply) => {
    const account = await accountForRequest(req, store, req.params.account_sid);
    const body: unknown = req.body;
    if (typeof body === 'string') return guard(() => service.dncImport(account.account_sid, body));
    const number = typeof body === 'object' && body !== null && !Array.isArray(body) ? (body as { number?: unknown }).number : undefined;
    if (typeof number !== 'string' || Object.keys(body as object).length !== 1) throw badField('number', 'is required (a body of just {"number"})');
    const r = await guard(() => service.dncAdd(account.account_sid, number));
    return reply.code(r.added ? 201 : 200).send({ number: r.number });
  });
  app.get(base, { schema: { tags, summary: 'The account\'s do-not-call list', params: AccountParams, response: ok } }, async (req) => {
    const account = await accountForRequest(req, store, req.params.account_sid);
    return (await store.dnc.list(account.account_sid)).map((d) => ({ number: d.number, created_at: d.created_at }));
  });
  app.delete(`${base}/:number`, { schema: { tags, summary: 'Remove a number', params: DncParams, response: { 204: Type.Null(), ...errorResponses } } }, async (req, reply) => {
    const account = await accountForRequest(req, store, req.params.account_sid);
    if (!(await guard(() => service.dncDelete(account.account_sid, req.params.number)))) throw notFound('number');
    return reply.code(204).send(null);
  });
}
