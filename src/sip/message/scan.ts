/**
 * Lexical helpers shared by the header parsers (RFC 3261 §25.1 basic rules). They work on a
 * string with explicit indices so that parsing a header value allocates only its results.
 */
import { SipParseError } from './errors.js';

const SP = 32;
const HTAB = 9;
const DQUOTE = 34;
const BACKSLASH = 92;

/** RFC 3261 §25.1: token = 1*(alphanum / "-" / "." / "!" / "%" / "*" / "_" / "+" / "`" / "'" / "~") */
const TOKEN = new Uint8Array(128);
for (let c = 48; c <= 57; c++) TOKEN[c] = 1;
for (let c = 65; c <= 90; c++) TOKEN[c] = 1;
for (let c = 97; c <= 122; c++) TOKEN[c] = 1;
for (const ch of "-.!%*_+`'~") TOKEN[ch.charCodeAt(0)] = 1;

export function isTokenChar(code: number): boolean {
  return code < 128 && TOKEN[code] === 1;
}

export function isToken(s: string): boolean {
  if (s.length === 0) return false;
  for (let i = 0; i < s.length; i++) if (!isTokenChar(s.charCodeAt(i))) return false;
  return true;
}

export function isWs(code: number): boolean {
  return code === SP || code === HTAB;
}

/** Index of the first non-SP/HTAB character at or after `i` (LWS is already unfolded to SP). */
export function skipWs(s: string, i: number, end: number): number {
  while (i < end && isWs(s.charCodeAt(i))) i++;
  return i;
}

export function tokenEnd(s: string, i: number, end: number): number {
  while (i < end && isTokenChar(s.charCodeAt(i))) i++;
  return i;
}

/** `s[i]` is a DQUOTE; returns the index after the closing DQUOTE (§25.1 quoted-string, quoted-pair). */
export function quotedEnd(s: string, i: number, end: number): number {
  i++;
  while (i < end) {
    const c = s.charCodeAt(i);
    if (c === BACKSLASH) i += 2;
    else if (c === DQUOTE) return i + 1;
    else i++;
  }
  throw new SipParseError('unterminated quoted string');
}

/** Removes SP/HTAB at both ends (String#trim would also eat U+FEFF and other Unicode spaces). */
export function trimLws(s: string): string {
  let a = 0;
  let b = s.length;
  while (a < b && isWs(s.charCodeAt(a))) a++;
  while (b > a && isWs(s.charCodeAt(b - 1))) b--;
  return a === 0 && b === s.length ? s : s.slice(a, b);
}

/** The content of a quoted-string (with its quotes), quoted-pairs resolved. */
export function unquote(q: string): string {
  const inner = q.slice(1, -1);
  if (inner.indexOf('\\') < 0) return inner;
  let out = '';
  for (let i = 0; i < inner.length; i++) {
    const ch = inner[i];
    if (ch === '\\' && i + 1 < inner.length) out += inner[++i];
    else out += ch;
  }
  return out;
}

/** A quoted-string for `text`: DQUOTE, backslash and control characters become quoted-pairs (§25.1); CR/LF, which cannot, become SP. */
export function quote(text: string): string {
  let out = '"';
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    const c = text.charCodeAt(i);
    if (c === 13 || c === 10) {
      out += ' ';
      continue;
    }
    if (ch === '"' || ch === '\\' || c < 32 || c === 127) out += '\\';
    out += ch;
  }
  return out + '"';
}

/**
 * Splits a list header value on commas (RFC 3261 §7.3.1) that are outside quoted strings and
 * outside `<…>`. Elements are trimmed; empty elements are kept so that callers can reject them.
 */
export function splitList(s: string): string[] {
  const out: string[] = [];
  let start = 0;
  let angle = false;
  const end = s.length;
  for (let i = 0; i < end; i++) {
    const c = s.charCodeAt(i);
    if (c === DQUOTE && !angle) i = quotedEnd(s, i, end) - 1;
    else if (c === 60 /* < */) angle = true;
    else if (c === 62 /* > */) angle = false;
    else if (c === 44 /* , */ && !angle) {
      out.push(trimLws(s.slice(start, i)));
      start = i + 1;
    }
  }
  if (angle) throw new SipParseError('unbalanced < in header value');
  out.push(trimLws(s.slice(start)));
  return out;
}

/** Parses `1*DIGIT` in [s, end) as a non-negative integer not above `max`; NaN when it is not one. */
export function parseDigits(s: string, i: number, end: number, max: number): number {
  if (i >= end) return NaN;
  let n = 0;
  for (; i < end; i++) {
    const c = s.charCodeAt(i) - 48;
    if (c < 0 || c > 9) return NaN;
    n = n * 10 + c;
    if (n > max) return NaN;
  }
  return n;
}
