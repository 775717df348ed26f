/**
 * Generic parameters of header fields (RFC 3261 §25.1 generic-param) and of URIs (§19.1.1
 * uri-parameters). Names are lower-cased; flag parameters map to null; quoted values keep their
 * quotes so that formatting gives back the same text.
 */
import { SipParseError } from './errors.js';
import { isWs, quotedEnd, skipWs, tokenEnd } from './scan.js';
import type { Params } from './types.js';

type MutableParams = Record<string, string | null>;

/** Sets a parameter, keeping the first of duplicates; `__proto__` becomes a plain own property. */
export function setParam(out: MutableParams, name: string, value: string | null): void {
  if (Object.hasOwn(out, name)) return;
  if (name === '__proto__') Object.defineProperty(out, name, { value, enumerable: true, writable: true, configurable: true });
  else out[name] = value;
}

/** Ends an unquoted generic-param value: SEMI, COMMA, LWS, `?`, `<`, `>`, DQUOTE. */
function valueEnd(s: string, i: number, end: number): number {
  while (i < end) {
    const c = s.charCodeAt(i);
    if (c === 59 || c === 44 || c === 63 || c === 60 || c === 62 || c === 34 || isWs(c)) break;
    i++;
  }
  return i;
}

/**
 * Reads `*( SEMI generic-param )` from `s` at `i` (SWS allowed around `;` and `=`, §25.1) into
 * `out`; returns the index of the first character that does not continue the list.
 */
export function readParams(s: string, i: number, end: number, out: MutableParams): number {
  for (;;) {
    const j = skipWs(s, i, end);
    if (j >= end || s.charCodeAt(j) !== 59 /* ; */) return i;
    let k = skipWs(s, j + 1, end);
    const nameEnd = tokenEnd(s, k, end);
    if (nameEnd === k) throw new SipParseError('empty parameter name');
    const name = s.slice(k, nameEnd).toLowerCase();
    k = skipWs(s, nameEnd, end);
    if (k < end && s.charCodeAt(k) === 61 /* = */) {
      const v = skipWs(s, k + 1, end);
      const vEnd = v < end && s.charCodeAt(v) === 34 ? quotedEnd(s, v, end) : valueEnd(s, v, end);
      if (vEnd === v) throw new SipParseError(`empty value for parameter ${name}`);
      setParam(out, name, s.slice(v, vEnd));
      i = vEnd;
    } else {
      setParam(out, name, null);
      i = nameEnd;
    }
  }
}

/** Parses a whole `;a=b;c` string (leading `;` included) into Params. */
export function parseParams(s: string): Params {
  const out: MutableParams = {};
  const end = readParams(s, 0, s.length, out);
  if (skipWs(s, end, s.length) !== s.length) throw new SipParseError(`unexpected text in parameters: ${s.slice(end, end + 20)}`);
  return out;
}

/** `;name=value;flag` for the given params, in their order. */
export function formatParams(params: Params): string {
  let out = '';
  for (const name of Object.keys(params)) {
    const v = params[name];
    out += v === null ? `;${name}` : `;${name}=${v}`;
  }
  return out;
}
