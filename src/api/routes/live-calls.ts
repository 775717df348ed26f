import { Type, type Static } from '@sinclair/typebox';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { CallInfo, CallStatus } from '../../call/control.js';
import { CallError } from '../../call/errors.js';
import { RecordError } from '../../call/siprec/index.js';
import { GatewayError } from '../../kernel/errors.js';
import { applyLiveUpdate, CallRequestError, type CallsService, type CreateCallBody as CreateCallInput, type LiveUpdate } from '../../app/index.js';
import { VerbValidationError } from '../../verbs/index.js';
import { accountForRequest } from '../auth.js';
import { headerErrors, methodErrors, refuse, unsupportedErrors } from '../checks.js';
import { ApiError, notFound } from '../errors.js';
import { Sid } from '../schemas/common.js';
import { CallRecord, CallsQuery, CreateCallBody, CreateCallReply, UpdateCallBody } from '../schemas/live-calls.js';
import type { Api, ApiPlugin, RouteDeps } from '../types.js';

const AccountParams = Type.Object({ account_sid: Sid });
const CallParams = Type.Object({ account_sid: Sid, call_sid: Sid });
const ErrorBody = Type.Object({ msg: Type.String(), errors: Type.Optional(Type.Array(Type.Object({ path: Type.String(), message: Type.String() }))) });
const errors = { 400: ErrorBody, 401: ErrorBody, 403: ErrorBody, 404: ErrorBody, 422: ErrorBody, 429: ErrorBody, 503: ErrorBody };

/** Call-layer errors as HTTP answers (429/503 carry Retry-After). */
function toHttp(e: unknown): never {
  if (e instanceof CallRequestError) throw new ApiError(400, e.message, [{ path: e.field, message: e.message }]);
  if (e instanceof VerbValidationError) throw new ApiError(400, e.message, [{ path: e.path, message: e.message }]);
  if (e instanceof RecordError) throw new ApiError(e.code === 'RECORD_WRONG_STATE' ? 422 : 400, e.message, [{ path: e.path, message: e.message }]);
  if (e instanceof CallError) {
    switch (e.code) {
      case 'CALL_NOT_FOUND': throw notFound('call');
      case 'CALL_WRONG_STATE': throw new ApiError(422, e.message);
      case 'CALL_LIMIT': throw new ApiError(429, e.message, undefined, e.retryAfterSeconds);
      case 'CALL_SHUTTING_DOWN': throw new ApiError(503, e.message, undefined, e.retryAfterSeconds);
      default: throw new ApiError(400, e.message, e.field ? [{ path: e.field, message: e.message }] : undefined);
    }
  }
  if (e instanceof GatewayError && e.code === 'MEDIA_NO_PORTS') throw new ApiError(503, 'no free RTP ports', undefined, 1);
  // Issue 16: a cluster node that cannot reach the shared registry cannot keep the account's limits.
  if (e instanceof GatewayError && e.code === 'CLUSTER_UNAVAILABLE') throw new ApiError(503, 'the cluster registry (Redis) is unavailable', undefined, 1);
  throw e;
}

/** Issue 16: the node that owns a call not on this one (the request is then relayed there). */
function remoteOwner(deps: RouteDeps, service: CallsService, req: FastifyRequest & { params: Static<typeof CallParams> }): Promise<{ nodeId: string; httpUrl: string } | undefined> {
  const cluster = deps.cluster;
  if (!cluster) return Promise.resolve(undefined);
  return cluster.forwarder.remoteOwner(req, req.params.call_sid, service.find(req.params.account_sid, req.params.call_sid) !== undefined);
}

/** GET /Calls filters over a call's listed `CallInfo`. */
function matches(info: Readonly<Record<string, unknown>>, f: { direction?: string; from?: string; to?: string; callStatus?: CallStatus }): boolean {
  return (!f.direction || info.direction === f.direction) && (!f.from || info.from === f.from) && (!f.to || info.to === f.to) && (!f.callStatus || info.call_status === f.callStatus);
}

