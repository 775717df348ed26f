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


/** `vgw start` as a real child process; resolves once /health answers 200. */
export async function startCli(env: Record<string, string>): Promise<CliGateway> {
  const port = await freePort();
  const child = spawn(process.execPath, [BIN, 'start'], { env: { ...process.env, ...env, VGW_HTTP_PORT: String(port), VGW_HTTP_ADDRESS: '127.0.0.1', VGW_ADMIN_API_KEY: TEST_ADMIN_KEY, VGW_LOG_LEVEL: 'warn' }, stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => { stderr += d.toString(); });
  const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
  const base = `http://127.0.0.1:${port}`;
  for (let i = 0; ; i++) {
    const ok = await fetch(`${base}/health`).then((r) => r.status === 200, () => false);
    if (ok) break;
    if (i > 200) throw new Error(`gateway did not start: ${stderr}`);
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
