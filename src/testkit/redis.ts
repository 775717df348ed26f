import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './ports.js';

/** Where Debian's `redis-server` package puts the server. */
export const REDIS_SERVER = '/usr/bin/redis-server';
const SETPRIV = '/usr/bin/setpriv';

/** A throwaway Redis for tests and scripts: loopback only, no persistence, its own temp dir. */
export interface TestRedis {
  /** `redis://127.0.0.1:<port>`. */
  readonly url: string;
  readonly port: number;
  /** Stops the server and deletes its dir. Idempotent. */
  stop(): Promise<void>;
}

export class RedisMissingError extends Error {
  constructor(bin: string) {
    super(`${bin} not found. The cluster tests need a real Redis: install the Debian package with \`sudo apt-get install -y redis-server\`.`);
    this.name = 'RedisMissingError';
  }
}

/** True once `PING` on `port` answers `+PONG`. */
function pings(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect(port, '127.0.0.1');
    let got = '';
    const done = (ok: boolean): void => {
      s.destroy();
      resolve(ok);
    };
    s.setTimeout(500, () => done(false));
    s.once('error', () => done(false));
    s.once('connect', () => s.write('PING\r\n'));
    s.on('data', (d: Buffer) => {
      got += d.toString('latin1');
      if (got.includes('\r\n')) done(got.startsWith('+PONG'));
    });
  });
}

function exited(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => child.once('exit', () => resolve()));
}

async function waitForPing(child: ChildProcess, port: number, output: () => string, timeoutMs: number): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    if (child.exitCode !== null || child.signalCode !== null) throw new Error(`redis-server exited (${child.exitCode ?? child.signalCode}): ${output()}`);
    if (await pings(port)) return;
    if (performance.now() > deadline) throw new Error(`redis-server on port ${port} did not answer PING within ${timeoutMs} ms: ${output()}`);
    await new Promise<void>((r) => setTimeout(r, 25));
  }
}

/**
 * Starts `redis-server` on a free loopback port (`--save '' --appendonly no`) with a temp dir as
 * its working dir, and resolves once it answers PING.
 */
export async function startTestRedis(opts: { readonly bin?: string; readonly timeoutMs?: number } = {}): Promise<TestRedis> {
  const bin = opts.bin ?? REDIS_SERVER;
  if (!existsSync(bin)) throw new RedisMissingError(bin);
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'vgw-redis-'));
  const args = ['--save', '', '--appendonly', 'no', '--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--logfile', ''];
  // setpriv (util-linux) makes the kernel kill the server when this process dies, even by SIGKILL
  // (a test runner's timeout), where the 'exit' hook below cannot run.
  const child = existsSync(SETPRIV)
    ? spawn(SETPRIV, ['--pdeathsig', 'KILL', bin, ...args], { stdio: ['ignore', 'pipe', 'pipe'] })
    : spawn(bin, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  const keep = (d: Buffer): void => {
    output = (output + d.toString('utf8')).slice(-4000);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  const spawnFailed = new Promise<never>((_r, reject) => child.once('error', reject));
  const killOnExit = (): void => {
    child.kill('SIGKILL');
  };
  process.once('exit', killOnExit);
  let stopped: Promise<void> | undefined;
  const stop = (): Promise<void> => {
    stopped ??= (async () => {
      process.off('exit', killOnExit);
      child.kill('SIGTERM');
      await exited(child);
      rmSync(dir, { recursive: true, force: true });
    })();
    return stopped;
  };
  try {
    await Promise.race([waitForPing(child, port, () => output, opts.timeoutMs ?? 10_000), spawnFailed]);
  } catch (e) {
    await stop();
    throw e;
  }
  return { url: `redis://127.0.0.1:${port}`, port, stop };
}
