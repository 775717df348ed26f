/**
 * RFC 3261 §17 and Table 4 (Appendix A) timer values, plus RFC 6026 Timers L and M.
 * All values in milliseconds. On a reliable transport the "wait for retransmissions" timers
 * (D, I, J, K) are zero (§17.1.1.2, §17.1.2.2, §17.2.1, §17.2.2).
 */
export interface TimerBase {
  /** RTT estimate. */
  readonly T1: number;
  /** Maximum retransmit interval for non-INVITE requests and INVITE responses. */
  readonly T2: number;
  /** Maximum duration a message remains in the network. */
  readonly T4: number;
}

export const DEFAULT_TIMERS: TimerBase = Object.freeze({ T1: 500, T2: 4000, T4: 5000 });

export interface TransactionTimers {
  readonly A: number;
  readonly B: number;
  readonly D: number;
  readonly E: number;
  readonly F: number;
  readonly G: number;
  readonly H: number;
  readonly I: number;
  readonly J: number;
  readonly K: number;
  readonly L: number;
  readonly M: number;
}

export function transactionTimers(base: TimerBase, reliable: boolean): TransactionTimers {
  const { T1, T4 } = base;
  return {
    A: T1, // initial INVITE retransmit interval, UDP only
    B: 64 * T1, // INVITE transaction timeout
    D: reliable ? 0 : Math.max(32_000, 64 * T1), // wait time for response retransmits (>32 s for UDP)
    E: T1, // initial non-INVITE retransmit interval, UDP only
    F: 64 * T1, // non-INVITE transaction timeout
    G: T1, // initial INVITE response retransmit interval
    H: 64 * T1, // wait time for ACK receipt
    I: reliable ? 0 : T4, // wait time for ACK retransmits
    J: reliable ? 0 : 64 * T1, // wait time for non-INVITE request retransmits
    K: reliable ? 0 : T4, // wait time for response retransmits
    L: 64 * T1, // RFC 6026: wait time for accepted INVITE request retransmits
    M: 64 * T1, // RFC 6026: wait time for retransmission of 2xx to INVITE or additional 2xx from other branches
  };
}
