/**
 * HTTP Digest authentication for SIP (RFC 3261 §22.4, RFC 7616, RFC 8760 for SHA-256 and
 * SHA-512/256, RFC 2617 qop, and the RFC 2069 form when no qop is offered). Pure functions.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { SipParseError } from '../message/errors.js';
import { quote, quotedEnd, skipWs, tokenEnd, unquote } from '../message/scan.js';
import type { NonceChecker } from './nonces.js';

export type DigestAlgorithm = 'MD5' | 'MD5-sess' | 'SHA-256' | 'SHA-256-sess' | 'SHA-512-256' | 'SHA-512-256-sess';

const HASHES: Readonly<Record<string, { name: DigestAlgorithm; hash: string }>> = {
  'md5': { name: 'MD5', hash: 'md5' },
  'md5-sess': { name: 'MD5-sess', hash: 'md5' },
  'sha-256': { name: 'SHA-256', hash: 'sha256' },
  'sha-256-sess': { name: 'SHA-256-sess', hash: 'sha256' },
  'sha-512-256': { name: 'SHA-512-256', hash: 'sha512-256' },
  'sha-512-256-sess': { name: 'SHA-512-256-sess', hash: 'sha512-256' },
};

/** A WWW-Authenticate / Proxy-Authenticate Digest challenge (RFC 7616 §3.3). */
export interface DigestChallenge {
  readonly realm: string;
  readonly nonce: string;
  readonly opaque?: string;
  readonly algorithm: DigestAlgorithm;
  /** Offered qop values, e.g. ['auth', 'auth-int']; empty for the RFC 2069 form. */
  readonly qop: readonly string[];
  readonly stale: boolean;
  readonly domain?: string;
}

/** Parsed Authorization / Proxy-Authorization Digest credentials (RFC 7616 §3.4). */
export interface DigestCredentials {
  readonly username: string;
  readonly realm: string;
  readonly nonce: string;
  readonly uri: string;
  readonly response: string;
  readonly algorithm: DigestAlgorithm;
  readonly cnonce?: string;
  readonly opaque?: string;
  readonly qop?: string;
  readonly nc?: string;
}

function algorithmOf(value: string | undefined): DigestAlgorithm {
  if (value === undefined) return 'MD5';
  const a = HASHES[value.toLowerCase()];
  if (a === undefined) throw new SipParseError(`unsupported digest algorithm ${value}`);
  return a.name;
}

/** `Digest name=value, name="quoted", …` → lower-cased names, unquoted values. */
export function parseDigestParams(headerValue: string): Map<string, string> {
  const s = headerValue;
  const end = s.length;
  let i = skipWs(s, 0, end);
  const schemeEnd = tokenEnd(s, i, end);
  if (s.slice(i, schemeEnd).toLowerCase() !== 'digest') throw new SipParseError('not a Digest challenge or credential');
  const out = new Map<string, string>();
  i = schemeEnd;
  while (i < end) {
    i = skipWs(s, i, end);
    if (s.charCodeAt(i) === 44) {
      i++;
      continue;
    }
    const nameEnd = tokenEnd(s, i, end);
    if (nameEnd === i) throw new SipParseError('bad digest parameter');
    const name = s.slice(i, nameEnd).toLowerCase();
    i = skipWs(s, nameEnd, end);
    if (s.charCodeAt(i) !== 61) throw new SipParseError(`digest parameter ${name} without value`);
    i = skipWs(s, i + 1, end);
    const quoted = s.charCodeAt(i) === 34;
    const vEnd = quoted ? quotedEnd(s, i, end) : tokenEnd(s, i, end);
    if (vEnd === i) throw new SipParseError(`empty digest parameter ${name}`);
    if (!out.has(name)) out.set(name, quoted ? unquote(s.slice(i, vEnd)) : s.slice(i, vEnd));
    i = skipWs(s, vEnd, end);
    if (i < end && s.charCodeAt(i) !== 44) throw new SipParseError('missing comma between digest parameters');
  }
  return out;
}

function required(p: Map<string, string>, name: string): string {
  const v = p.get(name);
  if (v === undefined) throw new SipParseError(`digest ${name} missing`);
  return v;
}

