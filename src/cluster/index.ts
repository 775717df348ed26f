/** The cluster layer's public names (issue 16): the contract, the single-node default and the Redis implementation. */
export type { Admission, AdmissionLimits, ClusterState, LiveCallEntry, NodeInfo } from './types.js';
export { ClusterError, isClusterError, type ClusterErrorCode } from './errors.js';
export { createSingleNode } from './single-node.js';
export { RedisClusterState, type RedisClusterOptions } from './redis-state.js';
