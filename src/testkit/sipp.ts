import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { freePort } from './ports.js';

/** The project's sipp scenarios (test/sipp) — found from the repo root whether run from src or dist. */
export const SIPP_DIR = resolve(new URL('.', import.meta.url).pathname, '../../test/sipp');

export interface SippRun {
  readonly port: number;
  readonly mediaPort: number;
  /** Resolves when sipp exits. */
  readonly done: Promise<SippResult>;
  kill(): void;
}

export interface SippResult {
  readonly code: number | null;
  readonly successful: number;
  readonly failed: number;
  readonly screen: string;
  readonly errors: string;
  readonly messages: string;
}

export interface SippOptions {
  /** File name in test/sipp, or an absolute path. */
  readonly scenario: string;
  /** Remote host:port for a UAC; omitted for a UAS. */
  readonly target?: string;
  readonly transport?: 'udp' | 'tcp';
  readonly calls?: number;
  readonly port?: number;
  readonly mediaPort?: number;
  readonly timeoutSeconds?: number;
  readonly extra?: readonly string[];
  /** Local address (default 127.0.0.1); e.g. 127.0.0.2 to call from an unknown source. */
  readonly address?: string;
  /** Working directory (pcap files are looked up relative to the scenario). */
  readonly cwd?: string;
}

/**
 * Starts sipp (Debian `sip-tester`) on 127.0.0.1 with its own SIP, media and control ports. A
 * UAS that exits before it listens (another process took one of its ports between our check and
 * its bind: test processes and parallel runs share the machine) is started again on fresh ports,
 * up to three times; the last failure carries sipp's own words.
 */
export async function startSipp(o: SippOptions): Promise<SippRun> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await startSippOnce(o);
    } catch (e) {
      const portsFixed = o.port !== undefined && o.mediaPort !== undefined;
      if (!(e instanceof SippStartError) || portsFixed || attempt >= 3) throw e;
    }
  }
}

class SippStartError extends Error {}

async function startSippOnce(o: SippOptions): Promise<SippRun> {
  const port = o.port ?? (await freePort());
  const mediaPort = o.mediaPort ?? (await freePort());
  const controlPort = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'sipp-'));
  const scenario = o.scenario.startsWith('/') ? o.scenario : join(SIPP_DIR, o.scenario);
  const args = [
    ...(o.target ? [o.target] : []),
    '-sf', scenario, '-i', o.address ?? '127.0.0.1', '-p', String(port), '-mi', o.address ?? '127.0.0.1', '-mp', String(mediaPort),
    '-cp', String(controlPort), '-m', String(o.calls ?? 1), '-nostdin',
    '-t', o.transport === 'tcp' ? 't1' : 'u1',
    '-timeout', `${o.timeoutSeconds ?? 30}s`, '-timeout_error',
    '-trace_screen', '-screen_file', join(dir, 'screen.log'),
    '-trace_err', '-error_file', join(dir, 'errors.log'),
    '-trace_msg', '-message_file', join(dir, 'messages.log'),
    ...(o.extra ?? []),
  ];
  const child = spawn('sipp', args, { cwd: o.cwd ?? SIPP_DIR, stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => { stderr += d.toString(); });
  const done = new Promise<SippResult>((resolveDone) => {
    child.on('exit', (code) => {
      const read = (f: string): string => (existsSync(join(dir, f)) ? readFileSync(join(dir, f), 'utf8') : '');
      const screen = read('screen.log');
      resolveDone({
        code,
        successful: count(screen, 'Successful call'),
        failed: count(screen, 'Failed call'),
        screen,
        errors: read('errors.log') + stderr,
        messages: read('messages.log'),
      });
    });
  });
  // A UAS must be listening before the test calls it; a UAC starts by itself.
  if (!o.target) {
    let exited = false;
    void done.then(() => { exited = true; });
    const bound = await waitForBind(port, o.transport ?? 'udp', () => exited);
    if (!bound) throw new SippStartError(`sipp exited before it listened on ${o.transport ?? 'udp'} port ${port}: ${stderr.trim().slice(0, 500)}`);
  }
  return { port, mediaPort, done, kill: () => child.kill('SIGTERM') };
}

function count(screen: string, label: string): number {
  const lines = screen.split('\n').filter((l) => l.includes(label));
  const last = lines[lines.length - 1];
  if (!last) return 0;
  const cols = last.split('|').map((c) => c.trim());
  return Number(cols[2] ?? 0) || 0;
}

/** True once something listens on `port`; false when `gaveUp` says sipp has exited. */
async function waitForBind(port: number, transport: 'udp' | 'tcp', gaveUp: () => boolean): Promise<boolean> {
  const { createSocket } = await import('node:dgram');
  const { createServer } = await import('node:net');
  const busy = (): Promise<boolean> => new Promise<boolean>((r) => {
    if (transport === 'tcp') {
      const s = createServer();
      s.once('error', () => r(true));
      s.listen(port, '127.0.0.1', () => s.close(() => r(false)));
      return;
    }
    const u = createSocket('udp4');
    u.once('error', () => r(true));
    u.bind(port, '127.0.0.1', () => u.close(() => r(false)));
  });
  for (let i = 0; i < 100; i++) {
    if (await busy()) return true;
    if (gaveUp()) return false;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`sipp did not bind ${transport} port ${port} within 5 s`);
}

/** Counts the requests of `method` that sipp received, from its -trace_msg log. */
export function sippReceivedCount(messages: string, method: string): number {
  let n = 0;
  for (const b of messages.split(/-{10,}.*\n/)) if (/message received/.test(b) && new RegExp(`^${method} sip:`, 'm').test(b)) n++;
  return n;
}