export function parseChallenge(headerValue: string): DigestChallenge {
  const p = parseDigestParams(headerValue);
  const qop = (p.get('qop') ?? '').split(',').map((q) => q.trim().toLowerCase()).filter((q) => q.length > 0);
  const c: { -readonly [K in keyof DigestChallenge]: DigestChallenge[K] } = {
    realm: required(p, 'realm'),
    nonce: required(p, 'nonce'),
    algorithm: algorithmOf(p.get('algorithm')),
    qop,
    stale: (p.get('stale') ?? '').toLowerCase() === 'true',
  };
  const opaque = p.get('opaque');
  if (opaque !== undefined) c.opaque = opaque;
  const domain = p.get('domain');
  if (domain !== undefined) c.domain = domain;
  return c;
}

export function parseCredentials(headerValue: string): DigestCredentials {
  const p = parseDigestParams(headerValue);
  const c: { -readonly [K in keyof DigestCredentials]: DigestCredentials[K] } = {
    username: required(p, 'username'),
    realm: required(p, 'realm'),
    nonce: required(p, 'nonce'),
    uri: required(p, 'uri'),
    response: required(p, 'response'),
    algorithm: algorithmOf(p.get('algorithm')),
  };
  for (const name of ['cnonce', 'opaque', 'qop', 'nc'] as const) {
    const v = p.get(name);
    if (v !== undefined) c[name] = v;
  }
  return c;
}

function h(algorithm: DigestAlgorithm, text: string | Buffer): string {
  return createHash(HASHES[algorithm.toLowerCase()].hash).update(text).digest('hex');
}

/** nc is 8 hex digits (RFC 7616 §3.4). */
export function formatNc(nc: number | string): string {
  return typeof nc === 'string' ? nc : nc.toString(16).padStart(8, '0');
}

export interface DigestInput {
  readonly algorithm: DigestAlgorithm;
  readonly username: string;
  readonly realm: string;
  readonly password: string;
  readonly method: string;
  readonly uri: string;
  readonly nonce: string;
  /** Absent: the RFC 2069 form. */
  readonly qop?: string;
  readonly nc?: number | string;
  readonly cnonce?: string;
  /** Needed for qop=auth-int. */
  readonly body?: Buffer | string;
}

/** RFC 7616 §3.4.1–3.4.3: response = KD(H(A1), nonce:nc:cnonce:qop:H(A2)). */
export function computeDigestResponse(d: DigestInput): string {
  const sess = d.algorithm.endsWith('-sess');
  const cnonce = d.cnonce ?? '';
  let ha1 = h(d.algorithm, `${d.username}:${d.realm}:${d.password}`);
  if (sess) ha1 = h(d.algorithm, `${ha1}:${d.nonce}:${cnonce}`);
  const a2 = d.qop === 'auth-int' ? `${d.method}:${d.uri}:${h(d.algorithm, d.body ?? '')}` : `${d.method}:${d.uri}`;
  const ha2 = h(d.algorithm, a2);
  if (d.qop === undefined) return h(d.algorithm, `${ha1}:${d.nonce}:${ha2}`);
  return h(d.algorithm, `${ha1}:${d.nonce}:${formatNc(d.nc ?? 1)}:${cnonce}:${d.qop}:${ha2}`);
}

export interface AuthorizationInput {
  readonly challenge: DigestChallenge;
  readonly method: string;
  readonly uri: string;
  readonly username: string;
  readonly password: string;
  readonly cnonce: string;
  readonly nc: number;
  readonly body?: Buffer | string;
}

/** The qop we answer with: auth when offered (RFC 3261 §22.4), else auth-int, else none. */
function chooseQop(offered: readonly string[]): string | undefined {
  if (offered.includes('auth')) return 'auth';
  if (offered.includes('auth-int')) return 'auth-int';
  return undefined;
}

/** The value of an Authorization / Proxy-Authorization header answering `challenge`. */
export function buildAuthorization(a: AuthorizationInput): string {
  const { challenge: c } = a;
  const qop = chooseQop(c.qop);
  const response = computeDigestResponse({
    algorithm: c.algorithm,
    username: a.username,
    realm: c.realm,
    password: a.password,
    method: a.method,
    uri: a.uri,
    nonce: c.nonce,
    ...(qop !== undefined ? { qop, nc: a.nc, cnonce: a.cnonce } : {}),
    ...(a.body !== undefined ? { body: a.body } : {}),
  });
  const parts = [`username=${quote(a.username)}`, `realm=${quote(c.realm)}`, `nonce=${quote(c.nonce)}`, `uri=${quote(a.uri)}`, `response="${response}"`, `algorithm=${c.algorithm}`];
  if (qop !== undefined) parts.push(`cnonce=${quote(a.cnonce)}`, `qop=${qop}`, `nc=${formatNc(a.nc)}`);
  if (c.opaque !== undefined) parts.push(`opaque=${quote(c.opaque)}`);
  return `Digest ${parts.join(', ')}`;
}

