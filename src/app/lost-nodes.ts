import type { Clock, TimerHandle } from '../kernel/clock.js';
import type { Logger } from '../kernel/logger.js';
import { settleLostNode, type RecoveryOptions } from './recovery.js';

/** Issue 16: what the sweeper needs of the cluster state (the nodes whose heartbeat expired). */
export interface LostNodeSource {
  /** Lost nodes this node has just claimed for `claimMs` (one claimer at a time per node). */
  claimLostNodes(claimMs: number): Promise<readonly { readonly nodeId: string; readonly sipHost: string }[]>;
  /** The node's calls are settled: forget it and its registry entries. */
  forgetNode(nodeId: string): Promise<readonly string[]>;
}

export interface LostNodeSweeperOptions {
  readonly source: LostNodeSource;
  /** Store, webhooks and this node's host, as restart recovery uses them. */
  readonly recovery: RecoveryOptions;
  readonly clock: Clock;
  readonly logger: Logger;
  /** How often expired heartbeats are looked for (default 3 s: with a 6 s heartbeat TTL a dead node is settled within ~10 s). */
  readonly everyMs?: number;
  /** How long a claim lasts before another node may take the settlement over (default 60 s). */
  readonly claimMs?: number;
}

/**
 * Issue 16: settles the calls of cluster nodes that died (kill -9, power loss). Every node runs
 * one; a lost node is claimed by one of them at a time, and each of its calls is ended by one
 * conditional update in the store (`failed`, "node lost"), so the CDR and the status hooks see
 * the end exactly once even if two nodes race or the dead node restarts meanwhile.
 */
export class LostNodeSweeper {
  private timer: TimerHandle | undefined;
  private running: Promise<void> | undefined;
  private closed = false;

  constructor(private readonly o: LostNodeSweeperOptions) {}

  start(): void {
    if (this.closed || this.timer) return;
    this.timer = this.o.clock.setTimer(this.o.everyMs ?? 3000, () => {
      this.timer = undefined;
      this.running = this.sweep().then(() => undefined, (e: unknown) => this.o.logger.error('settling lost cluster nodes failed (retried)', { err: e instanceof Error ? e : String(e) }))
        .finally(() => {
          this.running = undefined;
          this.start();
        });
    });
  }

  /** One pass: settles the lost nodes this node claims; resolves with how many calls it ended. */
  async sweep(): Promise<number> {
    let ended = 0;
    for (const node of await this.o.source.claimLostNodes(this.o.claimMs ?? 60_000)) {
      const r = await settleLostNode(this.o.recovery, node.sipHost);
      await r.notified;
      const sids = await this.o.source.forgetNode(node.nodeId);
      this.o.logger.warn('cluster node lost: its calls are settled', { node: node.nodeId, host: node.sipHost, settled: r.settled, registered: sids.length });
      ended += r.settled;
    }
    return ended;
  }

  /** Stops sweeping and waits for a pass under way. Idempotent. */
  async close(): Promise<void> {
    this.closed = true;
    this.timer?.cancel();
    this.timer = undefined;
    await this.running;
  }
}
