import { newSid } from '../../kernel/ids.js';
import type { Queryable, SqlValue } from '../db.js';
import type { CampaignRepository, DncRepository } from '../repositories.js';
import { countRows, defineTable, getRow, insertRow, selectRows } from '../table.js';
import {
  CONTACT_OUTCOMES, CONTACT_STATES, type AttemptRecord, type CampaignRecord, type ContactNext, type ContactOutcome, type ContactRecord,
  type ContactState, type DncEntry,
} from '../campaign-types.js';
import { nowIso, written, type RepoContext } from './context.js';

const campaignsTable = defineTable({
  table: 'campaigns',
  id: 'campaign_sid',
  cols: { campaign_sid: 'text', account_sid: 'text', name: 'text', state: 'text', config: 'json', owner: 'text', lease_until: 'text', created_at: 'text', updated_at: 'text' },
});

const contactsTable = defineTable({
  table: 'campaign_contacts',
  id: 'contact_sid',
  cols: {
    contact_sid: 'text', campaign_sid: 'text', seq: 'int', number: 'text', timezone: 'text', tag: 'json', state: 'text', outcome: 'text', attempts: 'int',
    call_sids: 'json', amd: 'text', next_attempt_at: 'text', updated_at: 'text',
  },
});

const attemptsTable = defineTable({
  table: 'campaign_attempts',
  id: 'call_sid',
  cols: { call_sid: 'text', campaign_sid: 'text', contact_sid: 'text', started_at: 'text', amd: 'text', outcome: 'text', ended_at: 'text' },
});

const dncTable = defineTable({ table: 'dnc_numbers', id: 'number', cols: { account_sid: 'text', number: 'text', created_at: 'text' } });

const MAX_CONTACT_PAGE = 1000;

function contactFilter(campaignSid: string, q: { state?: ContactState; outcome?: ContactOutcome }): { where: string; params: SqlValue[] } {
  const where = ['"campaign_sid" = ?'];
  const params: SqlValue[] = [campaignSid];
  if (q.state !== undefined) {
    where.push('"state" = ?');
    params.push(q.state);
  }
  if (q.outcome !== undefined) {
    where.push('"outcome" = ?');
    params.push(q.outcome);
  }
  return { where: where.join(' AND '), params };
}

async function insertContacts(tx: Queryable, ctx: RepoContext, campaignSid: string, contacts: Parameters<CampaignRepository['addContacts']>[1]): Promise<{ added: number; duplicates: number }> {
  const row = await tx.get('SELECT MAX("seq") AS "m" FROM "campaign_contacts" WHERE "campaign_sid" = ?', [campaignSid]);
  let seq = Number(row?.m ?? 0);
  let added = 0;
  const now = nowIso(ctx);
  for (const c of contacts) {
    const dnc = c.dnc === true;
    const n = await tx.run(
      'INSERT INTO "campaign_contacts" ("contact_sid", "campaign_sid", "seq", "number", "timezone", "tag", "state", "outcome", "attempts", "call_sids", "updated_at") VALUES (?, ?, ?, ?, ?, ?, ?, ?, 0, \'[]\', ?) ON CONFLICT ("campaign_sid", "number") DO NOTHING',
      [newSid(), campaignSid, seq + 1, c.number, c.timezone, c.tag === null ? null : JSON.stringify(c.tag), dnc ? 'done' : 'pending', dnc ? 'dnc' : null, now],
    );
    if (n > 0) {
      seq += 1;
      added += 1;
    }
  }
  return { added, duplicates: contacts.length - added };
}

/** The contact after an attempt: its next state, and the attempt closed (only while it was open). */
async function settle(tx: Queryable, ctx: RepoContext, callSid: string, outcome: ContactOutcome, next: ContactNext): Promise<boolean> {
  const now = nowIso(ctx);
  const closed = await tx.run('UPDATE "campaign_attempts" SET "outcome" = ?, "ended_at" = ? WHERE "call_sid" = ? AND "outcome" IS NULL', [outcome, now, callSid]);
  if (closed === 0) return false;
  const a = await tx.get('SELECT "contact_sid", "amd" FROM "campaign_attempts" WHERE "call_sid" = ?', [callSid]);
  await tx.run(
    'UPDATE "campaign_contacts" SET "state" = ?, "outcome" = ?, "next_attempt_at" = ?, "amd" = ?, "updated_at" = ? WHERE "contact_sid" = ? AND "state" = \'dialing\'',
    [next.state, next.outcome, next.next_attempt_at, (a?.amd as string | null | undefined) ?? null, now, String(a?.contact_sid)],
  );
  return true;
}

