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
}

export function defineTable(def: TableDef): Table {
  const converted = Object.entries(def.cols).filter(([, k]) => k === 'bool' || k === 'json' || k === 'hook');
  return { ...def, selectList: Object.keys(def.cols).map(q).join(', '), converted };
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
  const row = await db.get(`SELECT ${t.selectList} FROM ${q(t.table)} WHERE ${q(t.id)} = ?`, [id]);
  return row ? decodeRow<T>(t, row) : undefined;
}

/** Rows matching `where` (an SQL fragment with `?`s, or '' for all), in `orderBy` order. */
export async function selectRows<T>(db: Queryable, t: Table, where: string, params: readonly SqlValue[], orderBy: string): Promise<T[]> {
  const rows = await db.all(`SELECT ${t.selectList} FROM ${q(t.table)}${where ? ` WHERE ${where}` : ''} ORDER BY ${orderBy}`, params);
  return rows.map((r) => decodeRow<T>(t, r));
}

export async function deleteRow(db: Queryable, t: TableDef, id: string): Promise<boolean> {
  return (await db.run(`DELETE FROM ${q(t.table)} WHERE ${q(t.id)} = ?`, [id])) > 0;
}

export async function countRows(db: Queryable, table: string, where: string, params: readonly SqlValue[]): Promise<number> {
  const row = await db.get(`SELECT COUNT(*) AS "n" FROM ${q(table)}${where ? ` WHERE ${where}` : ''}`, params);
  return Number(row?.n ?? 0);
}
