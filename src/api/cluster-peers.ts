import { createHmac, timingSafeEqual } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { Agent, request } from 'undici';
import type { AuthContext } from './auth.js';
import { ApiError } from './errors.js';

/**
 * Issue 16: the other nodes of a cluster, as the REST API needs them. Any node answers for any
 * call: a request for a live call another node owns is forwarded to that node's own REST API
 * and its answer relayed as it is. The hop is signed with the cluster's shared secret (time,
 * node, method, URL and the caller this node authenticated), so the owner knows it came from a
 * node: it takes the caller from it instead of looking the key up again, does not charge the
 * key's rate limit twice, and never forwards it again. The client's key travels along for a
 * request that carries no caller (it is checked again then).
 */
export interface ClusterPeers {
  readonly nodeId: string;
  /** The live node owning `callSid` when it is another node; undefined otherwise. */
  ownerOf(callSid: string): Promise<{ readonly nodeId: string; readonly httpUrl: string } | undefined>;
  /** The account's live calls on the other nodes (each call's listed `CallInfo`). */
  remoteCalls(accountSid: string): Promise<Readonly<Record<string, unknown>>[]>;
  /** The key of the cluster-wide token bucket behind the API rate limit. */
  takeToken(key: string, perSecond: number, burst: number): Promise<number>;
  /** The secret forwarded requests are signed with (the same on every node). */
  secret(): Promise<string>;
}

const NODE_HEADER = 'x-vgw-node';
const SIGNATURE_HEADER = 'x-vgw-forward';
/** Who the forwarding node authenticated (`admin:<key sid>` or `account:<account sid>:<key sid>`), under the signature. */
const AUTH_HEADER = 'x-vgw-auth';
/** How old a forwarded request may be: nodes share a clock only as far as NTP keeps them together. */
const MAX_SKEW_MS = 30_000;

declare module 'fastify' {
  interface FastifyRequest {
    /** The node that forwarded this request (a valid signature), else undefined. */
    forwardedBy: string | undefined;
  }
}

function mac(secret: string, t: number, node: string, method: string, url: string, auth: string): string {
  return createHmac('sha256', secret).update(`${t}.${node}.${method}.${url}.${auth}`).digest('hex');
}

function authString(a: AuthContext | undefined): string {
  if (!a) return '';
  return a.scope === 'admin' ? `admin:${a.keySid}` : `account:${a.accountSid ?? ''}:${a.keySid}`;
}

function parseAuth(v: string): AuthContext | undefined {
  const admin = /^admin:([^:]+)$/.exec(v);
  if (admin) return { scope: 'admin', keySid: admin[1] };
  const account = /^account:([^:]+):([^:]+)$/.exec(v);
  return account ? { scope: 'account', accountSid: account[1], keySid: account[2] } : undefined;
}

/** A request another node forwarded: that node, and the caller it authenticated (when it says). */
export interface Forwarded {
  readonly node: string;
  readonly auth: AuthContext | undefined;
}

/**
 * The forwarding node of a signed request, undefined for a request that carries no signature,
 * and a 401 for one whose signature is wrong or too old (never forwarded, never trusted).
 */
export async function forwardedBy(req: FastifyRequest, peers: ClusterPeers, wallNow: number): Promise<Forwarded | undefined> {
  const sig = req.headers[SIGNATURE_HEADER];
  const node = req.headers[NODE_HEADER];
  const auth = req.headers[AUTH_HEADER] ?? '';
  if (sig === undefined && node === undefined) return undefined;
  const m = typeof sig === 'string' ? /^t=(\d{1,15}),v1=([0-9a-f]{64})$/.exec(sig) : null;
  if (!m || typeof node !== 'string' || node.length === 0 || typeof auth !== 'string') throw new ApiError(401, 'unauthorized');
  const t = Number(m[1]);
  if (Math.abs(wallNow - t) > MAX_SKEW_MS) throw new ApiError(401, 'unauthorized');
  const want = Buffer.from(mac(await peers.secret(), t, node, req.method, req.url, auth), 'hex');
  if (!timingSafeEqual(want, Buffer.from(m[2], 'hex'))) throw new ApiError(401, 'unauthorized');
  return { node, auth: auth === '' ? undefined : parseAuth(auth) };
}

/** Relays requests to the node that owns a call, over kept-alive connections. */
export class ClusterForwarder {
  private readonly agent = new Agent({ connections: 16, keepAliveTimeout: 30_000 });

  constructor(private readonly peers: ClusterPeers, private readonly wallNow: () => number) {}

  /** The owning node of `callSid` unless the call is here or the request was already forwarded once. */
  async remoteOwner(req: FastifyRequest, callSid: string, isLocal: boolean): Promise<{ readonly nodeId: string; readonly httpUrl: string } | undefined> {
    if (isLocal || req.forwardedBy !== undefined) return undefined;
    const owner = await this.peers.ownerOf(callSid);
    return owner && owner.nodeId !== this.peers.nodeId ? owner : undefined;
  }

  /** Sends `req` (method, path, client key, JSON body) to `owner` and answers with its status and body. */
  async relay(owner: { readonly nodeId: string; readonly httpUrl: string }, req: FastifyRequest, reply: FastifyReply): Promise<FastifyReply> {
    const t = this.wallNow();
    // The owner takes the caller this node authenticated from the signed header: no second key lookup.
    const auth = authString(req.auth);
    const headers: Record<string, string> = {
      [NODE_HEADER]: this.peers.nodeId,
      [SIGNATURE_HEADER]: `t=${t},v1=${mac(await this.peers.secret(), t, this.peers.nodeId, req.method, req.url, auth)}`,
      ...(auth ? { [AUTH_HEADER]: auth } : {}),
    };
    if (req.headers.authorization) headers.authorization = req.headers.authorization;
    const body = req.body === undefined ? undefined : JSON.stringify(req.body);
    if (body !== undefined) headers['content-type'] = 'application/json';
    let res;
    try {
      res = await request(`${owner.httpUrl}${req.url}`, { method: req.method as 'GET', headers, body, dispatcher: this.agent, headersTimeout: 10_000, bodyTimeout: 10_000 });
    } catch (e) {
      throw new ApiError(503, `the node that owns the call (${owner.nodeId}) cannot be reached: ${e instanceof Error ? e.message : String(e)}`, undefined, 1);
    }
    const text = await res.body.text();
    const retryAfter = res.headers['retry-after'];
    if (typeof retryAfter === 'string') void reply.header('retry-after', retryAfter);
    const type = res.headers['content-type'];
    if (typeof type === 'string') void reply.header('content-type', type);
    return reply.code(res.statusCode).send(text === '' ? undefined : text);
  }

  close(): Promise<void> {
    return this.agent.close();
  }
}
