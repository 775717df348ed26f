import { anyAborted } from '../kernel/abort.js';
import type { Clock } from '../kernel/clock.js';
import type { Dialog, SipHeader } from '../sip/index.js';
import type { ReferOutcome } from './control.js';
import type { Timeline } from './timeline.js';

export interface ReferInit {
  readonly referredBy?: string;
  readonly headers?: Readonly<Record<string, string>>;
}

export function toSipHeaders(h: Readonly<Record<string, string>> | undefined): SipHeader[] {
  return Object.entries(h ?? {}).map(([name, value]) => ({ name, value: String(value) }));
}

/**
 * RFC 3515: sends REFER in `dialog` and follows the NOTIFYs (message/sipfrag, §2.4.5), each
 * status handed to `onNotify`, until a final one, 15 s, or one of `stops` aborts (the verb, the call).
 */
export async function sendRefer(
  o: { readonly dialog: Dialog; readonly clock: Clock; readonly timeline: Timeline; readonly stops: readonly AbortSignal[] },
  referTo: string, init: ReferInit, onNotify: (sipStatus: number) => void,
): Promise<ReferOutcome> {
  let finalStatus: number | undefined;
  let settle: () => void = () => undefined;
  const finished = new Promise<void>((r) => { settle = r; });
  const off = o.dialog.on('notify', (req) => {
    const m = /^SIP\/2\.0\s+(\d{3})/m.exec(req.body.toString());
    if (!m) return;
    const code = Number(m[1]);
    onNotify(code);
    if (code >= 200) {
      finalStatus = code;
      settle();
    }
  });
  const headers: Record<string, string> = { 'Refer-To': `<${referTo}>`, ...(init.referredBy ? { 'Referred-By': `<${init.referredBy}>` } : {}), ...(init.headers ?? {}) };
  o.timeline.add('refer-sent', { refer_to: referTo });
  try {
    const res = await o.dialog.request('REFER', { headers: toSipHeaders(headers) });
    o.timeline.add('refer-response', { status: res.status });
    if (res.status >= 300) return { referStatus: res.status };
    const timer = o.clock.setTimer(15_000, settle);
    await Promise.race([finished, anyAborted(...o.stops)]);
    timer.cancel();
    return { referStatus: res.status, finalStatus };
  } finally {
    off();
  }
}
