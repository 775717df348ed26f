/**
 * The one query layer both engines implement. SQL is written once, with `?` placeholders and
 * double-quoted identifiers, in the subset SQLite and PostgreSQL share; the PostgreSQL driver
 * rewrites the placeholders to `$n`. Booleans travel as 0/1 integers and timestamps as ISO-8601
 * UTC text, so rows decode the same way from both engines.
 */
export type SqlValue = string | number | null;
export type Row = Record<string, unknown>;
export type Dialect = 'sqlite' | 'postgres';

export interface Queryable {
  readonly dialect: Dialect;
  all(sql: string, params?: readonly SqlValue[]): Promise<Row[]>;
  get(sql: string, params?: readonly SqlValue[]): Promise<Row | undefined>;
  /** Runs a write; resolves to the number of rows changed. */
  run(sql: string, params?: readonly SqlValue[]): Promise<number>;
}

export interface Db extends Queryable {
  /** Runs `fn` in one transaction: committed when it resolves, rolled back when it throws. */
  transaction<T>(fn: (tx: Queryable) => Promise<T>): Promise<T>;
  /** Runs `sql` (several statements, no parameters) — migrations only. */
  exec(sql: string): Promise<void>;
  close(): Promise<void>;
}

/** Quotes an identifier for both engines (`from`, `to` and `count` are reserved words). */
export function q(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

/** Rewrites `?` placeholders to PostgreSQL's `$1, $2, …`. The store never puts `?` in literals. */
export function toPgPlaceholders(sql: string): string {
  let n = 0;
  return sql.replace(/\?/g, () => `$${++n}`);
}
