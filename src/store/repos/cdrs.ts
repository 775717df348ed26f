import { newSid } from '../../kernel/ids.js';
import { q, type SqlValue } from '../db.js';
import { StoreError } from '../errors.js';
import type { AlertRepository, CallJournalRepository, CdrRepository } from '../repositories.js';
import { countRows, defineTable, getRow, insertRow, selectRows } from '../table.js';
import type { Alert, AlertQuery, CallJournalEntry, Cdr, CdrInput, Page, TimeRangeQuery } from '../types.js';
import { nowIso, written, type RepoContext } from './context.js';

const cdrsTable = defineTable({
  table: 'cdrs',
  id: 'call_sid',
  cols: {
    call_sid: 'text', account_sid: 'text', application_sid: 'text', direction: 'text', from: 'text', to: 'text', trunk: 'text', sip_callid: 'text',
    sip_parent_callid: 'text', attempted_at: 'text', answered_at: 'text', terminated_at: 'text', duration: 'int', answered: 'bool', sip_status: 'int',
    termination_reason: 'text', termination_cause: 'text', post_dial_delay_ms: 'int', webhook_latency_ms: 'int', host: 'text', remote_host: 'text',
    trace_id: 'text', recording_url: 'text', timeline: 'json',
  },
});

const alertsTable = defineTable({
  table: 'alerts',
  id: 'alert_sid',
  cols: {
    alert_sid: 'text', time: 'text', account_sid: 'text', alert_type: 'text', message: 'text', detail: 'text', call_sid: 'text', vendor: 'text',
    target_sid: 'text', url: 'text', status: 'int', count: 'int',
  },
});

export const MAX_PAGE_SIZE = 500;
const DEFAULT_PAGE_SIZE = 50;

interface Filter {
  readonly where: string[];
  readonly params: SqlValue[];
}

/** `days`, `start` and `end` (contract §7.2) over the time column `col`. */
function timeRange(ctx: RepoContext, col: string, query: TimeRangeQuery, f: Filter): void {
  const start = query.start ?? (query.days ? new Date(ctx.clock.wallNow() - query.days * 86_400_000).toISOString() : undefined);
  if (start !== undefined) {
    f.where.push(`${q(col)} >= ?`);
    f.params.push(isoTime(start, 'start'));
  }
  if (query.end !== undefined) {
    f.where.push(`${q(col)} <= ?`);
    f.params.push(isoTime(query.end, 'end'));
  }
}

/** Times are stored in one ISO-8601 UTC form so that text order is time order on both engines. */
function isoTime(v: string, field: string): string {
  const ms = Date.parse(v);
  if (Number.isNaN(ms)) throw new StoreError('STORE_INVALID', `${field} is not a date-time`, { field });
  return new Date(ms).toISOString();
}

