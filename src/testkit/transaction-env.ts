import type { SipMessage } from '../sip/message/types.js';
import { DEFAULT_TIMERS, transactionTimers } from '../sip/transaction/timers.js';
import type { TransactionEnv } from '../sip/transaction/transaction.js';
import { FakeClock } from './fake-clock.js';

/** A transaction environment on a fake clock that records what is sent, and when. */
export function recordingEnv(reliable = false): { clock: FakeClock; env: TransactionEnv; sent: Array<{ at: number; msg: SipMessage }> } {
  const clock = new FakeClock();
  const sent: Array<{ at: number; msg: SipMessage }> = [];
  const env: TransactionEnv = {
    clock, reliable, T2: DEFAULT_TIMERS.T2, timers: transactionTimers(DEFAULT_TIMERS, reliable),
    send: (msg) => { sent.push({ at: clock.now(), msg }); return Promise.resolve(); },
  };
  return { clock, env, sent };
}
