import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import type { Clock, TimerHandle } from '../kernel/clock.js';
import { errorMessage } from '../kernel/errors.js';
import type { Logger } from '../kernel/logger.js';
import { ClusterError, checkBucket } from './errors.js';
import { ADMIT, CLAIM, FORGET, HEARTBEAT, JOIN, OWNER, REMOVE, TAKE_TOKEN, UPDATE, type LuaScript } from './redis-scripts.js';
import type { Admission, AdmissionLimits, ClusterState, LiveCallEntry, NodeInfo } from './types.js';

/**
 * The cluster state shared through one Redis (issue 16). Every key starts with `keyPrefix`
 * (default `vgw:`); `{x}` below stands for the value, not literal braces.
 *
 *   nodes                   SET    ids of the nodes that joined and did not leave
 *   node:{id}               HASH   httpUrl, sipHost, startedAt (no TTL: a lost node is still known)
 *   hb:{id}                 STRING startedAt, SET PX heartbeatTtlMs every heartbeatMs: the node is alive while it exists
 *   node:{id}:calls         SET    sids of the calls node {id} admitted
 *   settle:{id}             STRING id of the node that claimed lost node {id}'s settlement (PX claimMs)
 *   call:{sid}              HASH   account, node, info (the CallInfo JSON of the last status change)
 *   acct:{account}:calls    SET    sids of the account's live calls (SCARD = its concurrent calls)
 *   acct:{account}:starts   ZSET   sid → Redis server time (ms) of each admitted start, trimmed to
 *                                  the last 1000 ms and PEXPIRE'd 1 s after the last start
 *   bucket:{key}            HASH   tokens, at (server ms) of an API token bucket; expires once full again
 *   secret                  STRING 32 random bytes in hex, set once (NX) by the first node that asks
 *
 * Admission, updates, removal, join, heartbeat, token buckets, claims and forgetting are each one
 * Lua script (redis-scripts.ts), so they are atomic across the cluster. Times inside Redis are the
 * server's `TIME`; the node clock only drives the heartbeat timer. Node ids may not contain `:`
 * (`node:a:calls` must never be the info hash of a node named `a:calls`).
 *
 * Outages: ioredis reconnects by itself; a command waits through at most `MAX_RETRIES`
 * reconnection attempts and then rejects with CLUSTER_UNAVAILABLE (as does every Redis failure,
 * and any call after `close()`). A failed heartbeat is logged, never thrown.
 */
export interface RedisClusterOptions {
  readonly url: string;
  readonly nodeId: string;
  readonly clock: Clock;
  readonly logger: Logger;
  /** How often the heartbeat key is refreshed (default 2000). */
  readonly heartbeatMs?: number;
  /** How long a heartbeat lasts without refresh (default 6000; must exceed heartbeatMs). */
  readonly heartbeatTtlMs?: number;
  /** Prefix of every key (default `vgw:`). */
  readonly keyPrefix?: string;
  /** How long `connect()` waits for Redis before CLUSTER_UNAVAILABLE (default 3000). */
  readonly connectTimeoutMs?: number;
}

/** Reconnection attempts a command waits through during an outage before it rejects. */
const MAX_RETRIES = 3;

type Fields = Record<string, string>;

function toNodeInfo(nodeId: string, h: Fields): NodeInfo {
  return { nodeId, httpUrl: h.httpUrl ?? '', sipHost: h.sipHost ?? '', startedAt: h.startedAt ?? '' };
}

/** Redis returns HGETALL through Lua as a flat [field, value, …] array. */
function pairs(flat: unknown): Fields {
  const out: Fields = {};
  if (!Array.isArray(flat)) return out;
  for (let i = 0; i + 1 < flat.length; i += 2) out[String(flat[i])] = String(flat[i + 1]);
  return out;
}

function keysFor(p: string) {
  return {
    nodes: `${p}nodes`,
    node: (id: string) => `${p}node:${id}`,
    hb: (id: string) => `${p}hb:${id}`,
    nodeCalls: (id: string) => `${p}node:${id}:calls`,
    settle: (id: string) => `${p}settle:${id}`,
    call: (sid: string) => `${p}call:${sid}`,
    acctCalls: (account: string) => `${p}acct:${account}:calls`,
    acctStarts: (account: string) => `${p}acct:${account}:starts`,
    bucket: (key: string) => `${p}bucket:${key}`,
    secret: `${p}secret`,
  };
}

