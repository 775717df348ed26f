import { GatewayError } from '../kernel/errors.js';

export type ClusterErrorCode =
  | 'CLUSTER_UNAVAILABLE' // Redis could not be reached: a node refuses to start half-clustered
  | 'CLUSTER_INVALID'; // a caller passed something the cluster state cannot hold (bad node id, rate)

/** The shared cluster state refused or could not do something. */
export class ClusterError extends GatewayError {
  declare readonly code: ClusterErrorCode;
  constructor(code: ClusterErrorCode, message: string, options?: { cause?: unknown }) {
    super(code, message, options);
  }
}

export function isClusterError(e: unknown, code?: ClusterErrorCode): e is ClusterError {
  return e instanceof ClusterError && (code === undefined || e.code === code);
}

/** Throws CLUSTER_INVALID unless `perSecond` and `burst` make a usable token bucket. */
export function checkBucket(perSecond: number, burst: number): void {
  if (!(Number.isFinite(perSecond) && perSecond > 0) || !(Number.isFinite(burst) && burst > 0)) {
    throw new ClusterError('CLUSTER_INVALID', `a token bucket needs perSecond > 0 and burst > 0, not ${perSecond}/${burst}`);
  }
}