/** What the schema cannot say about POST /Calls: SIP headers, and fields we cannot act on yet. */
function checkCreate(body: Static<typeof CreateCallBody>): void {
  refuse([
    ...headerErrors(body.headers, 'headers'),
    ...headerErrors(body.to.headers, 'to.headers'),
    ...unsupportedErrors([
      ['referHook', body.referHook, [null]],
      ['sipRequestWithinDialogHook', body.sipRequestWithinDialogHook, [null]],
      ['to.proxy', body.to.proxy, [null, '']],
      ['dual_streams', body.dual_streams, [false]],
    ]),
  ]);
}

/** Live-control `sip_request` (contract §5.1). */
interface SipRequestBody {
  readonly method: string;
  readonly content_type?: string;
  readonly content?: string;
  readonly headers?: Record<string, string>;
}

/** Keys of PUT /Calls/{sid} (contract §5.1): exactly one, whisper may accompany one other. */
function actionKeys(body: Record<string, unknown>): string[] {
  const keys = Object.keys(body).filter((k) => body[k] !== undefined);
  const main = keys.filter((k) => k !== 'whisper');
  if (keys.length === 0) throw new ApiError(400, 'no valid options supplied to updateCall');
  if (main.length > 1) throw new ApiError(400, 'multiple options are not allowed in updateCall');
  return keys;
}

/** PUT /Calls/{sid}: apply each action key in order (app/live-control.ts); a `sip_request` answers with the far end's status. */
async function applyUpdate(service: CallsService, accountSid: string, callSid: string, body: Record<string, unknown>, reply: FastifyReply): Promise<FastifyReply> {
  const keys = actionKeys(body);
  const s = body.sip_request as SipRequestBody | undefined;
  if (s) refuse([...methodErrors(s.method, 'sip_request.method'), ...headerErrors(s.headers, 'sip_request.headers')]);
  let sip;
  try {
    // jambonz's `stream_status` is `listen_status` by another name.
    sip = await applyLiveUpdate(service, accountSid, callSid, Object.fromEntries(keys.map((k) => [k === 'stream_status' ? 'listen_status' : k, body[k]])) as LiveUpdate);
  } catch (e) {
    return toHttp(e);
  }
  return sip ? reply.code(200).send(sip) : reply.code(202).send();
}

/**
 * `/v1/Accounts/{account_sid}/Calls`: create (201 once the INVITE is sent), list, read, live
 * control (PUT) and hang-up (DELETE), plus the per-call Timeline.
 */
export function liveCallRoutes(service: CallsService, serviceUrl: string): ApiPlugin {
  return async (app, deps) => {
    createAndReadRoutes(app, deps, service, serviceUrl);
    controlRoutes(app, deps, service);
  };
}

