import Database from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Db, Queryable, Row, SqlValue } from './db.js';
import { StoreError } from './errors.js';

type Statement = Database.Statement<SqlValue[], Row>;

/** Maps a better-sqlite3 constraint failure to the store's typed error. */
function mapSqliteError(e: unknown): unknown {
  const code = (e as { code?: unknown }).code;
  if (typeof code !== 'string') return e;
  if (code === 'SQLITE_CONSTRAINT_UNIQUE' || code === 'SQLITE_CONSTRAINT_PRIMARYKEY') {
    return new StoreError('STORE_CONFLICT', 'duplicate entry', { cause: e });
  }
  if (code === 'SQLITE_CONSTRAINT_FOREIGNKEY') return new StoreError('STORE_IN_USE', 'referenced by or referencing another resource', { cause: e });
  if (code === 'SQLITE_BUSY') return new StoreError('STORE_UNAVAILABLE', 'database is busy', { cause: e });
  return e;
}

/**
 * better-sqlite3 is synchronous; the store's interface is async so that PostgreSQL fits it.
 * A transaction spans awaits, so while one is open every other caller waits for it: the single
 * connection would otherwise run their statements inside it.
 */
export class SqliteDb implements Db {
  readonly dialect = 'sqlite' as const;
  private readonly statements = new Map<string, Statement>();
  private txTail: Promise<void> | undefined;
  private closed = false;

  constructor(private readonly db: Database.Database) {}

  static open(dataDir: string): SqliteDb {
    mkdirSync(dataDir, { recursive: true });
    const db = new Database(join(dataDir, 'vgw.sqlite'));
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = NORMAL');
    db.pragma('foreign_keys = ON');
    db.pragma('busy_timeout = 5000');
    return new SqliteDb(db);
  }

  private prepare(sql: string): Statement {
    if (this.closed) throw new StoreError('STORE_CLOSED', 'store is closed');
    let s = this.statements.get(sql);
    if (!s) {
      s = this.db.prepare<SqlValue[], Row>(sql);
      this.statements.set(sql, s);
    }
    return s;
  }

  private direct(): Queryable {
    return {
      dialect: this.dialect,
      all: async (sql, params = []) => this.sync(() => this.prepare(sql).all(...params)),
      get: async (sql, params = []) => this.sync(() => this.prepare(sql).get(...params)),
      run: async (sql, params = []) => this.sync(() => this.prepare(sql).run(...params).changes),
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
    return this.sync(() => this.prepare(sql).all(...(params ?? [])));
  }

  async get(sql: string, params?: readonly SqlValue[]): Promise<Row | undefined> {
    if (this.txTail) await this.idle();
    return this.sync(() => this.prepare(sql).get(...(params ?? [])));
  }

  async run(sql: string, params?: readonly SqlValue[]): Promise<number> {
    if (this.txTail) await this.idle();
    return this.sync(() => this.prepare(sql).run(...(params ?? [])).changes);
  }

  private async idle(): Promise<void> {
    while (this.txTail) await this.txTail;
  }

  async transaction<T>(fn: (tx: Queryable) => Promise<T>): Promise<T> {
    await this.idle();
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
