import { newSid } from '../kernel/ids.js';
import type { Queryable, Row, SqlValue } from './db.js';
import { q } from './db.js';
import { StoreError } from './errors.js';
import type { Hook, HookInput, HookMethod } from './types.js';

/**
 * A table described once: column names and how each is encoded. The generic helpers below build
 * the SQL for plain CRUD from it, so repositories only write SQL for their special queries.
 */
export type ColKind = 'text' | 'int' | 'num' | 'bool' | 'json' | 'hook';

export interface TableDef {
  readonly table: string;
  readonly id: string;
  readonly cols: Readonly<Record<string, ColKind>>;
}

export interface Table extends TableDef {
  /** `"a", "b", …` — every column, in definition order. */
  readonly selectList: string;
  /** The columns whose stored form differs from the record's (bool, json, hook), computed once. */
  readonly converted: readonly (readonly [string, ColKind])[];
  /** `SELECT … WHERE id = ?`, built once. */
  readonly getSql: string;
  /** SELECT texts by WHERE and ORDER BY, so each query's text is one string object reused. */
  readonly selects: Map<string, Map<string, string>>;
}

export function defineTable(def: TableDef): Table {
  const converted = Object.entries(def.cols).filter(([, k]) => k === 'bool' || k === 'json' || k === 'hook');
  const selectList = Object.keys(def.cols).map(q).join(', ');
  const getSql = `SELECT ${selectList} FROM ${q(def.table)} WHERE ${q(def.id)} = ?`;
  return { ...def, selectList, converted, getSql, selects: new Map() };
}

/**
 * The text of a SELECT, built once per (where, orderBy): statement caches are keyed by SQL
 * text, and looking up the same string object is much cheaper than hashing a fresh one.
 */
export function selectSql(t: Table, where: string, orderBy: string): string {
  let byOrder = t.selects.get(where);
  if (!byOrder) {
    byOrder = new Map();
    t.selects.set(where, byOrder);
  }
  let sql = byOrder.get(orderBy);
  if (sql === undefined) {
    sql = `SELECT ${t.selectList} FROM ${q(t.table)}${where ? ` WHERE ${where}` : ''} ORDER BY ${orderBy}`;
    byOrder.set(orderBy, sql);
  }
  return sql;
}

const METHODS: readonly HookMethod[] = ['GET', 'POST', 'WS'];

/** A bare URL becomes `{url, method: 'POST'}` (contract §1.1); each stored hook gets a sid. */
export function normalizeHook(input: HookInput | Hook): Hook {
  if (typeof input === 'string') return { webhook_sid: newSid(), url: input, method: 'POST', username: null, password: null };
  const method = (input.method ?? 'POST').toUpperCase();
  if (!METHODS.includes(method as HookMethod)) throw new StoreError('STORE_INVALID', `hook method must be GET, POST or WS, got "${input.method}"`);
  const sid = 'webhook_sid' in input && typeof input.webhook_sid === 'string' ? input.webhook_sid : newSid();
  return { webhook_sid: sid, url: input.url, method: method as HookMethod, username: input.username ?? null, password: input.password ?? null };
}

function encode(kind: ColKind, col: string, v: unknown): SqlValue {
  if (v === null || v === undefined) return null;
  switch (kind) {
    case 'bool':
      return v ? 1 : 0;
    case 'json':
      return JSON.stringify(v);
    case 'hook':
      return JSON.stringify(normalizeHook(v as HookInput));
    case 'int':
    case 'num':
      if (typeof v !== 'number' || !Number.isFinite(v)) throw new StoreError('STORE_INVALID', `${col} must be a number`);
      return v;
    default:
      if (typeof v !== 'string') throw new StoreError('STORE_INVALID', `${col} must be a string`);
      return v;
  }
}

function decode(kind: ColKind, v: unknown): unknown {
  if (v === null || v === undefined) return null;
  if (kind === 'bool') return Number(v) !== 0;
  return JSON.parse(String(v)) as unknown;
}

/**
 * Turns a row of `t`'s select list into a record, in place: both engines already return text
 * as strings and INTEGER / DOUBLE PRECISION as numbers, so only bool and JSON columns change.
 * Rows are decoded on every read, which makes this the store's hot path.
 */
export function decodeRow<T>(t: Table, row: Row): T {
  for (const [col, kind] of t.converted) row[col] = decode(kind, row[col]);
  return row as T;
}

/** Inserts the known, defined fields of `values`; the database supplies defaults for the rest. */
export async function insertRow(db: Queryable, t: TableDef, values: Readonly<Record<string, unknown>>): Promise<void> {
  const cols: string[] = [];
  const params: SqlValue[] = [];
  for (const [col, kind] of Object.entries(t.cols)) {
    if (values[col] === undefined) continue;
    cols.push(q(col));
    params.push(encode(kind, col, values[col]));
  }
  await db.run(`INSERT INTO ${q(t.table)} (${cols.join(', ')}) VALUES (${cols.map(() => '?').join(', ')})`, params);
}

/** Updates the known, defined fields of `patch` (never the id or `created_at`); resolves true if the row exists. */
export async function updateRow(db: Queryable, t: TableDef, id: string, patch: Readonly<Record<string, unknown>>): Promise<boolean> {
  const sets: string[] = [];
  const params: SqlValue[] = [];
  for (const [col, kind] of Object.entries(t.cols)) {
    if (col === t.id || col === 'created_at' || patch[col] === undefined) continue;
    sets.push(`${q(col)} = ?`);
    params.push(encode(kind, col, patch[col]));
  }
  if (sets.length === 0) return (await db.get(`SELECT 1 AS "x" FROM ${q(t.table)} WHERE ${q(t.id)} = ?`, [id])) !== undefined;
  return (await db.run(`UPDATE ${q(t.table)} SET ${sets.join(', ')} WHERE ${q(t.id)} = ?`, [...params, id])) > 0;
}

export async function getRow<T>(db: Queryable, t: Table, id: string): Promise<T | undefined> {
  const row = await db.get(t.getSql, [id]);
  return row ? decodeRow<T>(t, row) : undefined;
}

/** Rows matching `where` (an SQL fragment with `?`s, or '' for all), in `orderBy` order. */
export async function selectRows<T>(db: Queryable, t: Table, where: string, params: readonly SqlValue[], orderBy: string): Promise<T[]> {
  const rows = await db.all(selectSql(t, where, orderBy), params);
  return rows.map((r) => decodeRow<T>(t, r));
}

export async function deleteRow(db: Queryable, t: TableDef, id: string): Promise<boolean> {
  return (await db.run(`DELETE FROM ${q(t.table)} WHERE ${q(t.id)} = ?`, [id])) > 0;
}

export async function countRows(db: Queryable, table: string, where: string, params: readonly SqlValue[]): Promise<number> {
  const row = await db.get(`SELECT COUNT(*) AS "n" FROM ${q(table)}${where ? ` WHERE ${where}` : ''}`, params);
  return Number(row?.n ?? 0);
}
