/**
 * The live state a cluster of gateway nodes shares (issue 16, DESIGN.md §3 `cluster/`): which
 * node owns which call, each node's heartbeat and address, cluster-wide admission (concurrent
 * calls and calls per second per account) and API rate limits, and the secret that
 * authenticates one node's requests to another. `createSingleNode()` keeps it all in process (the
 * default); `RedisClusterState` shares it through Redis.
 */

/** A node as the others see it. */
export interface NodeInfo {
  readonly nodeId: string;
  /** Base URL of the node's REST API as the other nodes reach it, e.g. `http://127.0.0.1:3001`. */
  readonly httpUrl: string;
  /** The node's SIP address (`host:port`): the `host` its call records and journal carry. */
  readonly sipHost: string;
  /** When this process of the node started (ISO 8601): tells a restarted node from its previous life. */
  readonly startedAt: string;
}

/** One live call in the registry. */
export interface LiveCallEntry {
  readonly callSid: string;
  readonly accountSid: string;
  readonly nodeId: string;
  /** The call's `CallInfo` as of its last status change (what `GET /Calls` lists). */
  readonly info: Readonly<Record<string, unknown>>;
}

/** What an account allows (null = no limit). */
export interface AdmissionLimits {
  readonly maxConcurrent: number | null;
  readonly maxPerSecond: number | null;
}

/** `ok`, or which limit refused the call. */
export type Admission = 'ok' | 'concurrent' | 'rate';

export interface ClusterState {
  /** This node's id (`VGW_NODE_ID`, default the hostname). */
  readonly nodeId: string;
  /** True when the state is shared with other nodes (Redis); false for the in-process default. */
  readonly shared: boolean;

  /**
   * Announces this node and starts its heartbeat. Entries a previous process of the same node id
   * left in the registry are removed first (that process's calls are settled by its own restart).
   */
  join(self: NodeInfo): Promise<void>;
  /** Stops the heartbeat and removes this node (a graceful stop, after its calls ended). Idempotent. */
  leave(): Promise<void>;

  /**
   * Admits call `callSid` of `accountSid` under `limits`, atomically for the whole cluster: the
   * check and the registration are one step, so parallel requests on any nodes cannot pass
   * together. `ok` registers the call as this node's (counted until `removeCall`).
   */
  admitCall(accountSid: string, callSid: string, limits: AdmissionLimits): Promise<Admission>;
  /** Updates the listed `info` of an admitted call (each status change); nothing for a removed call. */
  updateCall(accountSid: string, callSid: string, info: Readonly<Record<string, unknown>>): Promise<void>;
  /** Removes the call (it ended, or its placement failed): its slot is free again. Idempotent. */
  removeCall(accountSid: string, callSid: string): Promise<void>;
  /** The account's live calls on every node. */
  listCalls(accountSid: string): Promise<LiveCallEntry[]>;
  /** The live node that owns the call, or undefined (no such call, or its node is gone). */
  ownerOf(callSid: string): Promise<NodeInfo | undefined>;

  /**
   * A token bucket shared by the cluster (API rate limits): `burst` tokens refilled at `perSecond`.
   * Resolves 0 when the request may go ahead, else the milliseconds until it could.
   */
  takeToken(key: string, perSecond: number, burst: number): Promise<number>;

  /** The secret nodes sign their forwarded requests with: created once, the same on every node. */
  sharedSecret(): Promise<string>;

  /**
   * Nodes whose heartbeat expired and whose settlement this node has just claimed (a claim lasts
   * `claimMs`; each lost node is handed to one claimer at a time, and to another only if the
   * first did not `forgetNode` within the claim).
   */
  claimLostNodes(claimMs: number): Promise<NodeInfo[]>;
  /** After a lost node's calls were settled: removes the node and its calls from the registry. Returns those call sids. */
  forgetNode(nodeId: string): Promise<string[]>;

  /** Ends the heartbeat (without leaving) and closes connections. Idempotent. */
  close(): Promise<void>;
}
