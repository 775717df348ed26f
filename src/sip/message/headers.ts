/** Header lookup by name: case-insensitive and aware of compact forms (RFC 3261 §7.3.3). */
import { SipParseError } from './errors.js';
import { canonicalName, isListHeader, sameName } from './header-names.js';
import { splitList } from './scan.js';
import type { SipMessage } from './types.js';

type WithHeaders = Pick<SipMessage, 'headers'>;

/** The value of the first header line of that name (a list header's line is not split). */
export function getHeader(msg: WithHeaders, name: string): string | undefined {
  const canon = canonicalName(name);
  for (const h of msg.headers) if (sameName(h.name, canon)) return h.value;
  return undefined;
}

/**
 * Every value of that name, in order. List headers (§7.3.1: Via, Contact, Route, Supported …)
 * are split on their top-level commas, dropping empty elements.
 */
export function getHeaders(msg: WithHeaders, name: string): string[] {
  const canon = canonicalName(name);
  const list = isListHeader(canon);
  const out: string[] = [];
  for (const h of msg.headers) {
    if (!sameName(h.name, canon)) continue;
    if (!list) {
      out.push(h.value);
      continue;
    }
    let parts: string[];
    try {
      parts = splitList(h.value);
    } catch (e) {
      if (!(e instanceof SipParseError)) throw e;
      parts = [h.value];
    }
    for (const p of parts) if (p.length > 0) out.push(p);
  }
  return out;
}

export function hasHeader(msg: WithHeaders, name: string): boolean {
  return getHeader(msg, name) !== undefined;
}