type CampaignCrud = Pick<CampaignRepository, 'create' | 'get' | 'list' | 'update' | 'delete' | 'acquireLease' | 'releaseLease'>;
type AttemptOps = Pick<CampaignRepository, 'recordAttempt' | 'cancelAttempt' | 'setAttemptAmd' | 'getAttempt' | 'settleAttempt' | 'openAttempts' | 'releaseOrphans' | 'expireContacts'>;
type ContactOps = Omit<CampaignRepository, keyof CampaignCrud | keyof AttemptOps>;

export function campaignRepository(ctx: RepoContext): CampaignRepository {
  return { ...campaignCrud(ctx), ...contactOps(ctx), ...attemptOps(ctx) };
}

function campaignCrud(ctx: RepoContext): CampaignCrud {
  const { db } = ctx;
  return {
    async create(input) {
      const sid = newSid();
      const now = nowIso(ctx);
      await insertRow(db, campaignsTable, { ...input, campaign_sid: sid, state: 'draft', created_at: now, updated_at: now });
      return written(await getRow<CampaignRecord>(db, campaignsTable, sid), 'campaign');
    },
    get: (sid) => getRow<CampaignRecord>(db, campaignsTable, sid),
    list: (filter = {}) => {
      if (filter.account_sid !== undefined) return selectRows<CampaignRecord>(db, campaignsTable, '"account_sid" = ?', [filter.account_sid], '"created_at", "campaign_sid"');
      if (filter.state !== undefined) return selectRows<CampaignRecord>(db, campaignsTable, '"state" = ?', [filter.state], '"created_at", "campaign_sid"');
      return selectRows<CampaignRecord>(db, campaignsTable, '', [], '"created_at", "campaign_sid"');
    },
    async update(sid, patch) {
      const sets: string[] = ['"updated_at" = ?'];
      const params: SqlValue[] = [nowIso(ctx)];
      if (patch.config !== undefined) {
        sets.push('"config" = ?');
        params.push(JSON.stringify(patch.config));
      }
      if (patch.state !== undefined) {
        sets.push('"state" = ?');
        params.push(patch.state);
      }
      let where = '"campaign_sid" = ?';
      params.push(sid);
      if (patch.fromStates !== undefined) {
        where += ` AND "state" IN (${patch.fromStates.map(() => '?').join(', ')})`;
        params.push(...patch.fromStates);
      }
      return (await db.run(`UPDATE "campaigns" SET ${sets.join(', ')} WHERE ${where}`, params)) > 0;
    },
    async delete(sid) {
      return (await db.run('DELETE FROM "campaigns" WHERE "campaign_sid" = ?', [sid])) > 0;
    },
    async acquireLease(sid, owner, now, until) {
      return (await db.run(
        'UPDATE "campaigns" SET "owner" = ?, "lease_until" = ? WHERE "campaign_sid" = ? AND ("owner" IS NULL OR "owner" = ? OR "lease_until" IS NULL OR "lease_until" < ?)',
        [owner, until, sid, owner, now],
      )) > 0;
    },
    async releaseLease(sid, owner) {
      await db.run('UPDATE "campaigns" SET "owner" = NULL, "lease_until" = NULL WHERE "campaign_sid" = ? AND "owner" = ?', [sid, owner]);
    },
  };
}

