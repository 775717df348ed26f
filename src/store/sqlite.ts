import Database from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Db, Queryable, Row, SqlValue } from './db.js';
import { StoreError } from './errors.js';

type Statement = Database.Statement<SqlValue[], unknown>;

/**
 * A cached statement. Readers run in raw mode (rows as arrays) and are turned into objects
 * here: building wide rows in JavaScript is several times faster than better-sqlite3 doing it
 * through the V8 API, and list reads are the API's hot path.
 */
interface Prepared {
  readonly stmt: Statement;
  readonly columns: readonly string[] | undefined;
  /** Every column set to null: rows are copies of it, so they share one fast hidden class. */
  readonly template: Row;
}

/**
 * Rows start as a copy of the statement's template and have their values stored into existing
 * properties. Adding two dozen properties one by one to `{}` instead turns a wide row into a
 * dictionary-mode object in V8, which is slower to build and to read (every serialisation).
 */
function toRow(p: Prepared, values: readonly unknown[]): Row {
  const columns = p.columns as readonly string[];
  const row: Row = { ...p.template };
  for (let i = 0; i < columns.length; i++) row[columns[i]] = values[i];
  return row;
}

/** Maps a better-sqlite3 constraint failure to the store's typed error. */
function mapSqliteError(e: unknown): unknown {
  const code = (e as { code?: unknown }).code;
  if (typeof code !== 'string') return e;
  if (code === 'SQLITE_CONSTRAINT_UNIQUE' || code === 'SQLITE_CONSTRAINT_PRIMARYKEY') {
    return new StoreError('STORE_CONFLICT', 'duplicate entry', { cause: e });
  }
  if (code === 'SQLITE_CONSTRAINT_FOREIGNKEY') return new StoreError('STORE_IN_USE', 'referenced by or referencing another resource', { cause: e });
  if (code === 'SQLITE_BUSY') return new StoreError('STORE_UNAVAILABLE', 'the SQLite database is locked by another process (is another gateway using this data dir?)', { cause: e });
  return e;
}

/**
 * better-sqlite3 is synchronous; the store's interface is async so that PostgreSQL fits it.
 * A transaction spans awaits, so while one is open every other caller waits for it: the single
 * connection would otherwise run their statements inside it.
 */
export class SqliteDb implements Db {
  readonly dialect = 'sqlite' as const;
  private readonly statements = new Map<string, Prepared>();
  private txTail: Promise<void> | undefined;
  private closed = false;

  constructor(private readonly db: Database.Database) {}

  static open(dataDir: string): SqliteDb {
    mkdirSync(dataDir, { recursive: true });
    const db = new Database(join(dataDir, 'vgw.sqlite'), { timeout: 1000 });
    try {
      // One gateway process owns the file: exclusive locking spares every read the WAL-index
      // lock round trip (a large share of a cached-statement read), and a second process
      // pointed at the same data dir fails at start instead of sharing it.
      db.pragma('locking_mode = EXCLUSIVE');
      db.pragma('journal_mode = WAL');
      db.pragma('synchronous = NORMAL');
      db.pragma('foreign_keys = ON');
    } catch (e) {
      db.close();
      throw mapSqliteError(e);
    }
    return new SqliteDb(db);
  }

  private prepare(sql: string): Prepared {
    if (this.closed) throw new StoreError('STORE_CLOSED', 'store is closed');
    let p = this.statements.get(sql);
    if (!p) {
      const stmt = this.db.prepare<SqlValue[], unknown>(sql);
      const columns = stmt.reader ? stmt.columns().map((c) => c.name) : undefined;
      if (columns) stmt.raw(true);
      p = { stmt, columns, template: Object.fromEntries((columns ?? []).map((c) => [c, null])) };
      this.statements.set(sql, p);
    }
    return p;
  }

  private readAll(sql: string, params: readonly SqlValue[]): Row[] {
    const p = this.prepare(sql);
    if (!p.columns) throw new StoreError('STORE_INVALID', 'not a query');
    return (p.stmt.all(...params) as unknown[][]).map((v) => toRow(p, v));
  }

  private readOne(sql: string, params: readonly SqlValue[]): Row | undefined {
    const p = this.prepare(sql);
    if (!p.columns) throw new StoreError('STORE_INVALID', 'not a query');
    const v = p.stmt.get(...params) as unknown[] | undefined;
    return v && toRow(p, v);
  }

  private write(sql: string, params: readonly SqlValue[]): number {
    return this.prepare(sql).stmt.run(...params).changes;
  }

  private direct(): Queryable {
    return {
      dialect: this.dialect,
      all: async (sql, params = []) => this.sync(() => this.readAll(sql, params)),
      get: async (sql, params = []) => this.sync(() => this.readOne(sql, params)),
      run: async (sql, params = []) => this.sync(() => this.write(sql, params)),
    };
  }

  private sync<T>(fn: () => T): T {
    try {
      return fn();
    } catch (e) {
      throw mapSqliteError(e);
    }
  }

  async all(sql: string, params?: readonly SqlValue[]): Promise<Row[]> {
    if (this.txTail) await this.idle();
    return this.sync(() => this.readAll(sql, params ?? []));
  }

  async get(sql: string, params?: readonly SqlValue[]): Promise<Row | undefined> {
    if (this.txTail) await this.idle();
    return this.sync(() => this.readOne(sql, params ?? []));
  }

  async run(sql: string, params?: readonly SqlValue[]): Promise<number> {
    if (this.txTail) await this.idle();
    return this.sync(() => this.write(sql, params ?? []));
  }

  private async idle(): Promise<void> {
    while (this.txTail) await this.txTail;
  }

  async transaction<T>(fn: (tx: Queryable) => Promise<T>): Promise<T> {
    // Checked and taken in one turn: two waiters woken by the same commit must not both begin.
    while (this.txTail) await this.txTail;
    let release = (): void => undefined;
    this.txTail = new Promise<void>((r) => { release = r; });
    try {
      this.sync(() => this.db.exec('BEGIN IMMEDIATE'));
      try {
        const out = await fn(this.direct());
        this.sync(() => this.db.exec('COMMIT'));
        return out;
      } catch (e) {
        if (this.db.inTransaction) this.db.exec('ROLLBACK');
        throw e;
      }
    } finally {
      this.txTail = undefined;
      release();
    }
  }

  async exec(sql: string): Promise<void> {
    if (this.txTail) await this.idle();
    this.sync(() => this.db.exec(sql));
  }

  async close(): Promise<void> {
    if (this.closed) return;
    await this.idle();
    this.closed = true;
    this.statements.clear();
    this.db.close();
  }
}
