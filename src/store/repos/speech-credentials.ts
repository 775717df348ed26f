import { newSid } from '../../kernel/ids.js';
import { StoreError } from '../errors.js';
import type { SpeechCredentialRepository } from '../repositories.js';
import { defineTable, deleteRow, getRow, insertRow, selectRows, updateRow } from '../table.js';
import type { SpeechCredentialRecord } from '../types.js';
import { invalidRef, nowIso, written, type RepoContext } from './context.js';

const speechCredentialsTable = defineTable({
  table: 'speech_credentials',
  id: 'speech_credential_sid',
  cols: {
    speech_credential_sid: 'text', account_sid: 'text', vendor: 'text', label: 'text', use_for_tts: 'bool', use_for_stt: 'bool', secret: 'text',
    created_at: 'text', last_used: 'text', last_tested: 'text', tts_tested_ok: 'bool', stt_tested_ok: 'bool',
  },
});

/** The unlabelled credential first, then by label. */
const ORDER = '"vendor", COALESCE("label", \'\'), "created_at", "speech_credential_sid"';

function labelTaken(e: unknown, vendor: string, label: string | null): never {
  if (e instanceof StoreError && e.code === 'STORE_CONFLICT') {
    const what = label === null ? `an unlabelled ${vendor} credential already exists` : `a ${vendor} credential labelled "${label}" already exists`;
    throw new StoreError('STORE_CONFLICT', what, { cause: e, field: 'label' });
  }
  throw e;
}

export function speechCredentialRepository(ctx: RepoContext): SpeechCredentialRepository {
  const { db } = ctx;
  const get = (sid: string): Promise<SpeechCredentialRecord | undefined> => getRow<SpeechCredentialRecord>(db, speechCredentialsTable, sid);
  return {
    async create(input) {
      if (!(await db.get('SELECT 1 AS "x" FROM "accounts" WHERE "account_sid" = ?', [input.account_sid]))) invalidRef('account_sid', `account ${input.account_sid} not found`);
      const sid = newSid();
      const label = input.label ? input.label : null;
      await insertRow(db, speechCredentialsTable, { ...input, label, speech_credential_sid: sid, created_at: nowIso(ctx) }).catch((e: unknown) => labelTaken(e, input.vendor, label));
      return written(await get(sid), 'speech credential');
    },
    get,
    list: (filter = {}) =>
      filter.account_sid === undefined
        ? selectRows<SpeechCredentialRecord>(db, speechCredentialsTable, '', [], `"account_sid", ${ORDER}`)
        : selectRows<SpeechCredentialRecord>(db, speechCredentialsTable, '"account_sid" = ?', [filter.account_sid], ORDER),
    listForVendor: (accountSid, vendor) => selectRows<SpeechCredentialRecord>(db, speechCredentialsTable, '"account_sid" = ? AND "vendor" = ?', [accountSid, vendor], ORDER),
    update: (sid, patch) => updateRow(db, speechCredentialsTable, sid, { use_for_tts: patch.use_for_tts, use_for_stt: patch.use_for_stt, secret: patch.secret }),
    delete: (sid) => deleteRow(db, speechCredentialsTable, sid),
    async touchLastUsed(sids, at) {
      if (sids.length === 0) return;
      await db.run(`UPDATE "speech_credentials" SET "last_used" = ? WHERE "speech_credential_sid" IN (${sids.map(() => '?').join(', ')})`, [at, ...sids]);
    },
    async recordTest(sid, o) {
      const flag = (v: boolean | undefined): number | null => (v === undefined ? null : v ? 1 : 0);
      const n = await db.run(
        'UPDATE "speech_credentials" SET "last_tested" = ?, "tts_tested_ok" = ?, "stt_tested_ok" = ? WHERE "speech_credential_sid" = ?',
        [o.last_tested, flag(o.tts_tested_ok), flag(o.stt_tested_ok), sid],
      );
      return n > 0;
    },
  };
}
