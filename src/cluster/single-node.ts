import { randomBytes } from 'node:crypto';
import type { Clock } from '../kernel/clock.js';
import { ClusterError, checkBucket } from './errors.js';
import type { Admission, AdmissionLimits, ClusterState, LiveCallEntry, NodeInfo } from './types.js';

/** Calls-per-second limits count the starts of the last second (a sliding window). */
const WINDOW_MS = 1000;
/** The token buckets are swept of idle (full) entries once this many exist. */
const SWEEP_AT = 10_000;

interface Bucket {
  tokens: number;
  at: number;
}

/**
 * The in-process cluster state of a lone node (the default, `shared = false`): admission in maps
 * (concurrency = admitted and not yet removed calls of the account; rate = admitted starts of the
 * last second on `clock`, as `takeSlot` in call/manager.ts counted them), the registry in a Map,
 * API token buckets in process (the maths of api/rate-limit.ts), and a secret made once per
 * instance. There are never lost nodes.
 */
export function createSingleNode(nodeId: string, clock: Clock): ClusterState {
  return new SingleNodeState(nodeId, clock);
}

class SingleNodeState implements ClusterState {
  readonly shared = false;
  private readonly calls = new Map<string, { accountSid: string; info: Readonly<Record<string, unknown>> }>();
  private readonly byAccount = new Map<string, Set<string>>();
  private readonly starts = new Map<string, number[]>();
  private readonly buckets = new Map<string, Bucket>();
  private self: NodeInfo | undefined;
  private secret: string | undefined;

  constructor(readonly nodeId: string, private readonly clock: Clock) {}

  async join(info: NodeInfo): Promise<void> {
    if (info.nodeId !== this.nodeId) throw new ClusterError('CLUSTER_INVALID', `join: NodeInfo of ${info.nodeId}, this node is ${this.nodeId}`);
    this.self = info;
    await Promise.resolve();
  }

  async leave(): Promise<void> {
    await Promise.resolve();
  }

  async admitCall(accountSid: string, callSid: string, limits: AdmissionLimits): Promise<Admission> {
    await Promise.resolve();
    if (this.calls.has(callSid)) return 'ok';
    const mine = this.byAccount.get(accountSid);
    if (limits.maxConcurrent !== null && (mine?.size ?? 0) >= limits.maxConcurrent) return 'concurrent';
    const now = this.clock.now();
    const recent = (this.starts.get(accountSid) ?? []).filter((t) => now - t < WINDOW_MS);
    this.starts.set(accountSid, recent);
    if (limits.maxPerSecond !== null && recent.length >= limits.maxPerSecond) return 'rate';
    recent.push(now);
    this.calls.set(callSid, { accountSid, info: {} });
    this.byAccount.set(accountSid, (mine ?? new Set<string>()).add(callSid));
    return 'ok';
  }

  async updateCall(_accountSid: string, callSid: string, info: Readonly<Record<string, unknown>>): Promise<void> {
    await Promise.resolve();
    const entry = this.calls.get(callSid);
    if (entry) entry.info = info;
  }

  async removeCall(_accountSid: string, callSid: string): Promise<void> {
    await Promise.resolve();
    const entry = this.calls.get(callSid);
    if (!entry) return;
    this.calls.delete(callSid);
    const mine = this.byAccount.get(entry.accountSid);
    mine?.delete(callSid);
    if (mine?.size === 0) {
      this.byAccount.delete(entry.accountSid);
      // The window of an account with no live call is dropped once it is stale.
      if ((this.starts.get(entry.accountSid) ?? []).every((t) => this.clock.now() - t >= WINDOW_MS)) this.starts.delete(entry.accountSid);
    }
  }

  async listCalls(accountSid: string): Promise<LiveCallEntry[]> {
    await Promise.resolve();
    const out: LiveCallEntry[] = [];
    for (const callSid of this.byAccount.get(accountSid) ?? []) {
      const entry = this.calls.get(callSid);
      if (entry) out.push({ callSid, accountSid, nodeId: this.nodeId, info: entry.info });
    }
    return out;
  }

  async ownerOf(callSid: string): Promise<NodeInfo | undefined> {
    await Promise.resolve();
    return this.calls.has(callSid) ? this.self : undefined;
  }

  /** Same maths as api/rate-limit.ts: refill by elapsed time, capped at `burst`. */
  async takeToken(key: string, perSecond: number, burst: number): Promise<number> {
    await Promise.resolve();
    checkBucket(perSecond, burst);
    const now = this.clock.now();
    if (this.buckets.size >= SWEEP_AT) this.sweep(now, perSecond, burst);
    const b = this.buckets.get(key) ?? { tokens: burst, at: now };
    b.tokens = Math.min(burst, b.tokens + ((now - b.at) / 1000) * perSecond);
    b.at = now;
    this.buckets.set(key, b);
    if (b.tokens >= 1) {
      b.tokens -= 1;
      return 0;
    }
    return ((1 - b.tokens) / perSecond) * 1000;
  }

  async sharedSecret(): Promise<string> {
    await Promise.resolve();
    this.secret ??= randomBytes(32).toString('hex');
    return this.secret;
  }

  async claimLostNodes(_claimMs: number): Promise<NodeInfo[]> {
    return Promise.resolve([]);
  }

  async forgetNode(_nodeId: string): Promise<string[]> {
    return Promise.resolve([]);
  }

  async close(): Promise<void> {
    await Promise.resolve();
  }

  /** Drops the buckets that have refilled completely: a new bucket starts full anyway. */
  private sweep(now: number, perSecond: number, burst: number): void {
    for (const [k, b] of this.buckets) {
      if (b.tokens + ((now - b.at) / 1000) * perSecond >= burst) this.buckets.delete(k);
    }
  }
}
