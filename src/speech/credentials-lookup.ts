import { systemClock, type Clock, type TimerHandle } from '../kernel/clock.js';
import { detach } from '../kernel/detached.js';
import { errorMessage } from '../kernel/errors.js';
import { nullLogger, type Logger } from '../kernel/logger.js';
import type { CredentialCipher, CredentialFields } from './credentials-cipher.js';
import { SpeechVendorError, type SpeechCredential, type SpeechCredentialLookup, type SpeechUse } from './vendor.js';

/**
 * The stored form of a credential as this layer reads it (the store's `SpeechCredentialRecord`
 * has this shape; speech/ does not import store/, DESIGN.md §3).
 */
export interface StoredSpeechCredential {
  readonly speech_credential_sid: string;
  readonly account_sid: string;
  readonly vendor: string;
  readonly label: string | null;
  readonly use_for_tts: boolean;
  readonly use_for_stt: boolean;
  /** The encrypted vendor fields. */
  readonly secret: string;
}

/** What the lookup needs of the store's speech credential repository. */
export interface SpeechCredentialSource {
  listForVendor(accountSid: string, vendor: string): Promise<readonly StoredSpeechCredential[]>;
  touchLastUsed(sids: readonly string[], at: string): Promise<void>;
}

export interface SpeechCredentialLookupOptions {
  readonly clock?: Clock;
  readonly logger?: Logger;
  /** How often the uses seen are written as `last_used` (default 60 s; one UPDATE per flush). */
  readonly flushEveryMs?: number;
}

/** The lookup, with the batch of `last_used` writes it owns. */
export interface SpeechCredentialStore extends SpeechCredentialLookup {
  /** Writes the pending `last_used` times now. */
  flush(): Promise<void>;
  /** Stops the timer and writes what is pending. Idempotent. */
  close(): Promise<void>;
}

/** The decrypted credential as the adapters see it. */
export function toSpeechCredential(r: StoredSpeechCredential, fields: Readonly<CredentialFields>): SpeechCredential {
  return {
    sid: r.speech_credential_sid,
    accountSid: r.account_sid,
    vendor: r.vendor,
    ...(r.label === null ? {} : { label: r.label }),
    useForTts: r.use_for_tts,
    useForStt: r.use_for_stt,
    fields: Object.freeze({ ...fields }),
  };
}

/** `custom:` names match exactly; the other vendor names in any case (`Microsoft` is `microsoft`). */
function vendorKey(vendor: string): string {
  const t = vendor.trim();
  return t.toLowerCase().startsWith('custom:') ? `custom:${t.slice(7)}` : t.toLowerCase();
}

/**
 * jambonz's rule: a label matches the credential with that label; no label matches the vendor's
 * unlabelled credential, or its only one. Only credentials enabled for `use` take part.
 */
export function chooseCredential<T extends StoredSpeechCredential>(rows: readonly T[], label: string | undefined, use: SpeechUse): T | undefined {
  const usable = rows.filter((r) => (use === 'tts' ? r.use_for_tts : r.use_for_stt));
  if (label) return usable.find((r) => r.label === label);
  return usable.find((r) => r.label === null) ?? (usable.length === 1 ? usable[0] : undefined);
}

/**
 * The SpeechCredentialLookup over the store (issue 14): reads the account's credentials of the
 * vendor, picks one by the label rule and decrypts it on each use. `last_used` is collected in
 * memory and written in one batch per `flushEveryMs`, never on the caller's path. A credential
 * that does not decrypt rejects with SpeechVendorError `SPEECH_NO_CREDENTIAL` (no secret in it).
 */
export function createSpeechCredentialLookup(
  store: { readonly speechCredentials: SpeechCredentialSource },
  cipher: CredentialCipher,
  opts: SpeechCredentialLookupOptions = {},
): SpeechCredentialStore {
  const clock = opts.clock ?? systemClock;
  const logger = opts.logger ?? nullLogger;
  const every = opts.flushEveryMs ?? 60_000;
  const pending = new Set<string>();
  let timer: TimerHandle | undefined;
  let closed = false;
  const flush = async (): Promise<void> => {
    timer?.cancel();
    timer = undefined;
    if (pending.size === 0) return;
    const sids = [...pending];
    pending.clear();
    await store.speechCredentials.touchLastUsed(sids, new Date(clock.wallNow()).toISOString());
  };
  const used = (sid: string): void => {
    pending.add(sid);
    if (timer || closed) return;
    timer = clock.setTimer(every, () => {
      timer = undefined;
      detach(logger, 'speech credential last_used update', flush());
    });
  };
  return {
    async find(accountSid, vendor, label, use) {
      const rows = await store.speechCredentials.listForVendor(accountSid, vendorKey(vendor));
      const row = chooseCredential(rows, label, use);
      if (!row) return undefined;
      let fields: CredentialFields;
      try {
        fields = cipher.decrypt(row.secret, row.account_sid);
      } catch (e) {
        throw new SpeechVendorError('SPEECH_NO_CREDENTIAL', `speech credential ${row.speech_credential_sid} (${row.vendor}) cannot be decrypted: ${errorMessage(e)}`, row.vendor, { cause: e });
      }
      const credential = toSpeechCredential(row, fields);
      used(row.speech_credential_sid);
      return credential;
    },
    flush,
    async close() {
      closed = true;
      await flush();
    },
  };
}