export class RedisClusterState implements ClusterState {
  readonly shared = true;
  readonly nodeId: string;
  private readonly redis: Redis;
  private readonly k: ReturnType<typeof keysFor>;
  private readonly prefix: string;
  private readonly clock: Clock;
  private readonly log: Logger;
  private readonly heartbeatMs: number;
  private readonly heartbeatTtlMs: number;
  private self: NodeInfo | undefined;
  private timer: TimerHandle | undefined;
  /** The heartbeat write in flight, if any. */
  private beating: Promise<void> | undefined;
  private heartbeatFailing = false;
  private redisDown = false;
  private secret: Promise<string> | undefined;
  private closed: Promise<void> | undefined;

  /** Connects lazily (on the first command); `connect()` is the way to start a node. */
  constructor(opts: RedisClusterOptions) {
    if (opts.nodeId === '' || /[:\s]/.test(opts.nodeId)) throw new ClusterError('CLUSTER_INVALID', `a node id must be non-empty without ':' or spaces, not ${JSON.stringify(opts.nodeId)}`);
    this.nodeId = opts.nodeId;
    this.clock = opts.clock;
    this.log = opts.logger.child({ component: 'cluster', nodeId: opts.nodeId });
    this.heartbeatMs = opts.heartbeatMs ?? 2000;
    this.heartbeatTtlMs = opts.heartbeatTtlMs ?? 6000;
    if (!(this.heartbeatMs > 0 && this.heartbeatTtlMs > this.heartbeatMs)) {
      throw new ClusterError('CLUSTER_INVALID', `the heartbeat TTL (${this.heartbeatTtlMs} ms) must exceed its period (${this.heartbeatMs} ms)`);
    }
    this.prefix = opts.keyPrefix ?? 'vgw:';
    this.k = keysFor(this.prefix);
    this.redis = new Redis(opts.url, { lazyConnect: true, maxRetriesPerRequest: MAX_RETRIES, connectTimeout: opts.connectTimeoutMs ?? 3000 });
    this.redis.on('error', (e: unknown) => {
      if (this.redisDown) return;
      this.redisDown = true;
      this.log.warn('redis connection error (reconnecting)', { err: errorMessage(e) });
    });
    this.redis.on('ready', () => {
      if (!this.redisDown) return;
      this.redisDown = false;
      this.log.info('redis connection restored');
    });
  }

  /**
   * A state connected to Redis, or CLUSTER_UNAVAILABLE if Redis does not answer PING within
   * `connectTimeoutMs`. That wait is real time (a socket's), not the injected clock's.
   */
  static async connect(opts: RedisClusterOptions): Promise<RedisClusterState> {
    const state = new RedisClusterState(opts);
    const ms = opts.connectTimeoutMs ?? 3000;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timeout = new Promise<never>((_r, reject) => {
      timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
    });
    try {
      await Promise.race([state.redis.connect().then(() => state.redis.ping()), timeout]);
    } catch (e) {
      state.redis.disconnect();
      throw new ClusterError('CLUSTER_UNAVAILABLE', `redis at ${redactUrl(opts.url)} is unreachable: ${errorMessage(e)}`, { cause: e });
    } finally {
      clearTimeout(timer);
    }
    return state;
  }

  async join(self: NodeInfo): Promise<void> {
    if (self.nodeId !== this.nodeId) throw new ClusterError('CLUSTER_INVALID', `join: NodeInfo of ${self.nodeId}, this node is ${this.nodeId}`);
    const id = this.nodeId;
    const dropped = await this.run(
      JOIN,
      [this.k.nodeCalls(id), this.k.node(id), this.k.hb(id), this.k.nodes, this.k.settle(id)],
      [this.prefix, id, self.httpUrl, self.sipHost, self.startedAt, this.heartbeatTtlMs],
    );
    if (Number(dropped) > 0) this.log.info('dropped the calls a previous process of this node left registered', { calls: Number(dropped) });
    this.self = self;
    this.stopHeartbeat();
    this.scheduleHeartbeat();
  }

