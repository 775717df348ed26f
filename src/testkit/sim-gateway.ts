import { DEMO_FROM } from '../cli/demo.js';
import { freePort } from './ports.js';
import { startHookServer, startTestGateway, type HookRequest, type TestGateway } from './gateway.js';

export interface SimGateway {
  readonly t: TestGateway;
  readonly hooks: Awaited<ReturnType<typeof startHookServer>>;
  readonly accountSid: string;
  /** Places a call to a simulator number with per-call hooks on the local hook server; returns its sid. */
  call(number: string, extra?: Record<string, unknown>): Promise<string>;
  statuses(sid: string): Array<Record<string, unknown>>;
  close(): Promise<void>;
}

/** Environment for a test gateway with the simulator carrier on (its own SIP port, a 400-port RTP range). */
export async function simulatorEnv(): Promise<Record<string, string>> {
  const simPort = await freePort();
  const base = 30000 + (process.pid % 50) * 400;
  return { VGW_SIMULATOR: 'on', VGW_SIMULATOR_PORT: String(simPort), VGW_RTP_PORTS: `${base}-${base + 399}` };
}

/** A gateway with the simulator carrier on, and a local hook server answering `routes`. */
export async function startSimGateway(routes: Record<string, (r: HookRequest) => unknown>, env: Record<string, string> = {}): Promise<SimGateway> {
  const t = await startTestGateway({ ...(await simulatorEnv()), ...env });
  const hooks = await startHookServer(routes);
  if (!t.gw.demo) throw new Error('demo account not provisioned');
  const demo = t.gw.demo;
  return {
    t, hooks, accountSid: demo.accountSid,
    async call(number, extra = {}) {
      const res = await t.api('POST', `/v1/Accounts/${demo.accountSid}/Calls`, {
        from: DEMO_FROM, to: { type: 'phone', number, trunk: 'simulator' },
        call_hook: `${hooks.url}/app`, call_status_hook: `${hooks.url}/status`, ...extra,
      });
      if (res.status !== 201) throw new Error(`POST /Calls → ${res.status} ${JSON.stringify(res.body)}`);
      return (res.body as { sid: string }).sid;
    },
    statuses: (sid) => hooks.seen.filter((h) => h.path === '/status' && h.json.call_sid === sid).map((h) => h.json),
    async close() {
      await hooks.close();
      await t.close();
    },
  };
}
