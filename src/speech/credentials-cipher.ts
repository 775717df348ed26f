import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { chmodSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { GatewayError } from '../kernel/errors.js';

/**
 * Speech credentials at rest (issue 14): every credential's vendor fields are one AES-256-GCM
 * blob (NIST SP 800-38D) with a fresh random 96-bit IV per write; the 128-bit tag is checked on
 * every read, and the owning account's sid is bound in as additional authenticated data, so a
 * blob copied into another account's row does not decrypt.
 */
export type CredentialCipherErrorCode = 'CREDENTIALS_KEY_INVALID' | 'CREDENTIALS_KEY_FILE' | 'CREDENTIALS_DECRYPT';

export class CredentialCipherError extends GatewayError {
  declare readonly code: CredentialCipherErrorCode;
  constructor(code: CredentialCipherErrorCode, message: string, options?: { cause?: unknown }) {
    super(code, message, options);
  }
}

/** Stored form: `v1.<base64 iv>.<base64 tag>.<base64 ciphertext>`. */
const VERSION = 'v1';
const IV_BYTES = 12;
const TAG_BYTES = 16;
export const CREDENTIALS_KEY_BYTES = 32;
/** The key file the gateway generates in its data dir when VGW_CREDENTIALS_KEY is not set. */
export const CREDENTIALS_KEY_FILE = 'credentials.key';

/** The decrypted content of a blob: jambonz's vendor field names. */
export type CredentialFields = Record<string, string | boolean | undefined>;

export interface CredentialCipher {
  encrypt(fields: Readonly<CredentialFields>, accountSid: string): string;
  /** Throws CredentialCipherError (`CREDENTIALS_DECRYPT`) when the blob is damaged, foreign or of another key. */
  decrypt(blob: string, accountSid: string): CredentialFields;
}

/** A key written as 64 hex characters, or as base64 of 32 bytes; anything else is refused. */
export function parseCredentialsKey(text: string, source: string): Buffer {
  const t = text.trim();
  if (/^[0-9a-fA-F]{64}$/.test(t)) return Buffer.from(t, 'hex');
  if (/^[A-Za-z0-9+/]{43}=$/.test(t)) {
    const b = Buffer.from(t, 'base64');
    if (b.length === CREDENTIALS_KEY_BYTES) return b;
  }
  throw new CredentialCipherError('CREDENTIALS_KEY_INVALID', `${source} must be 64 hex characters or the base64 of 32 bytes (e.g. the output of \`openssl rand -hex 32\`)`);
}

/**
 * The key file `<dataDir>/credentials.key`: read when it exists, otherwise created once with a
 * random key (64 hex characters, mode 0600, never overwritten: `wx`).
 */
export function loadOrCreateKeyFile(dataDir: string): Buffer {
  const path = join(dataDir, CREDENTIALS_KEY_FILE);
  try {
    writeFileSync(path, `${randomBytes(CREDENTIALS_KEY_BYTES).toString('hex')}\n`, { flag: 'wx', mode: 0o600 });
  } catch (e) {
    if ((e as { code?: unknown }).code !== 'EEXIST') throw new CredentialCipherError('CREDENTIALS_KEY_FILE', `cannot create ${path}: ${(e as Error).message}`, { cause: e });
  }
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
    // A key file someone else can read is narrowed to its owner.
    if ((statSync(path).mode & 0o077) !== 0) chmodSync(path, 0o600);
  } catch (e) {
    throw new CredentialCipherError('CREDENTIALS_KEY_FILE', `cannot read ${path}: ${(e as Error).message}`, { cause: e });
  }
  return parseCredentialsKey(text, path);
}

export function createCredentialCipher(key: Uint8Array): CredentialCipher {
  if (key.length !== CREDENTIALS_KEY_BYTES) throw new CredentialCipherError('CREDENTIALS_KEY_INVALID', `the credentials key must be ${CREDENTIALS_KEY_BYTES} bytes`);
  const k = Buffer.from(key);
  return {
    encrypt(fields, accountSid) {
      const iv = randomBytes(IV_BYTES);
      const c = createCipheriv('aes-256-gcm', k, iv, { authTagLength: TAG_BYTES });
      c.setAAD(Buffer.from(accountSid, 'utf8'));
      const body = Buffer.concat([c.update(JSON.stringify(fields), 'utf8'), c.final()]);
      return [VERSION, iv.toString('base64'), c.getAuthTag().toString('base64'), body.toString('base64')].join('.');
    },
    decrypt(blob, accountSid) {
      const parts = blob.split('.');
      if (parts.length !== 4 || parts[0] !== VERSION) throw new CredentialCipherError('CREDENTIALS_DECRYPT', 'not a credential blob of this gateway');
      const [iv, tag, body] = parts.slice(1).map((p) => Buffer.from(p, 'base64'));
      if (iv.length !== IV_BYTES || tag.length !== TAG_BYTES) throw new CredentialCipherError('CREDENTIALS_DECRYPT', 'damaged credential blob');
      try {
        const d = createDecipheriv('aes-256-gcm', k, iv, { authTagLength: TAG_BYTES });
        d.setAAD(Buffer.from(accountSid, 'utf8'));
        d.setAuthTag(tag);
        const text = Buffer.concat([d.update(body), d.final()]).toString('utf8');
        return JSON.parse(text) as CredentialFields;
      } catch (e) {
        throw new CredentialCipherError('CREDENTIALS_DECRYPT', 'the credential does not decrypt with this key (wrong VGW_CREDENTIALS_KEY, or the row was altered)', { cause: e });
      }
    },
  };
}