  async leave(): Promise<void> {
    this.stopHeartbeat();
    this.self = undefined;
    await this.beating; // a late heartbeat must not announce the node again
    const id = this.nodeId;
    await this.io('leave', () => this.redis.multi().del(this.k.hb(id), this.k.node(id)).srem(this.k.nodes, id).exec());
  }

  async admitCall(accountSid: string, callSid: string, limits: AdmissionLimits): Promise<Admission> {
    const r = await this.run(
      ADMIT,
      [this.k.acctCalls(accountSid), this.k.acctStarts(accountSid), this.k.call(callSid), this.k.nodeCalls(this.nodeId)],
      [callSid, limits.maxConcurrent ?? -1, limits.maxPerSecond ?? -1, accountSid, this.nodeId],
    );
    if (r === 'ok' || r === 'concurrent' || r === 'rate') return r;
    throw new ClusterError('CLUSTER_UNAVAILABLE', `unexpected admission reply ${JSON.stringify(r)}`);
  }

  async updateCall(_accountSid: string, callSid: string, info: Readonly<Record<string, unknown>>): Promise<void> {
    await this.run(UPDATE, [this.k.call(callSid)], [JSON.stringify(info)]);
  }

  async removeCall(accountSid: string, callSid: string): Promise<void> {
    await this.run(REMOVE, [this.k.call(callSid), this.k.acctCalls(accountSid)], [this.prefix, callSid]);
  }

  async listCalls(accountSid: string): Promise<LiveCallEntry[]> {
    const sids = await this.io('listCalls', () => this.redis.smembers(this.k.acctCalls(accountSid)));
    if (sids.length === 0) return [];
    const p = this.redis.pipeline();
    for (const sid of sids) p.hgetall(this.k.call(sid));
    const replies = (await this.io('listCalls', () => p.exec())) ?? [];
    const out: LiveCallEntry[] = [];
    sids.forEach((callSid, i) => {
      const [err, h] = replies[i] ?? [null, {}];
      if (err) throw err;
      const f = h as Fields;
      if (f.node === undefined) return; // removed between SMEMBERS and HGETALL
      out.push({ callSid, accountSid, nodeId: f.node, info: this.parseInfo(callSid, f.info) });
    });
    return out;
  }

  async ownerOf(callSid: string): Promise<NodeInfo | undefined> {
    const reply = await this.run(OWNER, [this.k.call(callSid)], [this.prefix]);
    if (!Array.isArray(reply) || reply.length === 0) return undefined;
    const [node, ...flat] = reply.map(String);
    const info: Fields = {};
    for (let i = 0; i + 1 < flat.length; i += 2) info[flat[i]] = flat[i + 1];
    return info.httpUrl !== undefined ? toNodeInfo(node, info) : undefined;
  }

  async takeToken(key: string, perSecond: number, burst: number): Promise<number> {
    checkBucket(perSecond, burst);
    return Number(await this.run(TAKE_TOKEN, [this.k.bucket(key)], [perSecond, burst]));
  }

  sharedSecret(): Promise<string> {
    this.secret ??= this.loadSecret().catch((e: unknown) => {
      this.secret = undefined; // not cached: the next call asks Redis again
      throw e;
    });
    return this.secret;
  }

  async claimLostNodes(claimMs: number): Promise<NodeInfo[]> {
    if (!(Number.isFinite(claimMs) && claimMs > 0)) throw new ClusterError('CLUSTER_INVALID', `a claim must last > 0 ms, not ${claimMs}`);
    const others = (await this.io('claimLostNodes', () => this.redis.smembers(this.k.nodes))).filter((id) => id !== this.nodeId);
    const claims = await Promise.all(
      others.map(async (id) => {
        const r = await this.run(CLAIM, [this.k.hb(id), this.k.settle(id), this.k.node(id)], [this.nodeId, Math.ceil(claimMs)]);
        return r === null ? undefined : toNodeInfo(id, pairs(r));
      }),
    );
    return claims.filter((n): n is NodeInfo => n !== undefined);
  }

