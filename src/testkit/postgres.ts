import { execFile } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** A throwaway PostgreSQL cluster for tests: one temp dir, a unix socket only, no TCP. */
export interface TestPostgres {
  /** Connection URL (unix socket in the cluster's temp dir). */
  readonly url: string;
  /** Stops the server and deletes the cluster. Idempotent. */
  stop(): Promise<void>;
}

export class PostgresMissingError extends Error {
  constructor(detail: string) {
    super(
      `PostgreSQL server binaries not found (${detail}). The store contract tests need a real PostgreSQL: ` +
        'install the Debian package with `sudo apt-get install -y postgresql` (or scripts/install-system-deps.sh postgresql).',
    );
    this.name = 'PostgresMissingError';
  }
}

/** The newest /usr/lib/postgresql/<v>/bin that has initdb and pg_ctl (Debian layout; 15 on Debian 12). */
export function findPostgresBin(root = '/usr/lib/postgresql'): string {
  if (!existsSync(root)) throw new PostgresMissingError(`${root} does not exist`);
  const versions = readdirSync(root)
    .filter((v) => /^\d+$/.test(v) && existsSync(join(root, v, 'bin', 'initdb')) && existsSync(join(root, v, 'bin', 'pg_ctl')))
    .sort((a, b) => Number(b) - Number(a));
  if (versions.length === 0) throw new PostgresMissingError(`no initdb/pg_ctl under ${root}/*/bin`);
  return join(root, versions[0], 'bin');
}

async function postgresUid(): Promise<{ uid: number; gid: number }> {
  const uid = Number((await run('id', ['-u', 'postgres'])).stdout.trim());
  const gid = Number((await run('id', ['-g', 'postgres'])).stdout.trim());
  return { uid, gid };
}

/**
 * Starts a cluster. As root (CI containers) the server runs as the `postgres` user through
 * runuser, because postgres refuses to run as root; otherwise it runs as the current user.
 */
export async function startTestPostgres(): Promise<TestPostgres> {
  const bin = findPostgresBin();
  const asRoot = process.getuid?.() === 0;
  const dir = mkdtempSync(join(tmpdir(), 'vgw-pg-'));
  const data = join(dir, 'data');
  const port = 20000 + Math.floor(Math.random() * 20000);
  const cmd = async (tool: string, args: string[]): Promise<void> => {
    if (asRoot) await run('runuser', ['-u', 'postgres', '--', join(bin, tool), ...args]);
    else await run(join(bin, tool), args);
  };
  try {
    if (asRoot) {
      const { uid, gid } = await postgresUid();
      chownSync(dir, uid, gid);
    }
    await cmd('initdb', ['-D', data, '-U', 'postgres', '-A', 'trust', '--no-sync', '-E', 'UTF8', '--locale=C']);
    const opts = `-k ${dir} -p ${port} -c listen_addresses='' -c fsync=off -c synchronous_commit=off -c full_page_writes=off`;
    await cmd('pg_ctl', ['-D', data, '-o', opts, '-l', join(dir, 'server.log'), '-w', '-t', '60', 'start']);
  } catch (e) {
    rmSync(dir, { recursive: true, force: true });
    throw new Error(`could not start a test PostgreSQL in ${dir}: ${(e as Error).message}`, { cause: e });
  }
  let stopped: Promise<void> | undefined;
  return {
    url: `postgresql://postgres@localhost/postgres?host=${encodeURIComponent(dir)}&port=${port}`,
    stop() {
      stopped ??= (async () => {
        try {
          await cmd('pg_ctl', ['-D', data, '-m', 'immediate', '-w', 'stop']);
        } finally {
          rmSync(dir, { recursive: true, force: true });
        }
      })();
      return stopped;
    },
  };
}

/** Creates an empty database in the cluster and returns its URL (one per test suite run). */
export async function createTestDatabase(pgUrl: string, name: string): Promise<string> {
  const { default: pg } = await import('pg');
  const client = new pg.Client({ connectionString: pgUrl });
  await client.connect();
  try {
    await client.query(`CREATE DATABASE "${name.replace(/[^a-z0-9_]/gi, '_')}"`);
  } finally {
    await client.end();
  }
  return pgUrl.replace('/postgres?', `/${name.replace(/[^a-z0-9_]/gi, '_')}?`);
}
