import type { Clock, TimerHandle } from '../../kernel/clock.js';
import { detach } from '../../kernel/detached.js';
import type { Logger } from '../../kernel/logger.js';
import type { Store } from '../../store/index.js';

/**
 * Issue 17, clusters: a running campaign is dialled by one node at a time. The node holds a
 * lease in the store (owner + until), renews it every third of its length, and gives it up on
 * pause, stop or shutdown; a lease not renewed (its node is lost) ends, and another node's
 * adoption loop takes the campaign over.
 */
export class LeaseKeeper {
  private readonly timers = new Map<string, TimerHandle>();

  constructor(private readonly o: { readonly clock: Clock; readonly logger: Logger; readonly store: Store; readonly owner: string; readonly leaseMs: number }) {}

  get owner(): string {
    return this.o.owner;
  }

  /** Takes or renews the lease of `sid`; false when another node holds it. */
  acquire(sid: string): Promise<boolean> {
    const now = this.o.clock.wallNow();
    return this.o.store.campaigns.acquireLease(sid, this.o.owner, new Date(now).toISOString(), new Date(now + this.o.leaseMs).toISOString());
  }

  /** Renews the lease until `release`; `onLost` when another node has it, `onRenewed` after each renewal. */
  hold(sid: string, onLost: () => void, onRenewed: () => Promise<void>): void {
    const tick = (): void => {
      detach(this.o.logger, 'renewing a campaign lease', (async () => {
        if (!this.timers.has(sid)) return;
        if (!(await this.acquire(sid))) {
          this.o.logger.warn('campaign lease lost to another node; no more calls from here', { campaign_sid: sid });
          this.timers.delete(sid);
          onLost();
          return;
        }
        await onRenewed();
        if (this.timers.has(sid)) this.timers.set(sid, this.o.clock.setTimer(this.o.leaseMs / 3, tick));
      })());
    };
    this.timers.get(sid)?.cancel();
    this.timers.set(sid, this.o.clock.setTimer(this.o.leaseMs / 3, tick));
  }

  /** Stops renewing; with `giveUp`, frees the lease at once for another node. */
  release(sid: string, giveUp = true): void {
    this.timers.get(sid)?.cancel();
    this.timers.delete(sid);
    if (giveUp) detach(this.o.logger, 'releasing a campaign lease', this.o.store.campaigns.releaseLease(sid, this.o.owner));
  }
}
