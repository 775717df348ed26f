import { newSid } from '../../kernel/ids.js';
import { StoreError } from '../errors.js';
import type { ApplicationRepository, PhoneNumberRepository } from '../repositories.js';
import { countRows, defineTable, deleteRow, getRow, insertRow, selectRows, updateRow } from '../table.js';
import type { Application, NumberRoute, PhoneNumber, PhoneNumberInput } from '../types.js';
import { invalidRef, nowIso, written, type RepoContext } from './context.js';

const speech = [
  'speech_synthesis_vendor', 'speech_synthesis_language', 'speech_synthesis_voice', 'speech_synthesis_label',
  'speech_recognizer_vendor', 'speech_recognizer_language', 'speech_recognizer_label',
] as const;

const applicationsTable = defineTable({
  table: 'applications',
  id: 'application_sid',
  cols: {
    application_sid: 'text', name: 'text', account_sid: 'text', call_hook: 'hook', call_status_hook: 'hook', messaging_hook: 'hook', app_json: 'text',
    ...Object.fromEntries(speech.map((c) => [c, 'text'])),
    use_for_fallback_speech: 'bool',
    ...Object.fromEntries(speech.map((c) => [`fallback_${c}`, 'text'])),
    env_vars: 'json', record_all_calls: 'bool', created_at: 'text',
  },
});

async function requireAccount(ctx: RepoContext, accountSid: string): Promise<void> {
  const row = await ctx.db.get('SELECT 1 AS "x" FROM "accounts" WHERE "account_sid" = ?', [accountSid]);
  if (!row) invalidRef('account_sid', `account ${accountSid} not found`);
}

export function applicationRepository(ctx: RepoContext): ApplicationRepository {
  const { db } = ctx;
  return {
    async create(input) {
      await requireAccount(ctx, input.account_sid);
      const sid = newSid();
      await insertRow(db, applicationsTable, { ...input, application_sid: sid, created_at: nowIso(ctx) });
      return written(await getRow<Application>(db, applicationsTable, sid), 'application');
    },
    get: (sid) => getRow<Application>(db, applicationsTable, sid),
    list: (filter = {}) =>
      filter.account_sid === undefined
        ? selectRows<Application>(db, applicationsTable, '', [], '"created_at", "application_sid"')
        : selectRows<Application>(db, applicationsTable, '"account_sid" = ?', [filter.account_sid], '"created_at", "application_sid"'),
    update: (sid, patch) => updateRow(db, applicationsTable, sid, { ...patch, account_sid: undefined }),
    async delete(sid) {
      const numbers = await countRows(db, 'phone_numbers', '"application_sid" = ?', [sid]);
      const carriers = await countRows(db, 'voip_carriers', '"application_sid" = ?', [sid]);
      if (numbers + carriers > 0) {
        throw new StoreError('STORE_IN_USE', `application is in use by ${numbers} phone number(s) and ${carriers} carrier(s)`);
      }
      return deleteRow(db, applicationsTable, sid);
    },
  };
}

const numbersTable = defineTable({
  table: 'phone_numbers',
  id: 'phone_number_sid',
  cols: { phone_number_sid: 'text', number: 'text', account_sid: 'text', application_sid: 'text', voip_carrier_sid: 'text', created_at: 'text' },
});

/** DESIGN.md §2: a number is the same number with or without its leading `+`. */
export function normalizeNumber(n: string): string {
  const t = n.trim();
  return t.startsWith('+') ? t.slice(1) : t;
}

/** An application must belong to the number's account; a carrier to that account or be shared. */
async function checkNumberRefs(ctx: RepoContext, n: { account_sid: string | null; application_sid: string | null; voip_carrier_sid: string | null }): Promise<void> {
  if (n.account_sid !== null) await requireAccount(ctx, n.account_sid);
  if (n.application_sid !== null) {
    const app = await ctx.db.get('SELECT "account_sid" FROM "applications" WHERE "application_sid" = ?', [n.application_sid]);
    if (!app) invalidRef('application_sid', `application ${n.application_sid} not found`);
    if (app.account_sid !== n.account_sid) invalidRef('application_sid', 'application belongs to another account');
  }
  if (n.voip_carrier_sid !== null) {
    const c = await ctx.db.get('SELECT "account_sid" FROM "voip_carriers" WHERE "voip_carrier_sid" = ?', [n.voip_carrier_sid]);
    if (!c) invalidRef('voip_carrier_sid', `voip carrier ${n.voip_carrier_sid} not found`);
    if (c.account_sid !== null && c.account_sid !== n.account_sid) invalidRef('voip_carrier_sid', 'voip carrier belongs to another account');
  }
}

export function phoneNumberRepository(ctx: RepoContext): PhoneNumberRepository {
  const { db } = ctx;
  const get = (sid: string): Promise<PhoneNumber | undefined> => getRow<PhoneNumber>(db, numbersTable, sid);
  return {
    async create(input: PhoneNumberInput) {
      const row = {
        number: normalizeNumber(input.number),
        account_sid: input.account_sid ?? null,
        application_sid: input.application_sid ?? null,
        voip_carrier_sid: input.voip_carrier_sid ?? null,
      };
      if (row.number === '') invalidRef('number', 'number must not be empty');
      await checkNumberRefs(ctx, row);
      const sid = newSid();
      try {
        await insertRow(db, numbersTable, { ...row, phone_number_sid: sid, created_at: nowIso(ctx) });
      } catch (e) {
        if (e instanceof StoreError && e.code === 'STORE_CONFLICT') throw new StoreError('STORE_CONFLICT', `number ${row.number} already exists`, { cause: e, field: 'number' });
        throw e;
      }
      return written(await get(sid), 'phone number');
    },
    get,
    list(filter = {}) {
      const { account_sid } = filter;
      if (account_sid === undefined) return selectRows<PhoneNumber>(db, numbersTable, '', [], '"number"');
      if (account_sid === null) return selectRows<PhoneNumber>(db, numbersTable, '"account_sid" IS NULL', [], '"number"');
      return selectRows<PhoneNumber>(db, numbersTable, '"account_sid" = ?', [account_sid], '"number"');
    },
    async update(sid, patch) {
      const cur = await get(sid);
      if (!cur) return false;
      const next = {
        account_sid: patch.account_sid === undefined ? cur.account_sid : patch.account_sid,
        application_sid: patch.application_sid === undefined ? cur.application_sid : patch.application_sid,
        voip_carrier_sid: cur.voip_carrier_sid,
      };
      await checkNumberRefs(ctx, next);
      return updateRow(db, numbersTable, sid, { account_sid: next.account_sid, application_sid: next.application_sid });
    },
    delete: (sid) => deleteRow(db, numbersTable, sid),
    async findByNumber(number) {
      const n = normalizeNumber(number);
      if (n === '') return undefined;
      const rows = await selectRows<NumberRoute>(db, numbersTable, '"number" = ?', [n], '"number"');
      return rows[0];
    },
  };
}
