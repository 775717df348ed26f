/**
 * SRTP key derivation (RFC 3711 §4.3) with the AES-CM PRF (§4.3.3), from node:crypto's
 * AES-128-CTR. The key derivation rate is 0 (RFC 4568 §6.1's default for SDES), so the session
 * keys are derived once per master key: r = index DIV kdr = 0.
 */
import { createCipheriv } from 'node:crypto';

export const MASTER_KEY_LENGTH = 16;
export const MASTER_SALT_LENGTH = 14;
const AUTH_KEY_LENGTH = 20;

/** RFC 3711 §4.3.2 labels. */
const LABEL = { rtpEncryption: 0, rtpAuth: 1, rtpSalt: 2, rtcpEncryption: 3, rtcpAuth: 4, rtcpSalt: 5 } as const;

/** One direction's session keys for RTP or RTCP. */
export interface SessionKeys {
  /** k_e: AES-128 key. */
  readonly encryption: Buffer;
  /** k_a: HMAC-SHA1 key (160 bits, §4.2.1). */
  readonly auth: Buffer;
  /** k_s: 112-bit session salt. */
  readonly salt: Buffer;
}

/**
 * §4.3.1: x = (label || r) XOR master_salt, with key_id = label || r right-aligned (r = 0 here,
 * so the label lands in octet 7 of the salt); the PRF output is the AES-CM keystream of the
 * master key from IV = x · 2^16 (§4.3.3), `length` octets of it.
 */
export function prf(masterKey: Uint8Array, masterSalt: Uint8Array, label: number, length: number): Buffer {
  const iv = Buffer.alloc(16);
  iv.set(masterSalt.subarray(0, MASTER_SALT_LENGTH), 0);
  iv[7] ^= label;
  return createCipheriv('aes-128-ctr', masterKey, iv).update(Buffer.alloc(length));
}

/** The SRTP and SRTCP session keys of a master key and salt (§4.3.1, §4.3.2). */
export function deriveSessionKeys(masterKey: Uint8Array, masterSalt: Uint8Array): { readonly rtp: SessionKeys; readonly rtcp: SessionKeys } {
  const k = (label: number, n: number): Buffer => prf(masterKey, masterSalt, label, n);
  return {
    rtp: { encryption: k(LABEL.rtpEncryption, MASTER_KEY_LENGTH), auth: k(LABEL.rtpAuth, AUTH_KEY_LENGTH), salt: k(LABEL.rtpSalt, MASTER_SALT_LENGTH) },
    rtcp: { encryption: k(LABEL.rtcpEncryption, MASTER_KEY_LENGTH), auth: k(LABEL.rtcpAuth, AUTH_KEY_LENGTH), salt: k(LABEL.rtcpSalt, MASTER_SALT_LENGTH) },
  };
}