  async forgetNode(nodeId: string): Promise<string[]> {
    const r = await this.run(
      FORGET,
      [this.k.nodeCalls(nodeId), this.k.node(nodeId), this.k.nodes, this.k.settle(nodeId), this.k.hb(nodeId)],
      [this.prefix, nodeId],
    );
    return Array.isArray(r) ? r.map(String) : [];
  }

  close(): Promise<void> {
    this.stopHeartbeat();
    this.closed ??= (async () => {
      await this.beating;
      if (this.redis.status !== 'ready') {
        this.redis.disconnect();
        return;
      }
      try {
        await this.redis.quit();
      } catch (e) {
        this.log.debug('redis quit failed; disconnecting', { err: errorMessage(e) });
        this.redis.disconnect();
      }
    })();
    return this.closed;
  }

  private async loadSecret(): Promise<string> {
    await this.io('sharedSecret', () => this.redis.set(this.k.secret, randomBytes(32).toString('hex'), 'NX'));
    const secret = await this.io('sharedSecret', () => this.redis.get(this.k.secret));
    if (secret === null) throw new ClusterError('CLUSTER_UNAVAILABLE', 'the shared secret vanished from redis right after it was set');
    return secret;
  }

  private parseInfo(callSid: string, json: string | undefined): Readonly<Record<string, unknown>> {
    try {
      const v: unknown = JSON.parse(json ?? '{}');
      if (v !== null && typeof v === 'object' && !Array.isArray(v)) return v as Record<string, unknown>;
    } catch (e) {
      this.log.warn('unreadable call info in redis', { callSid, err: errorMessage(e) });
    }
    return {};
  }

  /**
   * Any failure of a Redis command (outage, server error) as CLUSTER_UNAVAILABLE; after `close()`
   * nothing is sent (ioredis would queue it for a reconnection that never comes).
   */
  private async io<T>(what: string, send: () => Promise<T>): Promise<T> {
    if (this.closed) throw new ClusterError('CLUSTER_UNAVAILABLE', `redis ${what}: the cluster state is closed`);
    try {
      return await send();
    } catch (e) {
      throw new ClusterError('CLUSTER_UNAVAILABLE', `redis ${what}: ${errorMessage(e)}`, { cause: e });
    }
  }

  /** EVALSHA, and EVAL once when the server does not have the script (first use, or after a restart). */
  private async run(s: LuaScript, keys: string[], args: (string | number)[]): Promise<unknown> {
    try {
      return await this.io(s.name, () => this.redis.evalsha(s.sha, keys.length, ...keys, ...args));
    } catch (e) {
      if (!errorMessage(e).includes('NOSCRIPT')) throw e;
      return this.io(s.name, () => this.redis.eval(s.lua, keys.length, ...keys, ...args));
    }
  }

  private scheduleHeartbeat(): void {
    this.timer = this.clock.setTimer(this.heartbeatMs, () => {
      this.beat();
      this.scheduleHeartbeat();
    });
  }

  private stopHeartbeat(): void {
    this.timer?.cancel();
    this.timer = undefined;
  }

  /** One heartbeat write; skipped while the previous one is still in flight (Redis slow or down). */
  private beat(): void {
    const self = this.self;
    if (this.beating !== undefined || self === undefined) return;
    const id = this.nodeId;
    this.beating = this.run(HEARTBEAT, [this.k.hb(id), this.k.node(id), this.k.nodes], [id, self.httpUrl, self.sipHost, self.startedAt, this.heartbeatTtlMs])
      .then((lapsed) => {
        if (this.heartbeatFailing) this.log.info('cluster heartbeat restored');
        this.heartbeatFailing = false;
        if (lapsed === 1) this.log.warn('this node\'s heartbeat had expired: other nodes may have settled its calls');
      })
      .catch((e: unknown) => {
        // Logged, never thrown: the node keeps running through a Redis outage.
        this.log[this.heartbeatFailing ? 'debug' : 'warn']('cluster heartbeat failed', { err: errorMessage(e) });
        this.heartbeatFailing = true;
      })
      .finally(() => {
        this.beating = undefined;
      });
  }
}

/** The URL without its password, for messages. */
function redactUrl(url: string): string {
  return url.replace(/\/\/([^@/]*):[^@/]*@/, '//$1:***@');
}
