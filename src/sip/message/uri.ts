/**
 * URIs: RFC 3261 §19.1 (sip:, sips:), RFC 3966 (tel:), anything else kept opaque (§25.1
 * absoluteURI). Escapes are kept as received: comparing URIs is the caller's business.
 */
import { SipParseError } from './errors.js';
import { formatParams, setParam } from './params.js';
import { isTokenChar } from './scan.js';
import type { OtherUri, Params, SipUri, TelUri, Uri } from './types.js';

function fail(reason: string, uri: string): never {
  throw new SipParseError(`${reason} in URI ${uri.length > 60 ? uri.slice(0, 60) + '…' : uri}`);
}

/** Characters that never appear unescaped in a URI as we accept it. */
function hasForbidden(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c <= 32 || c === 34 || c === 60 || c === 62 || c === 127) return true;
  }
  return false;
}

/** RFC 3986 scheme: ALPHA *( ALPHA / DIGIT / "+" / "-" / "." ); -1 when absent. */
function schemeEnd(s: string): number {
  const first = s.charCodeAt(0) | 0x20;
  if (!(first >= 97 && first <= 122)) return -1;
  for (let i = 1; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 58) return i;
    const lc = c | 0x20;
    if (!((lc >= 97 && lc <= 122) || (c >= 48 && c <= 57) || c === 43 || c === 45 || c === 46)) return -1;
  }
  return -1;
}

export function parseUri(s: string): Uri {
  if (s.length === 0) throw new SipParseError('empty URI');
  if (hasForbidden(s)) fail('forbidden character', s);
  const colon = schemeEnd(s);
  if (colon < 0) fail('no scheme', s);
  const scheme = s.slice(0, colon).toLowerCase();
  const rest = s.slice(colon + 1);
  if (scheme === 'sip' || scheme === 'sips') return parseSipUri(scheme, rest, s);
  if (scheme === 'tel') return parseTelUri(rest, s);
  if (rest.length === 0) fail('empty', s);
  const other: OtherUri = { scheme, opaque: rest };
  return other;
}

/** §19.1.1 uri-parameters (`;name[=value]`), no whitespace inside a URI. */
function parseUriParams(text: string, whole: string): Params {
  const out: Record<string, string | null> = {};
  if (text.length === 0) return out;
  for (const part of text.slice(1).split(';')) {
    const eq = part.indexOf('=');
    const name = (eq < 0 ? part : part.slice(0, eq)).toLowerCase();
    if (name.length === 0) fail('empty parameter name', whole);
    if (eq >= 0 && eq === part.length - 1) fail('empty parameter value', whole);
    setParam(out, name, eq < 0 ? null : part.slice(eq + 1));
  }
  return out;
}

/** §19.1.1 headers: `?hname=hvalue *( "&" hname=hvalue )`, values still escaped. */
function parseUriHeaders(text: string, whole: string): Record<string, string> {
  const out: Record<string, string> = {};
  if (text.length === 0) return out;
  for (const part of text.slice(1).split('&')) {
    const eq = part.indexOf('=');
    if (eq <= 0) fail('bad header', whole);
    const name = part.slice(0, eq);
    if (!Object.hasOwn(out, name) && name !== '__proto__') out[name] = part.slice(eq + 1);
  }
  return out;
}

function isHostChar(c: number): boolean {
  const lc = c | 0x20;
  return (lc >= 97 && lc <= 122) || (c >= 48 && c <= 57) || c === 45 || c === 46 || c === 95;
}

function isV6Char(c: number): boolean {
  const lc = c | 0x20;
  return (lc >= 97 && lc <= 102) || (c >= 48 && c <= 57) || c === 58 || c === 46;
}

/**
 * Reads host [":" port] at `i` (§19.1.1 hostport, §25.1 IPv6reference with brackets); returns
 * the end index. Host is lower-cased.
 */
