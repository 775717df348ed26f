/**
 * RFC 3261 §20.10 / §25.1 name-addr and addr-spec, followed by header parameters:
 * From, To, Contact, Route, Record-Route, Refer-To, P-Asserted-Identity …
 */
import { SipParseError } from './errors.js';
import { formatParams, readParams } from './params.js';
import { isTokenChar, quote, quotedEnd, skipWs, trimLws, unquote } from './scan.js';
import { formatUri, parseUri } from './uri.js';
import type { NameAddr } from './types.js';

/**
 * An unquoted display name is `*(token LWS)` (§25.1). Non-ASCII text is tolerated because
 * deployed user agents send it; separators such as `,` `;` `"` are not (RFC 4475 §3.1.2.15).
 */
function checkUnquotedDisplayName(name: string): void {
  for (let i = 0; i < name.length; i++) {
    const c = name.charCodeAt(i);
    if (!(isTokenChar(c) || c === 32 || c === 9 || c >= 128)) {
      throw new SipParseError(`bad character ${JSON.stringify(name[i])} in display name`);
    }
  }
}

/** Index of `<` opening a name-addr when no quoted display name precedes it; -1 for addr-spec. */
function findLaquot(s: string, i: number, end: number): number {
  for (; i < end; i++) {
    const c = s.charCodeAt(i);
    if (c === 60) return i;
    if (c === 59 || c === 34) return -1;
  }
  return -1;
}

export function parseNameAddr(value: string): NameAddr {
  const end = value.length;
  const i = skipWs(value, 0, end);
  if (i >= end) throw new SipParseError('empty name-addr');
  let displayName: string | undefined;
  let laquot: number;
  if (value.charCodeAt(i) === 34) {
    const q = quotedEnd(value, i, end);
    displayName = unquote(value.slice(i, q));
    laquot = skipWs(value, q, end);
    if (laquot >= end || value.charCodeAt(laquot) !== 60) throw new SipParseError('quoted display name without <URI>');
  } else {
    laquot = findLaquot(value, i, end);
    if (laquot >= 0) {
      const text = trimLws(value.slice(i, laquot));
      checkUnquotedDisplayName(text);
      if (text.length > 0) displayName = text;
    }
  }
  let uriText: string;
  let after: number;
  if (laquot >= 0) {
    const raquot = value.indexOf('>', laquot + 1);
    if (raquot < 0) throw new SipParseError('missing > in name-addr');
    // No whitespace inside <> (§25.1 LAQUOT/RAQUOT; RFC 4475 §3.1.2.14): parseUri rejects it.
    uriText = value.slice(laquot + 1, raquot);
    after = raquot + 1;
  } else {
    // §20.10: an addr-spec ends at the first ';' (header parameters follow) and may not hold '?' or ','.
    const semi = value.indexOf(';', i);
    after = semi < 0 ? end : semi;
    uriText = trimLws(value.slice(i, after));
    if (uriText.indexOf('?') >= 0 || uriText.indexOf(',') >= 0) throw new SipParseError('URI with ? or , must be enclosed in <>');
  }
  const uri = parseUri(uriText);
  const params: Record<string, string | null> = {};
  const stop = readParams(value, after, end, params);
  if (skipWs(value, stop, end) !== end) throw new SipParseError(`unexpected text after name-addr: ${value.slice(stop, stop + 20)}`);
  return displayName === undefined ? { uri, params } : { displayName, uri, params };
}

/** Always the name-addr form (`<…>`), which is safe for every URI. */
export function formatNameAddr(na: NameAddr): string {
  const uri = `<${formatUri(na.uri)}>${formatParams(na.params)}`;
  return na.displayName === undefined ? uri : `${quote(na.displayName)} ${uri}`;
}
