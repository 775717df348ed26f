import { spawn } from 'node:child_process';
import { freePort } from './ports.js';
import { TEST_ADMIN_KEY, type TestGateway } from './gateway.js';

const BIN = new URL('../../bin/vgw.js', import.meta.url).pathname;

export interface CliGateway {
  readonly base: string;
  readonly api: TestGateway['api'];
  /** Sends `signal` and resolves with the exit code. */
  stop(signal: NodeJS.Signals): Promise<number | null>;
}


/**
 * How long a gateway may take to become ready. A fresh one is ready in about a second; one that
 * settles hundreds of calls a killed process left open, on a loaded machine, has taken over 10 s.
 */
const START_TIMEOUT_MS = 60_000;

/** `vgw start` as a real child process; resolves once /health answers 200 (the gateway is ready). */
export async function startCli(env: Record<string, string>): Promise<CliGateway> {
  const port = await freePort();
  const child = spawn(process.execPath, [BIN, 'start'], { env: { ...process.env, ...env, VGW_HTTP_PORT: String(port), VGW_HTTP_ADDRESS: '127.0.0.1', VGW_ADMIN_API_KEY: TEST_ADMIN_KEY, VGW_LOG_LEVEL: 'warn' }, stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => { stderr += d.toString(); });
  let exitCode: number | null | undefined;
  const exited = new Promise<number | null>((r) => child.on('exit', (code) => { exitCode = code; r(code); }));
  const base = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + START_TIMEOUT_MS;
  for (;;) {
    const ok = await fetch(`${base}/health`).then((r) => r.status === 200, () => false);
    if (ok) break;
    if (exitCode !== undefined) throw new Error(`gateway exited (${exitCode}) before it was ready: ${stderr}`);
    if (Date.now() > deadline) {
      // Not left running: a live child would keep the test file from ever ending.
      child.kill('SIGKILL');
      await exited;
      throw new Error(`gateway not ready within ${START_TIMEOUT_MS / 1000} s: ${stderr}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  return {
    base,
    async api(method, path, body) {
      const res = await fetch(`${base}${path}`, { method, headers: { authorization: `Bearer ${TEST_ADMIN_KEY}`, ...(body ? { 'content-type': 'application/json' } : {}) }, body: body ? JSON.stringify(body) : undefined });
      const text = await res.text();
      return { status: res.status, body: text ? JSON.parse(text) as unknown : undefined, headers: res.headers };
    },
    stop(signal) {
      child.kill(signal);
      return exited;
    },
  };
}