export function readHostPort(s: string, i: number, end: number, what: string): { host: string; port?: number; end: number } {
  let j = i;
  if (s.charCodeAt(i) === 91 /* [ */) {
    j = i + 1;
    while (j < end && isV6Char(s.charCodeAt(j))) j++;
    if (j >= end || s.charCodeAt(j) !== 93 || s.slice(i + 1, j).indexOf(':') < 0) {
      throw new SipParseError(`bad IPv6 reference in ${what}`);
    }
    j++;
  } else {
    while (j < end && isHostChar(s.charCodeAt(j))) j++;
    if (j === i) throw new SipParseError(`missing host in ${what}`);
  }
  const host = s.slice(i, j).toLowerCase();
  if (j < end && s.charCodeAt(j) === 58 /* : */) {
    let k = j + 1;
    while (k < end && s.charCodeAt(k) >= 48 && s.charCodeAt(k) <= 57) k++;
    const port = k - j - 1 > 5 ? NaN : Number(s.slice(j + 1, k));
    if (k === j + 1 || !(port >= 1 && port <= 65535)) throw new SipParseError(`bad port in ${what}`);
    return { host, port, end: k };
  }
  return { host, end: j };
}

function parseSipUri(scheme: 'sip' | 'sips', rest: string, whole: string): SipUri {
  // The user part may hold ';', '?' and ',' (user-unreserved), so the '@' is found first.
  const at = rest.indexOf('@');
  let user: string | undefined;
  let password: string | undefined;
  if (at >= 0) {
    const userinfo = rest.slice(0, at);
    const colon = userinfo.indexOf(':');
    user = colon < 0 ? userinfo : userinfo.slice(0, colon);
    if (colon >= 0) password = userinfo.slice(colon + 1);
    if (user.length === 0) fail('empty user', whole);
  }
  const hp = readHostPort(rest, at + 1, rest.length, 'URI');
  let q = rest.indexOf('?', hp.end);
  if (q < 0) q = rest.length;
  const paramText = rest.slice(hp.end, q);
  if (paramText.length > 0 && paramText.charCodeAt(0) !== 59) fail('unexpected text after host', whole);
  const uri: { -readonly [K in keyof SipUri]: SipUri[K] } = {
    scheme,
    host: hp.host,
    params: parseUriParams(paramText, whole),
    headers: parseUriHeaders(rest.slice(q), whole),
  };
  if (user !== undefined) uri.user = user;
  if (password !== undefined) uri.password = password;
  if (hp.port !== undefined) uri.port = hp.port;
  return uri;
}

/** RFC 3966 §3: global or local number, with visual separators; parameters after ';'. */
function parseTelUri(rest: string, whole: string): TelUri {
  const semi = rest.indexOf(';');
  const number = semi < 0 ? rest : rest.slice(0, semi);
  if (number.length === 0) fail('empty telephone number', whole);
  for (let i = 0; i < number.length; i++) {
    const c = number.charCodeAt(i);
    if (!(isTokenChar(c) || c === 40 || c === 41 || c === 35)) fail('bad telephone number', whole);
  }
  return { scheme: 'tel', number, params: parseUriParams(semi < 0 ? '' : rest.slice(semi), whole) };
}

export function isSipUri(uri: Uri): uri is SipUri {
  return uri.scheme === 'sip' || uri.scheme === 'sips';
}

export function isTelUri(uri: Uri): uri is TelUri {
  return uri.scheme === 'tel';
}

export function formatUri(uri: Uri): string {
  if (isSipUri(uri)) {
    let out = `${uri.scheme}:`;
    if (uri.user !== undefined) out += uri.password !== undefined ? `${uri.user}:${uri.password}@` : `${uri.user}@`;
    out += uri.host;
    if (uri.port !== undefined) out += `:${uri.port}`;
    out += formatParams(uri.params);
    const names = Object.keys(uri.headers);
    if (names.length > 0) out += '?' + names.map((n) => `${n}=${uri.headers[n]}`).join('&');
    return out;
  }
  if (isTelUri(uri)) return `tel:${uri.number}${formatParams(uri.params)}`;
  const other = uri as OtherUri;
  return `${other.scheme}:${other.opaque}`;
}
