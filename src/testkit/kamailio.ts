import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** The cluster's SIP edge config (deploy/kamailio), found from src/testkit or dist/testkit. */
export const KAMAILIO_CFG = new URL('../../deploy/kamailio/kamailio.cfg', import.meta.url).pathname;

const KAMAILIO_BIN = '/usr/sbin/kamailio';
const KAMCMD_BIN = '/usr/sbin/kamcmd';

export class KamailioMissingError extends Error {
  constructor(path: string) {
    super(`${path} not found: the cluster tests need Kamailio 5.6 — install the Debian package with ` +
      '`sudo apt-get install -y kamailio` (or bash scripts/install-system-deps.sh kamailio).');
    this.name = 'KamailioMissingError';
  }
}

export interface KamailioNode {
  readonly address: string;
  readonly port: number;
}

export interface KamailioOptions {
  /** UDP and TCP port Kamailio listens on. */
  readonly port: number;
  /** Default 127.0.0.1. */
  readonly address?: string;
  /** The dispatcher set (set 1): the gateway nodes. */
  readonly nodes: readonly KamailioNode[];
  /** OPTIONS probe interval (ds_ping_interval), seconds; default 1 in tests. */
  readonly pingIntervalSec?: number;
  /** tm fr_timer, ms (a node's first response); default the config's 2000. */
  readonly frTimerMs?: number;
  /**
   * Shared memory pool, MB (`-m`); default 64. Every transaction lives there until its wait timer
   * ends, so benches above ~400 calls/s need more (tm: "could not allocate shared memory").
   */
  readonly shmMb?: number;
}

/** One dispatcher destination as `kamcmd dispatcher.list` shows it. */
export interface NodeState {
  /** e.g. sip:127.0.0.1:5071 */
  readonly uri: string;
  /** The flags as Kamailio prints them: AP, AX, IP, DX, TX … */
  readonly flags: string;
  /** Active (gets calls), Inactive (probes fail), Disabled, Trying. */
  readonly state: 'active' | 'inactive' | 'disabled' | 'trying';
  /** Is it being probed with OPTIONS. */
  readonly probing: boolean;
}

export interface RunningKamailio {
  readonly address: string;
  readonly port: number;
  /** Everything Kamailio logged so far (stderr, -E). */
  log(): string;
  nodeStates(): Promise<NodeState[]>;
  /** SIGTERM to Kamailio's process group (SIGKILL after 3 s), then removes its temp dir. Idempotent. */
  stop(): Promise<void>;
}

/** The dispatcher list file: set 1, one line per node (uri, flags 0, priority 0). */
export function dispatcherList(nodes: readonly KamailioNode[]): string {
  return nodes.map((n) => `1 sip:${n.address}:${n.port} 0 0\n`).join('');
}

/** The command-line defines deploy/kamailio/kamailio.cfg documents at its top. */
export function kamailioArgs(o: KamailioOptions, dir: string): string[] {
  const defines = [
    `LISTEN_IP=${o.address ?? '127.0.0.1'}`,
    `LISTEN_PORT=${o.port}`,
    `DS_LIST_FILE="${join(dir, 'dispatcher.list')}"`,
    `DS_PING_INTERVAL=${o.pingIntervalSec ?? 1}`,
    `CTL_SOCKET="unix:${join(dir, 'ctl.sock')}"`,
    ...(o.frTimerMs !== undefined ? [`FR_TIMER=${o.frTimerMs}`] : []),
  ];
  // -DD: stay in the foreground; -E: log to stderr; -Y/-w: runtime and working dir in our temp dir,
  // no pid file, small memory pools (root or not, nothing under /run is needed).
  return ['-DD', '-E', '-f', KAMAILIO_CFG, '-Y', dir, '-w', dir, '-m', String(o.shmMb ?? 64), '-M', '8', ...defines.flatMap((d) => ['-A', d])];
}

