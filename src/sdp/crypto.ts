/**
 * SDES: SRTP master keys in SDP (RFC 4568). We speak the two AES-CM suites of RFC 4568 §6.2
 * with one inline key each, no MKI, and the default session parameters (KDR 0, encrypted and
 * authenticated SRTP and SRTCP); a crypto line asking for anything else is not one of ours.
 */
import { randomBytes } from 'node:crypto';
import type { SdpMedia } from './types.js';

export type SdesSuite = 'AES_CM_128_HMAC_SHA1_80' | 'AES_CM_128_HMAC_SHA1_32';
const SUITES: ReadonlySet<string> = new Set<SdesSuite>(['AES_CM_128_HMAC_SHA1_80', 'AES_CM_128_HMAC_SHA1_32']);

/** 16-byte master key followed by the 14-byte master salt (RFC 4568 §6.1). */
export const SDES_KEY_LENGTH = 30;

/** One `a=crypto` line we can use. */
export interface SdesCrypto {
  /** RFC 4568 §9.1: 1–9 digits; the answer echoes the offer's tag (§7.1.2). */
  readonly tag: number;
  readonly suite: SdesSuite;
  /** The master key and salt, concatenated. */
  readonly keySalt: Buffer;
}

/** True for RTP/SAVP and RTP/SAVPF (RFC 3711 §12, RFC 5124). */
export function isSecureProto(proto: string): boolean {
  return proto === 'RTP/SAVP' || proto === 'RTP/SAVPF';
}

/** `inline:<key||salt base64>[|lifetime]`; no MKI (`|n:len`), and a 30-byte key. */
function inlineKey(param: string): Buffer | undefined {
  if (!param.startsWith('inline:')) return undefined;
  const [b64 = '', ...rest] = param.slice(7).split('|');
  if (rest.length > 1 || rest.some((r) => r.includes(':'))) return undefined; // MKI: not ours
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(b64)) return undefined;
  const key = Buffer.from(b64, 'base64');
  return key.length === SDES_KEY_LENGTH ? key : undefined;
}

/** `tag suite key-params [session-params]` (RFC 4568 §9.1), or undefined when we cannot use it. */
export function parseCrypto(value: string): SdesCrypto | undefined {
  const [tag = '', suite = '', keyParams = '', ...sessionParams] = value.trim().split(/\s+/);
  if (!/^\d{1,9}$/.test(tag) || !SUITES.has(suite) || sessionParams.length > 0) return undefined;
  const keys = keyParams.split(';');
  const keySalt = keys.length === 1 ? inlineKey(keys[0]) : undefined;
  return keySalt ? { tag: Number(tag), suite: suite as SdesSuite, keySalt } : undefined;
}

/**
 * The value of an `a=crypto` line. RFC 4568 §6.1 is read both ways about the base64 `=`
 * padding: it is dropped unless `pad` (a gateway's `pad_crypto`). A 30-byte key has none.
 */
export function formatCrypto(c: SdesCrypto, pad = false): string {
  const b64 = c.keySalt.toString('base64');
  return `${c.tag} ${c.suite} inline:${pad ? b64 : b64.replace(/=+$/, '')}`;
}

/** A fresh master key and salt (RFC 4568 §6.1: from a cryptographically strong source). */
export function newSdesKey(): Buffer {
  return randomBytes(SDES_KEY_LENGTH);
}

/** The usable crypto lines of an m= section, in the offerer's order of preference. */
export function cryptoLines(m: SdpMedia): SdesCrypto[] {
  const out: SdesCrypto[] = [];
  for (const a of m.attributes) {
    if (a.name.toLowerCase() !== 'crypto' || a.value === undefined) continue;
    const c = parseCrypto(a.value);
    if (c) out.push(c);
  }
  return out;
}