/** POST /Calls, the list, one live call, and its Timeline (live or from the CDR). */
function createAndReadRoutes(app: Api, deps: RouteDeps, service: CallsService, serviceUrl: string): void {
  app.post('/Accounts/:account_sid/Calls', {
    schema: { tags: ['Calls'], summary: 'Place an outbound call', params: AccountParams, body: CreateCallBody, response: { 201: CreateCallReply, ...errors } },
  }, async (req, reply) => {
    const account = await accountForRequest(req, deps.store, req.params.account_sid);
    checkCreate(req.body);
    try {
      const r = await service.create(account.account_sid, req.body as CreateCallInput);
      return reply.code(201).send({ sid: r.sid, callId: r.callId, callid: r.callId });
    } catch (e) {
      return toHttp(e);
    }
  });

  app.get('/Accounts/:account_sid/Calls', {
    schema: { tags: ['Calls'], summary: 'Live calls of the account', params: AccountParams, querystring: CallsQuery, response: { 200: Type.Array(CallRecord), ...errors } },
  }, async (req) => {
    const account = await accountForRequest(req, deps.store, req.params.account_sid);
    const filter = { ...req.query, callStatus: req.query.callStatus as CallStatus | undefined };
    const local = service.list(account.account_sid, filter);
    // Issue 16: the calls of the account's other nodes, as they listed themselves (their CallInfo) in the registry.
    const remote = deps.cluster && req.forwardedBy === undefined ? (await deps.cluster.peers.remoteCalls(account.account_sid)).filter((i) => matches(i, filter)) as unknown as CallInfo[] : [];
    return [...local, ...remote].map((i) => ({ ...i, service_url: serviceUrl, customerData: undefined }));
  });

  app.get('/Accounts/:account_sid/Calls/:call_sid', {
    schema: { tags: ['Calls'], summary: 'One live call', params: CallParams, response: { 200: CallRecord, ...errors } },
  }, async (req, reply) => {
    await accountForRequest(req, deps.store, req.params.account_sid);
    const owner = await remoteOwner(deps, service, req);
    if (owner) return deps.cluster?.forwarder.relay(owner, req, reply);
    try {
      return { ...service.live(req.params.account_sid, req.params.call_sid).info(), service_url: serviceUrl, customerData: undefined };
    } catch (e) {
      return toHttp(e);
    }
  });

  app.get('/Accounts/:account_sid/Calls/:call_sid/Timeline', {
    schema: { tags: ['Calls'], summary: 'What happened to a call, live or finished', params: CallParams },
  }, async (req, reply) => {
    await accountForRequest(req, deps.store, req.params.account_sid);
    const owner = await remoteOwner(deps, service, req);
    if (owner) return deps.cluster?.forwarder.relay(owner, req, reply);
    const live = service.find(req.params.account_sid, req.params.call_sid);
    if (live) return { call_sid: live.sid, call_status: live.status, live: true, timeline: live.timeline.list() };
    const cdr = await deps.store.cdrs.get(req.params.call_sid);
    // No end in the record yet: the call has just ended and its last state is being written (a moment).
    if (!cdr || cdr.account_sid !== req.params.account_sid || cdr.terminated_at === null) return toHttp(new CallError('CALL_NOT_FOUND', 'call not found'));
    return { call_sid: cdr.call_sid, call_status: cdr.answered ? 'completed' : cdr.termination_cause, live: false, timeline: cdr.timeline };
  });
}

/** Live control (PUT, and POST for old clients) and hang-up (DELETE) of one call. */
function controlRoutes(app: Api, deps: RouteDeps, service: CallsService): void {
  for (const method of ['PUT', 'POST'] as const) {
    app.route({
      method, url: '/Accounts/:account_sid/Calls/:call_sid',
      schema: { tags: ['Calls'], summary: method === 'PUT' ? 'Live call control' : 'Live call control (old clients)', params: CallParams, body: UpdateCallBody, ...(method === 'POST' ? { hide: true } : {}) },
      handler: async (req, reply) => {
        await accountForRequest(req, deps.store, req.params.account_sid);
        const owner = await remoteOwner(deps, service, req);
        if (owner) return deps.cluster?.forwarder.relay(owner, req, reply);
        return applyUpdate(service, req.params.account_sid, req.params.call_sid, req.body as Record<string, unknown>, reply);
      },
    });
  }

  app.delete('/Accounts/:account_sid/Calls/:call_sid', {
    schema: { tags: ['Calls'], summary: 'Hang up a call (BYE, or CANCEL while it rings)', params: CallParams },
  }, async (req, reply) => {
    await accountForRequest(req, deps.store, req.params.account_sid);
    const owner = await remoteOwner(deps, service, req);
    if (owner) return deps.cluster?.forwarder.relay(owner, req, reply);
    try {
      await service.hangup(req.params.account_sid, req.params.call_sid);
    } catch (e) {
      return toHttp(e);
    }
    return reply.code(204).send();
  });
}
