import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { createCredentialCipher, CredentialCipherError, loadOrCreateKeyFile, parseCredentialsKey } from './credentials-cipher.js';

const key = Buffer.alloc(32, 9);

test('credentials cipher: AES-256-GCM round trip; a fresh IV per write; nothing of the secret in the blob', () => {
  const c = createCredentialCipher(key);
  const fields = { api_key: 'sk-very-secret-1234', region: 'westeurope', use_custom_stt: true };
  const a = c.encrypt(fields, 'acct-1');
  const b = c.encrypt(fields, 'acct-1');
  assert.notEqual(a, b, 'two writes of the same fields differ (random IV)');
  assert.equal(a.split('.')[0], 'v1');
  assert.equal(Buffer.from(a.split('.')[1], 'base64').length, 12);
  assert.ok(!a.includes('sk-very-secret') && !Buffer.from(a.split('.')[3], 'base64').toString('latin1').includes('sk-very-secret'));
  assert.deepEqual(c.decrypt(a, 'acct-1'), fields);
});

test('credentials cipher: the tag is checked (altered ciphertext, another account, another key all refuse)', () => {
  const c = createCredentialCipher(key);
  const blob = c.encrypt({ api_key: 'secret-abcd' }, 'acct-1');
  const parts = blob.split('.');
  const body = Buffer.from(parts[3], 'base64');
  body[0] ^= 1;
  const altered = [parts[0], parts[1], parts[2], body.toString('base64')].join('.');
  const refused = (e: unknown): boolean => e instanceof CredentialCipherError && e.code === 'CREDENTIALS_DECRYPT' && !e.message.includes('secret-abcd');
  assert.throws(() => c.decrypt(altered, 'acct-1'), refused);
  assert.throws(() => c.decrypt(blob, 'acct-2'), refused);
  assert.throws(() => createCredentialCipher(Buffer.alloc(32, 1)).decrypt(blob, 'acct-1'), refused);
  assert.throws(() => c.decrypt('plain text', 'acct-1'), refused);
});

test('credentials key: 64 hex or base64 of 32 bytes, else CREDENTIALS_KEY_INVALID', () => {
  assert.deepEqual(parseCredentialsKey('0f'.repeat(32), 'k'), Buffer.alloc(32, 15));
  assert.deepEqual(parseCredentialsKey(Buffer.alloc(32, 3).toString('base64'), 'k'), Buffer.alloc(32, 3));
  assert.throws(() => parseCredentialsKey('0f'.repeat(16), 'k'), (e: unknown) => e instanceof CredentialCipherError && e.code === 'CREDENTIALS_KEY_INVALID');
  assert.throws(() => createCredentialCipher(Buffer.alloc(16)), /32 bytes/);
});

test('credentials key file: created once in the data dir with mode 0600, then reused', () => {
  const dir = mkdtempSync(join(tmpdir(), 'vgw-key-'));
  try {
    const first = loadOrCreateKeyFile(dir);
    const path = join(dir, 'credentials.key');
    assert.equal(statSync(path).mode & 0o777, 0o600);
    assert.match(readFileSync(path, 'utf8'), /^[0-9a-f]{64}\n$/);
    assert.deepEqual(loadOrCreateKeyFile(dir), first, 'the same key on the next start');
    const blob = createCredentialCipher(first).encrypt({ api_key: 'x' }, 'a');
    assert.deepEqual(createCredentialCipher(loadOrCreateKeyFile(dir)).decrypt(blob, 'a'), { api_key: 'x' });
    writeFileSync(path, 'garbage');
    assert.throws(() => loadOrCreateKeyFile(dir), (e: unknown) => e instanceof CredentialCipherError && e.code === 'CREDENTIALS_KEY_INVALID' && e.message.includes(path));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