/** Starts Kamailio in front of `nodes`; resolves once it answers an OPTIONS on its UDP port. */
export async function startKamailio(o: KamailioOptions): Promise<RunningKamailio> {
  for (const bin of [KAMAILIO_BIN, KAMCMD_BIN]) if (!existsSync(bin)) throw new KamailioMissingError(bin);
  const dir = mkdtempSync(join(tmpdir(), 'vgw-kamailio-'));
  writeFileSync(join(dir, 'dispatcher.list'), dispatcherList(o.nodes));
  const address = o.address ?? '127.0.0.1';
  const child = spawn(KAMAILIO_BIN, kamailioArgs(o, dir), { cwd: dir, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  let log = '';
  const append = (d: Buffer): void => { log += d.toString(); };
  child.stdout?.on('data', append);
  child.stderr?.on('data', append);
  const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
  child.once('error', (e) => { log += `\nspawn error: ${e.message}`; });
  let exitCode: number | null | undefined;
  void exited.then((c) => { exitCode = c; });

  let stopped: Promise<void> | undefined;
  const stop = (): Promise<void> => {
    stopped ??= killGroup(child, exited).finally(() => rmSync(dir, { recursive: true, force: true }));
    return stopped;
  };
  try {
    await waitReady(address, o.port, () => exitCode !== undefined);
  } catch (e) {
    await stop();
    throw new Error(`Kamailio did not start on ${address}:${o.port}: ${(e as Error).message}\n${tail(log)}`, { cause: e });
  }
  const socket = `unix:${join(dir, 'ctl.sock')}`;
  return {
    address,
    port: o.port,
    log: () => log,
    nodeStates: async () => parseDispatcherList((await run(KAMCMD_BIN, ['-s', socket, 'dispatcher.list'])).stdout),
    stop,
  };
}

function tail(log: string): string {
  return log.split('\n').filter((l) => !/INFO: <core>/.test(l)).slice(-30).join('\n');
}

async function killGroup(child: ChildProcess, exited: Promise<number | null>): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null || child.pid === undefined) return;
  const pid = child.pid;
  const signal = (s: NodeJS.Signals): void => {
    try {
      process.kill(-pid, s);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ESRCH') throw e;
    }
  };
  signal('SIGTERM');
  const timer = new Promise<'timeout'>((r) => setTimeout(() => r('timeout'), 3000).unref());
  if ((await Promise.race([exited, timer])) === 'timeout') {
    signal('SIGKILL');
    await exited;
  }
}

/** Sends OPTIONS every 200 ms until a 200 comes back (10 s at most). */
async function waitReady(address: string, port: number, gaveUp: () => boolean): Promise<void> {
  const sock = createSocket('udp4');
  const callId = randomBytes(8).toString('hex');
  const answered = new Promise<void>((r) => {
    sock.on('message', (m) => { if (m.toString().startsWith('SIP/2.0 200') && m.toString().includes(callId)) r(); });
  });
  await new Promise<void>((r) => sock.bind(0, '127.0.0.1', () => r()));
  const { port: local } = sock.address();
  try {
    for (let i = 0; i < 50; i++) {
      if (gaveUp()) throw new Error('kamailio exited');
      sock.send(optionsRequest(address, port, local, callId, i + 1), port, address);
      const tick = new Promise<'tick'>((r) => setTimeout(() => r('tick'), 200));
      if ((await Promise.race([answered, tick])) !== 'tick') return;
    }
    throw new Error('no 200 to OPTIONS within 10 s');
  } finally {
    sock.close();
  }
}

function optionsRequest(address: string, port: number, local: number, callId: string, seq: number): string {
  return [
    `OPTIONS sip:${address}:${port} SIP/2.0`,
    `Via: SIP/2.0/UDP 127.0.0.1:${local};branch=z9hG4bK${callId}${seq};rport`,
    'Max-Forwards: 70',
    `From: <sip:probe@127.0.0.1>;tag=${callId}`,
    `To: <sip:${address}:${port}>`,
    `Call-ID: ${callId}`,
    `CSeq: ${seq} OPTIONS`,
    'Content-Length: 0',
    '', '',
  ].join('\r\n');
}

const STATES: Record<string, NodeState['state']> = { A: 'active', I: 'inactive', D: 'disabled', T: 'trying' };

/** Reads `kamcmd dispatcher.list` (URI: … then FLAGS: … per DEST). */
export function parseDispatcherList(text: string): NodeState[] {
  const out: NodeState[] = [];
  let uri: string | undefined;
  for (const line of text.split('\n')) {
    const u = /^\s*URI:\s*(\S+)/.exec(line);
    if (u) { uri = u[1]; continue; }
    const f = /^\s*FLAGS:\s*(\S+)/.exec(line);
    if (f && uri !== undefined) {
      const flags = f[1];
      out.push({ uri, flags, state: STATES[flags[0]] ?? 'trying', probing: flags.includes('P') });
      uri = undefined;
    }
  }
  return out;
}
