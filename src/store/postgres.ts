import pg from 'pg';
import type { Db, Queryable, Row, SqlValue } from './db.js';
import { toPgPlaceholders } from './db.js';
import { StoreError } from './errors.js';

/** Maps PostgreSQL SQLSTATE codes (Appendix A of its manual) to the store's typed errors. */
function mapPgError(e: unknown): unknown {
  const code = (e as { code?: unknown }).code;
  if (code === '23505') return new StoreError('STORE_CONFLICT', 'duplicate entry', { cause: e });
  if (code === '23503') return new StoreError('STORE_IN_USE', 'referenced by or referencing another resource', { cause: e });
  if (code === 'ECONNREFUSED' || code === '57P01' || code === '08006') return new StoreError('STORE_UNAVAILABLE', 'database unavailable', { cause: e });
  return e;
}

interface PgRunner {
  query(text: string, values: SqlValue[]): Promise<pg.QueryResult<Row>>;
}

function queryable(runner: PgRunner, cache: Map<string, string>): Queryable {
  const text = (sql: string): string => {
    let t = cache.get(sql);
    if (t === undefined) {
      t = toPgPlaceholders(sql);
      cache.set(sql, t);
    }
    return t;
  };
  const exec = async (sql: string, params: readonly SqlValue[] = []): Promise<pg.QueryResult<Row>> => {
    try {
      return await runner.query(text(sql), [...params]);
    } catch (e) {
      throw mapPgError(e);
    }
  };
  return {
    dialect: 'postgres',
    all: async (sql, params) => (await exec(sql, params)).rows,
    get: async (sql, params) => (await exec(sql, params)).rows[0],
    run: async (sql, params) => (await exec(sql, params)).rowCount ?? 0,
  };
}

/** PostgreSQL through a `pg` pool; each transaction holds one pooled client. */
export class PostgresDb implements Db {
  readonly dialect = 'postgres' as const;
  private readonly texts = new Map<string, string>();
  private readonly q: Queryable;
  private closing: Promise<void> | undefined;

  private constructor(private readonly pool: pg.Pool) {
    this.q = queryable(pool, this.texts);
  }

  static async open(url: string, onError: (e: Error) => void): Promise<PostgresDb> {
    const pool = new pg.Pool({ connectionString: url, max: 10 });
    pool.on('error', onError);
    const db = new PostgresDb(pool);
    try {
      await db.q.get('SELECT 1');
    } catch (e) {
      await pool.end();
      throw new StoreError('STORE_UNAVAILABLE', `cannot connect to PostgreSQL: ${(e as Error).message}`, { cause: e });
    }
    return db;
  }

  all(sql: string, params?: readonly SqlValue[]): Promise<Row[]> {
    return this.q.all(sql, params);
  }
  get(sql: string, params?: readonly SqlValue[]): Promise<Row | undefined> {
    return this.q.get(sql, params);
  }
  run(sql: string, params?: readonly SqlValue[]): Promise<number> {
    return this.q.run(sql, params);
  }

  async transaction<T>(fn: (tx: Queryable) => Promise<T>): Promise<T> {
    const client = await this.pool.connect();
    try {
      await client.query('BEGIN');
      const out = await fn(queryable(client, this.texts));
      await client.query('COMMIT');
      return out;
    } catch (e) {
      await client.query('ROLLBACK');
      throw e;
    } finally {
      client.release();
    }
  }

  async exec(sql: string): Promise<void> {
    try {
      await this.pool.query(sql);
    } catch (e) {
      throw mapPgError(e);
    }
  }

  close(): Promise<void> {
    this.closing ??= this.pool.end();
    return this.closing;
  }
}
