import { createHash } from 'node:crypto';

/**
 * The Lua scripts of RedisClusterState (see the key layout in redis-state.ts). Each runs
 * atomically on the Redis server; times come from the server's own `TIME`, never a node clock.
 * Scripts that reach keys derived from stored values (a call's account, a node's calls) build
 * them from the key prefix in ARGV: this needs one Redis (or a primary with replicas), not
 * Redis Cluster.
 */
export interface LuaScript {
  readonly name: string;
  readonly lua: string;
  readonly sha: string;
}

function script(name: string, lua: string): LuaScript {
  return { name, lua, sha: createHash('sha1').update(lua).digest('hex') };
}

/** Server time in (fractional) milliseconds. */
const NOW = `local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + tonumber(t[2]) / 1000
`;

/** Removes call ARGV-sid's hash and its account-set entry (the node set is handled by the caller). */
const DROP_CALL = `local function dropCall(prefix, sid)
  local ck = prefix .. 'call:' .. sid
  local acct = redis.call('HGET', ck, 'account')
  if acct then redis.call('SREM', prefix .. 'acct:' .. acct .. ':calls', sid) end
  redis.call('DEL', ck)
end
`;

/**
 * KEYS: acct:{a}:calls, acct:{a}:starts, call:{sid}, node:{id}:calls.
 * ARGV: sid, maxConcurrent (-1 = none), maxPerSecond (-1 = none), account, node id.
 * Sliding window: starts of the last 1000 ms of server time (a start at t counts while now - t < 1000).
 */
export const ADMIT = script('admit', `${NOW}
local sid = ARGV[1]
if redis.call('SISMEMBER', KEYS[1], sid) == 1 then return 'ok' end
local maxc = tonumber(ARGV[2])
if maxc >= 0 and redis.call('SCARD', KEYS[1]) >= maxc then return 'concurrent' end
redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', now - 1000)
local maxr = tonumber(ARGV[3])
if maxr >= 0 and redis.call('ZCARD', KEYS[2]) >= maxr then return 'rate' end
redis.call('ZADD', KEYS[2], now, sid)
redis.call('PEXPIRE', KEYS[2], 1000)
redis.call('SADD', KEYS[1], sid)
redis.call('SADD', KEYS[4], sid)
redis.call('HSET', KEYS[3], 'account', ARGV[4], 'node', ARGV[5], 'info', '{}')
return 'ok'`);

/** KEYS: call:{sid}. ARGV: info JSON. Only a call still registered is updated (no resurrection). */
export const UPDATE = script('update', `if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
redis.call('HSET', KEYS[1], 'info', ARGV[1])
return 1`);

/** KEYS: call:{sid}, acct:{a}:calls. ARGV: prefix, sid. Idempotent. */
export const REMOVE = script('remove', `local node = redis.call('HGET', KEYS[1], 'node')
redis.call('DEL', KEYS[1])
redis.call('SREM', KEYS[2], ARGV[2])
if node then redis.call('SREM', ARGV[1] .. 'node:' .. node .. ':calls', ARGV[2]) end
return 1`);

/**
 * KEYS: node:{id}:calls, node:{id}, hb:{id}, nodes, settle:{id}.
 * ARGV: prefix, node id, httpUrl, sipHost, startedAt, heartbeat TTL ms.
 * Drops what a previous process of this node id registered, then announces the node.
 */
export const JOIN = script('join', `${DROP_CALL}
local sids = redis.call('SMEMBERS', KEYS[1])
for _, sid in ipairs(sids) do dropCall(ARGV[1], sid) end
redis.call('DEL', KEYS[1], KEYS[2], KEYS[5])
redis.call('HSET', KEYS[2], 'httpUrl', ARGV[3], 'sipHost', ARGV[4], 'startedAt', ARGV[5])
redis.call('SET', KEYS[3], ARGV[5], 'PX', ARGV[6])
redis.call('SADD', KEYS[4], ARGV[2])
return #sids`);

/**
 * KEYS: hb:{id}, node:{id}, nodes. ARGV: node id, httpUrl, sipHost, startedAt, TTL ms.
 * One heartbeat: refreshes the TTL and re-announces the node (a node wrongly forgotten after a
 * stall comes back). Returns 1 if the previous heartbeat had expired.
 */
export const HEARTBEAT = script('heartbeat', `local lapsed = redis.call('EXISTS', KEYS[1]) == 0
redis.call('SET', KEYS[1], ARGV[4], 'PX', ARGV[5])
redis.call('HSET', KEYS[2], 'httpUrl', ARGV[2], 'sipHost', ARGV[3], 'startedAt', ARGV[4])
redis.call('SADD', KEYS[3], ARGV[1])
if lapsed then return 1 end
return 0`);

/**
 * KEYS: bucket:{key}. ARGV: perSecond, burst. A token bucket on server time; the key expires
 * once it would have refilled completely. Returns the wait in ms as a string (Lua numbers
 * would be truncated to integers in the reply).
 */
export const TAKE_TOKEN = script('takeToken', `${NOW}
local rate = tonumber(ARGV[1])
local burst = tonumber(ARGV[2])
local tokens = tonumber(redis.call('HGET', KEYS[1], 'tokens') or burst)
local at = tonumber(redis.call('HGET', KEYS[1], 'at') or now)
tokens = math.min(burst, tokens + math.max(0, now - at) / 1000 * rate)
local wait = 0
if tokens >= 1 then tokens = tokens - 1 else wait = (1 - tokens) / rate * 1000 end
redis.call('HSET', KEYS[1], 'tokens', string.format('%.6f', tokens), 'at', string.format('%.3f', now))
redis.call('PEXPIRE', KEYS[1], math.ceil(burst / rate * 1000) + 1000)
return string.format('%.3f', wait)`);

/**
 * KEYS: hb:{id}, settle:{id}, node:{id}. ARGV: claimer id, claim ms.
 * Claims a node whose heartbeat expired, unless another claim is held: the node's info, or false.
 */
export const CLAIM = script('claim', `if redis.call('EXISTS', KEYS[1]) == 1 then return false end
if not redis.call('SET', KEYS[2], ARGV[1], 'NX', 'PX', ARGV[2]) then return false end
return redis.call('HGETALL', KEYS[3])`);

/**
 * KEYS: node:{id}:calls, node:{id}, nodes, settle:{id}, hb:{id}. ARGV: prefix, node id.
 * Removes a lost node and its calls; nothing if its heartbeat is back (it restarted meanwhile
 * and its own join cleared its old calls). Returns the removed call sids.
 */
export const FORGET = script('forget', `${DROP_CALL}
if redis.call('EXISTS', KEYS[5]) == 1 then return {} end
local sids = redis.call('SMEMBERS', KEYS[1])
for _, sid in ipairs(sids) do dropCall(ARGV[1], sid) end
redis.call('DEL', KEYS[1], KEYS[2], KEYS[4])
redis.call('SREM', KEYS[3], ARGV[2])
return sids`);

/**
 * KEYS: call:{sid}. ARGV: prefix. The owning node of a call and its info, in one round trip
 * (every request for a call another node owns asks this): nil unless the node's heartbeat lives.
 */
export const OWNER = script('owner', `local node = redis.call('HGET', KEYS[1], 'node')
if not node then return false end
if redis.call('EXISTS', ARGV[1] .. 'hb:' .. node) == 0 then return false end
local info = redis.call('HGETALL', ARGV[1] .. 'node:' .. node)
table.insert(info, 1, node)
return info`);