/** A LIKE pattern matching `s` literally (backslash escapes `%`, `_` and itself). */
function likeLiteral(s: string): string {
  return `%${s.toLowerCase().replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
}

async function page<T>(ctx: RepoContext, table: ReturnType<typeof defineTable>, f: Filter, order: string, query: TimeRangeQuery): Promise<Page<T>> {
  const size = Math.min(Math.max(1, Math.trunc(query.count ?? DEFAULT_PAGE_SIZE)), MAX_PAGE_SIZE);
  const pageNo = Math.max(1, Math.trunc(query.page ?? 1));
  const where = f.where.join(' AND ');
  const total = await countRows(ctx.db, table.table, where, f.params);
  const data = await selectRows<T>(ctx.db, table, where, [...f.params, size, (pageNo - 1) * size], `${order} LIMIT ? OFFSET ?`);
  return { total, page: pageNo, page_size: size, data };
}

/** A CDR as the upsert's parameters, in column order (defaults filled, times normalised). */
function cdrParams(cols: readonly string[], cdr: CdrInput): SqlValue[] {
  const full: Cdr = {
    application_sid: null, trunk: null, sip_callid: null, sip_parent_callid: null, duration: 0, answered: false,
    sip_status: null, termination_reason: null, termination_cause: null, post_dial_delay_ms: null, webhook_latency_ms: null, host: null,
    remote_host: null, trace_id: null, recording_url: null, timeline: [], ...cdr,
    attempted_at: isoTime(cdr.attempted_at, 'attempted_at'),
    answered_at: cdr.answered_at ? isoTime(cdr.answered_at, 'answered_at') : null,
    terminated_at: cdr.terminated_at ? isoTime(cdr.terminated_at, 'terminated_at') : null,
  };
  return cols.map((c) => {
    const v = (full as unknown as Record<string, unknown>)[c];
    if (c === 'timeline') return JSON.stringify(v);
    if (typeof v === 'boolean') return v ? 1 : 0;
    return (v ?? null) as SqlValue;
  });
}

export function cdrRepository(ctx: RepoContext): CdrRepository {
  const { db } = ctx;
  const cols = Object.keys(cdrsTable.cols);
  const upsert = `INSERT INTO "cdrs" (${cols.map(q).join(', ')}) VALUES (${cols.map(() => '?').join(', ')}) ON CONFLICT ("call_sid") DO UPDATE SET ${cols
    .filter((c) => c !== 'call_sid')
    .map((c) => `${q(c)} = excluded.${q(c)}`)
    .join(', ')}`;
  return {
    async write(cdr: CdrInput) {
      await db.run(upsert, cdrParams(cols, cdr));
      return written(await getRow<Cdr>(db, cdrsTable, cdr.call_sid), 'cdr');
    },
    async saveMany(cdrs) {
      if (cdrs.length === 0) return;
      const rows = cdrs.map((c) => cdrParams(cols, c));
      await db.transaction(async (tx) => {
        for (const params of rows) await tx.run(upsert, params);
      });
    },
    get: (callSid) => getRow<Cdr>(db, cdrsTable, callSid),
    list(accountSid, query = {}) {
      const f: Filter = { where: ['"account_sid" = ?', '"terminated_at" IS NOT NULL'], params: [accountSid] };
      timeRange(ctx, 'attempted_at', query, f);
      if (query.answered !== undefined) f.where.push(`"answered" = ${query.answered ? 1 : 0}`);
      if (query.direction !== undefined) {
        f.where.push('"direction" = ?');
        f.params.push(query.direction);
      }
      if (query.trunk !== undefined) {
        f.where.push('"trunk" = ?');
        f.params.push(query.trunk);
      }
      if (query.filter) {
        f.where.push(`(LOWER("from") LIKE ? ESCAPE '\\' OR LOWER("to") LIKE ? ESCAPE '\\' OR LOWER("call_sid") LIKE ? ESCAPE '\\')`);
        const p = likeLiteral(query.filter);
        f.params.push(p, p, p);
      }
      return page<Cdr>(ctx, cdrsTable, f, '"attempted_at" DESC, "call_sid"', query);
    },
    listOpen: (host) => (host === undefined
      ? selectRows<Cdr>(db, cdrsTable, '"terminated_at" IS NULL', [], '"attempted_at"')
      : selectRows<Cdr>(db, cdrsTable, '"host" = ? AND "terminated_at" IS NULL', [host], '"attempted_at"')),
    async settleOpen(callSid, end) {
      const cdr = await getRow<Cdr>(db, cdrsTable, callSid);
      if (!cdr || cdr.terminated_at !== null) return false;
      const at = isoTime(end.terminated_at, 'terminated_at');
      const timeline = [...cdr.timeline, { at, t: Date.parse(at) - Date.parse(cdr.attempted_at), event: end.event }];
      // The condition makes it exactly once: a writer that read the open record a moment too late updates nothing.
      const n = await db.run(
        'UPDATE "cdrs" SET "terminated_at" = ?, "termination_reason" = ?, "termination_cause" = ?, "timeline" = ? WHERE "call_sid" = ? AND "terminated_at" IS NULL',
        [at, end.termination_reason, end.termination_cause, JSON.stringify(timeline), callSid],
      );
      return n > 0;
    },
  };
}

const journalTable = defineTable({
  table: 'call_journal',
  id: 'call_sid',
  cols: { call_sid: 'text', account_sid: 'text', host: 'text', hooks: 'json', created_at: 'text' },
});

export function callJournalRepository(ctx: RepoContext): CallJournalRepository {
  const { db } = ctx;
  return {
    async put(entry) {
      await db.run(
        'INSERT INTO "call_journal" ("call_sid", "account_sid", "host", "hooks", "created_at") VALUES (?, ?, ?, ?, ?) ON CONFLICT ("call_sid") DO UPDATE SET "hooks" = excluded."hooks"',
        [entry.call_sid, entry.account_sid, entry.host, JSON.stringify(entry.hooks), nowIso(ctx)],
      );
    },
    get: (callSid) => getRow<CallJournalEntry>(db, journalTable, callSid),
    listByHost: (host) => (host === undefined
      ? selectRows<CallJournalEntry>(db, journalTable, '', [], '"created_at"')
      : selectRows<CallJournalEntry>(db, journalTable, '"host" = ?', [host], '"created_at"')),
    async delete(callSid) {
      return (await db.run('DELETE FROM "call_journal" WHERE "call_sid" = ?', [callSid])) > 0;
    },
  };
}

export function alertRepository(ctx: RepoContext): AlertRepository {
  const { db } = ctx;
  return {
    async write(alert) {
      const sid = newSid();
      await insertRow(db, alertsTable, { ...alert, alert_sid: sid, time: alert.time ? isoTime(alert.time, 'time') : nowIso(ctx) });
      return written(await getRow<Alert>(db, alertsTable, sid), 'alert');
    },
    list(accountSid, query: AlertQuery = {}) {
      const f: Filter = { where: ['"account_sid" = ?'], params: [accountSid] };
      timeRange(ctx, 'time', query, f);
      if (query.alert_type !== undefined) {
        f.where.push('"alert_type" = ?');
        f.params.push(query.alert_type);
      }
      return page<Alert>(ctx, alertsTable, f, '"time" DESC, "alert_sid"', query);
    },
  };
}
