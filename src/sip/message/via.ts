/** RFC 3261 §20.42 Via (sent-protocol, sent-by, via-params) with RFC 3581 rport. */
import { SipParseError } from './errors.js';
import { readParams } from './params.js';
import { skipWs, splitList, tokenEnd } from './scan.js';
import { readHostPort } from './uri.js';
import type { Via } from './types.js';

/** Reads a token at `i` after optional SWS; returns [token, end]. */
function readToken(s: string, i: number, end: number, what: string): [string, number] {
  const a = skipWs(s, i, end);
  const b = tokenEnd(s, a, end);
  if (a === b) throw new SipParseError(`missing ${what} in Via`);
  return [s.slice(a, b), b];
}

/** Expects SWS "/" SWS (§25.1 SLASH) at `i`. */
function readSlash(s: string, i: number, end: number): number {
  const a = skipWs(s, i, end);
  if (a >= end || s.charCodeAt(a) !== 47) throw new SipParseError('bad sent-protocol in Via');
  return a + 1;
}

/** One via-parm: `sent-protocol LWS sent-by *( SEMI via-params )`. */
export function parseOneVia(s: string): Via {
  const end = s.length;
  const [name, a] = readToken(s, 0, end, 'protocol name');
  const [version, b] = readToken(s, readSlash(s, a, end), end, 'protocol version');
  if (name.toUpperCase() !== 'SIP' || version !== '2.0') throw new SipParseError(`unsupported protocol ${name}/${version} in Via`);
  const [transport, c] = readToken(s, readSlash(s, b, end), end, 'transport');
  const h = skipWs(s, c, end);
  if (h === c) throw new SipParseError('missing sent-by in Via');
  // sent-by = host [ COLON port ]; COLON allows SWS around it (§25.1).
  const hostEnd = skipHost(s, h, end);
  const hp = readHostPort(s, h, hostEnd, 'Via');
  if (hp.end !== hostEnd) throw new SipParseError('bad host in Via');
  let paramsAt = hostEnd;
  let port: number | undefined;
  const colon = skipWs(s, hostEnd, end);
  if (colon < end && s.charCodeAt(colon) === 58) {
    const p = skipWs(s, colon + 1, end);
    let q = p;
    while (q < end && s.charCodeAt(q) >= 48 && s.charCodeAt(q) <= 57) q++;
    port = q - p > 5 ? NaN : Number(s.slice(p, q));
    if (q === p || !(port >= 1 && port <= 65535)) throw new SipParseError('bad port in Via');
    paramsAt = q;
  }
  const params: Record<string, string | null> = {};
  const stop = readParams(s, paramsAt, end, params);
  if (skipWs(s, stop, end) !== end) throw new SipParseError(`unexpected text in Via: ${s.slice(stop, stop + 20)}`);
  return viaFromParts(transport.toUpperCase(), hp.host, port, params);
}

function skipHost(s: string, i: number, end: number): number {
  if (s.charCodeAt(i) === 91) {
    const close = s.indexOf(']', i);
    return close < 0 || close >= end ? end : close + 1;
  }
  while (i < end) {
    const c = s.charCodeAt(i);
    if (c === 58 || c === 59 || c === 32 || c === 9) break;
    i++;
  }
  return i;
}

function viaFromParts(transport: string, host: string, port: number | undefined, params: Record<string, string | null>): Via {
  const via: { -readonly [K in keyof Via]: Via[K] } = { transport, host, params };
  if (port !== undefined) via.port = port;
  const branch = params.branch;
  if (branch !== undefined) {
    if (branch === null) throw new SipParseError('Via branch without value');
    via.branch = branch;
  }
  const received = params.received;
  if (received !== undefined) {
    if (received === null) throw new SipParseError('Via received without value');
    via.received = received;
  }
  const rport = params.rport;
  if (rport !== undefined) {
    // RFC 3581 §3: rport is a flag in requests and carries the source port in responses.
    const n = rport === null ? null : /^[0-9]{1,5}$/.test(rport) ? Number(rport) : NaN;
    if (n !== null && !(n >= 1 && n <= 65535)) throw new SipParseError('bad rport in Via');
    via.rport = n;
  }
  return via;
}

/** All via-parms of one Via header value (§7.3.1 comma-separated list). */
export function parseVia(value: string): Via[] {
  const parts = splitList(value);
  const out: Via[] = new Array<Via>(parts.length);
  for (let i = 0; i < parts.length; i++) {
    if (parts[i].length === 0) throw new SipParseError('empty Via element');
    out[i] = parseOneVia(parts[i]);
  }
  return out;
}

const TYPED = ['branch', 'received', 'rport'] as const;

function typedParam(via: Via, name: (typeof TYPED)[number]): string | null | undefined {
  if (name === 'rport') return via.rport === undefined ? undefined : via.rport === null ? null : String(via.rport);
  return via[name];
}

/**
 * `SIP/2.0/UDP host:port;params`. The typed `branch`, `received` and `rport` win over the same
 * names in `params` (in place when present there, appended otherwise).
 */
export function formatVia(via: Via): string {
  let out = `SIP/2.0/${via.transport} ${via.host}`;
  if (via.port !== undefined) out += `:${via.port}`;
  for (const name of Object.keys(via.params)) {
    const typed = (TYPED as readonly string[]).includes(name);
    const v = typed ? typedParam(via, name as (typeof TYPED)[number]) : via.params[name];
    if (v === undefined) continue;
    out += v === null ? `;${name}` : `;${name}=${v}`;
  }
  for (const name of TYPED) {
    if (Object.hasOwn(via.params, name)) continue;
    const v = typedParam(via, name);
    if (v !== undefined) out += v === null ? `;${name}` : `;${name}=${v}`;
  }
  return out;
}