function contactOps(ctx: RepoContext): ContactOps {
  const { db } = ctx;
  return {
    addContacts: (campaignSid, contacts) => db.transaction((tx) => insertContacts(tx, ctx, campaignSid, contacts)),
    async listContacts(campaignSid, query = {}) {
      const f = contactFilter(campaignSid, query);
      const limit = Math.min(Math.max(query.limit ?? 50, 1), MAX_CONTACT_PAGE);
      const total = await countRows(db, 'campaign_contacts', f.where, f.params);
      const rows = await db.all(`SELECT ${contactsTable.selectList} FROM "campaign_contacts" WHERE ${f.where} ORDER BY "seq" LIMIT ? OFFSET ?`, [...f.params, limit, Math.max(0, query.offset ?? 0)]);
      return { total, data: rows.map((r) => decodeContact(r)) };
    },
    getContact: (sid) => getRow<ContactRecord>(db, contactsTable, sid),
    findContact: async (campaignSid, number) => (await selectRows<ContactRecord>(db, contactsTable, '"campaign_sid" = ? AND "number" = ?', [campaignSid, number], '"seq"'))[0],
    async countContacts(campaignSid) {
      const states = Object.fromEntries(CONTACT_STATES.map((s) => [s, 0])) as Record<ContactState, number>;
      const outcomes = Object.fromEntries(CONTACT_OUTCOMES.map((s) => [s, 0])) as Record<ContactOutcome, number>;
      for (const r of await db.all('SELECT "state", "outcome", COUNT(*) AS "n" FROM "campaign_contacts" WHERE "campaign_sid" = ? GROUP BY "state", "outcome"', [campaignSid])) {
        const n = Number(r.n);
        states[r.state as ContactState] += n;
        if (r.outcome !== null && r.outcome !== undefined) outcomes[r.outcome as ContactOutcome] += n;
      }
      return { states, outcomes };
    },
    async timezones(campaignSid, defaultTimezone) {
      const rows = await db.all('SELECT DISTINCT COALESCE("timezone", ?) AS "tz" FROM "campaign_contacts" WHERE "campaign_sid" = ? AND "state" IN (\'pending\', \'scheduled\')', [defaultTimezone, campaignSid]);
      return rows.map((r) => String(r.tz));
    },
    async dueContacts(campaignSid, q) {
      let where = '"campaign_sid" = ? AND ("state" = \'pending\' OR ("state" = \'scheduled\' AND "next_attempt_at" <= ?))';
      const params: SqlValue[] = [campaignSid, q.now];
      if (q.timezones !== undefined) {
        if (q.timezones.length === 0) return [];
        where += ` AND COALESCE("timezone", ?) IN (${q.timezones.map(() => '?').join(', ')})`;
        params.push(q.defaultTimezone, ...q.timezones);
      }
      const rows = await db.all(`SELECT ${contactsTable.selectList} FROM "campaign_contacts" WHERE ${where} ORDER BY "seq" LIMIT ?`, [...params, q.limit]);
      return rows.map((r) => decodeContact(r));
    },
    async nextScheduled(campaignSid) {
      const r = await db.get('SELECT MIN("next_attempt_at") AS "t" FROM "campaign_contacts" WHERE "campaign_sid" = ? AND "state" = \'scheduled\'', [campaignSid]);
      return r?.t === null || r?.t === undefined ? undefined : String(r.t);
    },
    async claimContact(contactSid) {
      return (await db.run('UPDATE "campaign_contacts" SET "state" = \'dialing\', "updated_at" = ? WHERE "contact_sid" = ? AND "state" IN (\'pending\', \'scheduled\')', [nowIso(ctx), contactSid])) > 0;
    },
    async releaseContact(contactSid) {
      return (await db.run('UPDATE "campaign_contacts" SET "state" = CASE WHEN "attempts" = 0 THEN \'pending\' ELSE \'scheduled\' END, "updated_at" = ? WHERE "contact_sid" = ? AND "state" = \'dialing\'', [nowIso(ctx), contactSid])) > 0;
    },
    async finishContact(contactSid, outcome) {
      return (await db.run('UPDATE "campaign_contacts" SET "state" = \'done\', "outcome" = ?, "next_attempt_at" = NULL, "updated_at" = ? WHERE "contact_sid" = ? AND "state" <> \'done\'', [outcome, nowIso(ctx), contactSid])) > 0;
    },
  };
}

