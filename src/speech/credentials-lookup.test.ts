import assert from 'node:assert/strict';
import { test } from 'node:test';
import { FakeClock } from '../testkit/fake-clock.js';
import { createCredentialCipher } from './credentials-cipher.js';
import { chooseCredential, createSpeechCredentialLookup, type SpeechCredentialSource, type StoredSpeechCredential } from './credentials-lookup.js';
import { SpeechVendorError } from './vendor.js';

const cipher = createCredentialCipher(Buffer.alloc(32, 2));

function row(sid: string, vendor: string, label: string | null, uses: { tts?: boolean; stt?: boolean } = {}, account = 'acct'): StoredSpeechCredential {
  return { speech_credential_sid: sid, account_sid: account, vendor, label, use_for_tts: uses.tts ?? true, use_for_stt: uses.stt ?? true, secret: cipher.encrypt({ api_key: `key-of-${sid}` }, account) };
}

/** An in-memory source that counts its reads and records its last_used writes. */
function source(rows: StoredSpeechCredential[]): SpeechCredentialSource & { touches: { sids: readonly string[]; at: string }[]; reads: number } {
  const s = {
    touches: [] as { sids: readonly string[]; at: string }[],
    reads: 0,
    async listForVendor(accountSid: string, vendor: string) {
      s.reads++;
      return rows.filter((r) => r.account_sid === accountSid && r.vendor === vendor);
    },
    async touchLastUsed(sids: readonly string[], at: string) {
      s.touches.push({ sids, at });
    },
  };
  return s;
}

test('label rule (jambonz): a label picks that credential; no label picks the unlabelled one, else the only one', () => {
  const plain = row('p', 'deepgram', null);
  const eu = row('eu', 'deepgram', 'eu');
  const us = row('us', 'deepgram', 'us', { stt: false });
  assert.equal(chooseCredential([plain, eu, us], 'eu', 'stt'), eu);
  assert.equal(chooseCredential([plain, eu, us], undefined, 'stt'), plain);
  assert.equal(chooseCredential([eu], undefined, 'stt'), eu, 'the only one');
  assert.equal(chooseCredential([eu, us], undefined, 'tts'), undefined, 'two labelled, none unlabelled: ambiguous');
  assert.equal(chooseCredential([eu, us], undefined, 'stt'), eu, 'the only one usable for stt');
  assert.equal(chooseCredential([plain, eu, us], 'us', 'stt'), undefined, 'us is not for stt');
  assert.equal(chooseCredential([plain, eu], 'nope', 'stt'), undefined, 'an unknown label does not fall back');
});

test('lookup: decrypts on use; vendor names in any case, custom:<name> exactly; other accounts never match', async () => {
  const src = source([row('dg', 'deepgram', null), row('acme', 'custom:acme', null), row('other', 'deepgram', null, {}, 'acct-2')]);
  const lookup = createSpeechCredentialLookup({ speechCredentials: src }, cipher, { clock: new FakeClock() });
  const c = await lookup.find('acct', 'Deepgram', undefined, 'stt');
  assert.deepEqual([c?.sid, c?.accountSid, c?.vendor, c?.useForStt, c?.fields.api_key, c?.label], ['dg', 'acct', 'deepgram', true, 'key-of-dg', undefined]);
  assert.equal((await lookup.find('acct', 'custom:acme', undefined, 'tts'))?.fields.api_key, 'key-of-acme');
  assert.equal(await lookup.find('acct', 'custom:other', undefined, 'tts'), undefined);
  assert.equal(await lookup.find('acct', 'custom', undefined, 'tts'), undefined);
  assert.equal((await lookup.find('acct-2', 'deepgram', undefined, 'tts'))?.sid, 'other');
  assert.equal(await lookup.find('acct-3', 'deepgram', undefined, 'tts'), undefined);
  await lookup.close();
});

test('lookup: last_used is written in one batch per interval, off the caller path, and on close', async () => {
  const clock = new FakeClock();
  const src = source([row('a', 'deepgram', null), row('b', 'microsoft', null)]);
  const lookup = createSpeechCredentialLookup({ speechCredentials: src }, cipher, { clock, flushEveryMs: 1000 });
  await lookup.find('acct', 'deepgram', undefined, 'stt');
  await lookup.find('acct', 'microsoft', undefined, 'tts');
  await lookup.find('acct', 'deepgram', undefined, 'tts');
  assert.equal(src.touches.length, 0, 'nothing written while finding');
  clock.advance(999);
  assert.equal(src.touches.length, 0);
  clock.advance(1);
  await Promise.resolve();
  assert.equal(src.touches.length, 1);
  assert.deepEqual([...src.touches[0].sids].sort(), ['a', 'b']);
  assert.equal(src.touches[0].at, new Date(clock.wallNow()).toISOString());
  clock.advance(5000);
  assert.equal(src.touches.length, 1, 'no write without uses');
  await lookup.find('acct', 'deepgram', undefined, 'stt');
  await lookup.close();
  assert.deepEqual(src.touches.map((t) => t.sids), [src.touches[0].sids, ['a']]);
  await lookup.close();
  assert.equal(src.touches.length, 2);
});

test('lookup: a credential that does not decrypt is SPEECH_NO_CREDENTIAL without its secret', async () => {
  const bad = { ...row('x', 'deepgram', null), secret: createCredentialCipher(Buffer.alloc(32, 3)).encrypt({ api_key: 'other-key-secret' }, 'acct') };
  const lookup = createSpeechCredentialLookup({ speechCredentials: source([bad]) }, cipher, { clock: new FakeClock() });
  await assert.rejects(lookup.find('acct', 'deepgram', undefined, 'stt'), (e: unknown) => e instanceof SpeechVendorError && e.code === 'SPEECH_NO_CREDENTIAL' && !e.message.includes('other-key-secret'));
  await lookup.close();
});
