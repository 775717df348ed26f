import { systemClock } from '../kernel/clock.js';
import { createLogger, nullLogger, type Logger } from '../kernel/logger.js';
import type { Uri } from '../sip/message/types.js';
import { createSipStack, type SipStack, type SipStackOptions } from '../sip/stack.js';

/** A logger that prints when VGW_TEST_LOG is set (e.g. VGW_TEST_LOG=debug), silent otherwise. */
export function testLogger(): Logger {
  const level = process.env.VGW_TEST_LOG;
  return level === 'debug' || level === 'trace' || level === 'info' ? createLogger(level, process.stderr) : nullLogger;
}

/** A real SIP stack on 127.0.0.1 with a free port and the system clock. */
export function startTestStack(o: Partial<SipStackOptions> = {}): Promise<SipStack> {
  return createSipStack({ clock: systemClock, logger: testLogger(), bindAddress: '127.0.0.1', port: 0, publicAddress: '127.0.0.1', ...o });
}

export function sipUri(user: string, port: number, opts: { host?: string; transport?: 'udp' | 'tcp' } = {}): Uri {
  return { scheme: 'sip', user, host: opts.host ?? '127.0.0.1', port, params: opts.transport === 'tcp' ? { transport: 'tcp' } : {}, headers: {} };
}

export const TEST_SDP = [
  'v=0', 'o=vgw 1 1 IN IP4 127.0.0.1', 's=vgw', 'c=IN IP4 127.0.0.1', 't=0 0',
  'm=audio 40000 RTP/AVP 0 101', 'a=rtpmap:0 PCMU/8000', 'a=rtpmap:101 telephone-event/8000', 'a=fmtp:101 0-16', 'a=sendrecv', '',
].join('\r\n');

/** Resolves with the first emission of `event`, or rejects after `ms`. */
export function waitFor<T>(subscribe: (fn: (v: T) => void) => void, ms = 10_000, what = 'event'): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`timed out waiting for ${what}`)), ms);
    subscribe((v) => {
      clearTimeout(t);
      resolve(v);
    });
  });
}

/** Counts the requests of `method` that sipp received, from its -trace_msg log. */
export function sippReceived(messages: string, method: string): number {
  const blocks = messages.split(/-{10,}.*\n/);
  let n = 0;
  for (const b of blocks) if (/message received/.test(b) && new RegExp(`^${method} sip:`, 'm').test(b)) n++;
  return n;
}