function attemptOps(ctx: RepoContext): AttemptOps {
  const { db } = ctx;
  return {
    recordAttempt: (a) => db.transaction(async (tx) => {
      await tx.run('INSERT INTO "campaign_attempts" ("call_sid", "campaign_sid", "contact_sid", "started_at") VALUES (?, ?, ?, ?)', [a.call_sid, a.campaign_sid, a.contact_sid, a.started_at]);
      const c = await tx.get('SELECT "call_sids" FROM "campaign_contacts" WHERE "contact_sid" = ?', [a.contact_sid]);
      const sids = [...(JSON.parse(String(c?.call_sids ?? '[]')) as string[]), a.call_sid];
      await tx.run('UPDATE "campaign_contacts" SET "attempts" = "attempts" + 1, "call_sids" = ?, "updated_at" = ? WHERE "contact_sid" = ?', [JSON.stringify(sids), nowIso(ctx), a.contact_sid]);
    }),
    cancelAttempt: (callSid) => db.transaction(async (tx) => {
      const a = await tx.get('SELECT "contact_sid" FROM "campaign_attempts" WHERE "call_sid" = ? AND "outcome" IS NULL', [callSid]);
      if (!a) return false;
      await tx.run('DELETE FROM "campaign_attempts" WHERE "call_sid" = ?', [callSid]);
      const c = await tx.get('SELECT "call_sids" FROM "campaign_contacts" WHERE "contact_sid" = ?', [String(a.contact_sid)]);
      const sids = (JSON.parse(String(c?.call_sids ?? '[]')) as string[]).filter((x) => x !== callSid);
      await tx.run(
        'UPDATE "campaign_contacts" SET "attempts" = "attempts" - 1, "call_sids" = ?, "state" = CASE WHEN "attempts" - 1 = 0 THEN \'pending\' ELSE \'scheduled\' END, "updated_at" = ? WHERE "contact_sid" = ? AND "state" = \'dialing\'',
        [JSON.stringify(sids), nowIso(ctx), String(a.contact_sid)],
      );
      return true;
    }),
    async setAttemptAmd(callSid, verdict) {
      return (await db.run('UPDATE "campaign_attempts" SET "amd" = ? WHERE "call_sid" = ? AND "amd" IS NULL', [verdict, callSid])) > 0;
    },
    getAttempt: (callSid) => getRow<AttemptRecord>(db, attemptsTable, callSid),
    settleAttempt: (callSid, outcome, next) => db.transaction((tx) => settle(tx, ctx, callSid, outcome, next)),
    openAttempts: (campaignSid) => selectRows<AttemptRecord>(db, attemptsTable, '"campaign_sid" = ? AND "outcome" IS NULL', [campaignSid], '"started_at"'),
    async releaseOrphans(campaignSid) {
      return db.run(
        'UPDATE "campaign_contacts" SET "state" = CASE WHEN "attempts" = 0 THEN \'pending\' ELSE \'scheduled\' END, "updated_at" = ? WHERE "campaign_sid" = ? AND "state" = \'dialing\' AND NOT EXISTS (SELECT 1 FROM "campaign_attempts" a WHERE a."contact_sid" = "campaign_contacts"."contact_sid" AND a."outcome" IS NULL)',
        [nowIso(ctx), campaignSid],
      );
    },
    async expireContacts(campaignSid) {
      return db.run('UPDATE "campaign_contacts" SET "state" = \'done\', "outcome" = \'expired\', "next_attempt_at" = NULL, "updated_at" = ? WHERE "campaign_sid" = ? AND "state" IN (\'pending\', \'scheduled\')', [nowIso(ctx), campaignSid]);
    },
  };
}

function decodeContact(r: Record<string, unknown>): ContactRecord {
  return { ...r, tag: r.tag === null || r.tag === undefined ? null : JSON.parse(String(r.tag)), call_sids: JSON.parse(String(r.call_sids ?? '[]')) } as ContactRecord;
}

export function dncRepository(ctx: RepoContext): DncRepository {
  const { db } = ctx;
  return {
    async add(accountSid, number) {
      return (await db.run('INSERT INTO "dnc_numbers" ("account_sid", "number", "created_at") VALUES (?, ?, ?) ON CONFLICT ("account_sid", "number") DO NOTHING', [accountSid, number, nowIso(ctx)])) > 0;
    },
    list: (accountSid) => selectRows<DncEntry>(db, dncTable, '"account_sid" = ?', [accountSid], '"number"'),
    async has(accountSid, number) {
      return (await db.get('SELECT 1 AS "x" FROM "dnc_numbers" WHERE "account_sid" = ? AND "number" = ?', [accountSid, number])) !== undefined;
    },
    async delete(accountSid, number) {
      return (await db.run('DELETE FROM "dnc_numbers" WHERE "account_sid" = ? AND "number" = ?', [accountSid, number])) > 0;
    },
  };
}
