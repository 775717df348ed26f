/**
 * Issue 16: the live calls of a cluster, kept outside the node (Redis). The call manager admits
 * each new call through it (the account's limits hold for the whole cluster), keeps the listed
 * state current, and removes the call when it ends. The cluster layer implements it; without a
 * cluster the manager counts its own calls.
 */
export interface LiveCallRegistry {
  /** Admits and registers the call in one atomic step; `concurrent` / `rate` name the limit that refused it. */
  admitCall(accountSid: string, callSid: string, limits: { readonly maxConcurrent: number | null; readonly maxPerSecond: number | null }): Promise<'ok' | 'concurrent' | 'rate'>;
  /** The call's listed state after a status change. */
  updateCall(accountSid: string, callSid: string, info: Readonly<Record<string, unknown>>): Promise<void>;
  /** The call ended (or was never placed): its slot is free. */
  removeCall(accountSid: string, callSid: string): Promise<void>;
}