export interface ChallengeInput {
  readonly realm: string;
  readonly nonce: string;
  readonly algorithm?: DigestAlgorithm;
  /** Default ['auth']; empty for the RFC 2069 form. */
  readonly qop?: readonly string[];
  readonly opaque?: string;
  readonly stale?: boolean;
}

/** The value of a WWW-Authenticate / Proxy-Authenticate header (RFC 7616 §3.3). */
export function createChallenge(c: ChallengeInput): string {
  const qop = c.qop ?? ['auth'];
  const parts = [`realm=${quote(c.realm)}`, `nonce=${quote(c.nonce)}`, `algorithm=${c.algorithm ?? 'MD5'}`];
  if (qop.length > 0) parts.push(`qop="${qop.join(',')}"`);
  if (c.opaque !== undefined) parts.push(`opaque=${quote(c.opaque)}`);
  if (c.stale === true) parts.push('stale=TRUE');
  return `Digest ${parts.join(', ')}`;
}

export interface VerifyOptions {
  readonly method: string;
  readonly realm: string;
  /** The password of a user, or undefined for an unknown user. */
  readonly password: (username: string) => string | undefined;
  /** Whether a nonce is one we issued and still accept (default: every nonce is accepted). */
  readonly nonceValid?: (nonce: string) => boolean;
  /**
   * Nonce and nonce-count checking (RFC 7616 §3.3 expiry, §3.4 replay), e.g. a `NonceStore`:
   * checked before the digest, and the nc recorded only once the digest has verified.
   */
  readonly nonces?: NonceChecker;
  /** When given, the credentials' uri must equal it. */
  readonly uri?: string;
  readonly body?: Buffer | string;
}

/** Why credentials were refused. `stale`: right password, expired nonce — challenge again with stale=true (RFC 7616 §3.3). */
export type DigestRefusal = 'malformed' | 'realm' | 'uri' | 'unknown-nonce' | 'stale' | 'replay' | 'unknown-user' | 'bad-response';

export type DigestVerdict =
  | { readonly ok: true; readonly username: string }
  | { readonly ok: false; readonly reason: DigestRefusal };

/** Server side: checks Authorization / Proxy-Authorization credentials against our challenge. */
export function verifyDigest(headerValue: string, o: VerifyOptions): DigestVerdict {
  let c: DigestCredentials;
  try {
    c = parseCredentials(headerValue);
  } catch (e) {
    if (e instanceof SipParseError) return { ok: false, reason: 'malformed' };
    throw e;
  }
  if (c.realm !== o.realm) return { ok: false, reason: 'realm' };
  if (o.uri !== undefined && c.uri !== o.uri) return { ok: false, reason: 'uri' };
  if (c.qop !== undefined && (c.nc === undefined || c.cnonce === undefined)) return { ok: false, reason: 'malformed' };
  if (o.nonceValid !== undefined && !o.nonceValid(c.nonce)) return { ok: false, reason: 'unknown-nonce' };
  const nonce = o.nonces?.check(c.nonce, c.nc) ?? 'valid';
  if (nonce === 'unknown') return { ok: false, reason: 'unknown-nonce' };
  if (nonce === 'replay') return { ok: false, reason: 'replay' };
  const password = o.password(c.username);
  if (password === undefined) return { ok: false, reason: 'unknown-user' };
  if (!responseMatches(c, password, o)) return { ok: false, reason: 'bad-response' };
  if (nonce === 'stale') return { ok: false, reason: 'stale' };
  o.nonces?.accept(c.nonce, c.nc);
  return { ok: true, username: c.username };
}

function responseMatches(c: DigestCredentials, password: string, o: VerifyOptions): boolean {
  const expected = computeDigestResponse({
    algorithm: c.algorithm,
    username: c.username,
    realm: c.realm,
    password,
    method: o.method,
    uri: c.uri,
    nonce: c.nonce,
    ...(c.qop !== undefined ? { qop: c.qop, nc: c.nc, cnonce: c.cnonce } : {}),
    ...(o.body !== undefined ? { body: o.body } : {}),
  });
  const got = Buffer.from(c.response.toLowerCase());
  const want = Buffer.from(expected);
  return got.length === want.length && timingSafeEqual(got, want);
}

/** Server side: true when the credentials answer our challenge with the right password. */
export function verifyAuthorization(headerValue: string, o: VerifyOptions): boolean {
  return verifyDigest(headerValue, o).ok;
}
