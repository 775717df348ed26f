import { mkdtempSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import assert from 'node:assert/strict';
import { loadConfig } from '../config/config.js';
import { startGateway, type Gateway, type GatewaySpeech } from '../main.js';
import { systemClock } from '../kernel/clock.js';
import { testRtpRange } from './call-harness.js';
import { testLogger } from './sip-stack.js';

export const TEST_ADMIN_KEY = 'test-admin-key-0123456789abcdef';

export interface TestGateway {
  readonly gw: Gateway;
  readonly base: string;
  readonly dataDir: string;
  /** Calls the REST API with the admin key (or `key`); resolves with status and parsed JSON body. */
  api(method: string, path: string, body?: unknown, key?: string): Promise<{ status: number; body: unknown; headers: Headers }>;
  close(): Promise<void>;
}

/** The whole gateway (`startGateway`) on free ports with a temp SQLite store and a known admin key. */
export async function startTestGateway(env: Record<string, string> = {}, speech: GatewaySpeech = {}): Promise<TestGateway> {
  const dataDir = mkdtempSync(join(tmpdir(), 'vgw-gw-'));
  const rtp = testRtpRange();
  const config = loadConfig([], {
    VGW_HTTP_ADDRESS: '127.0.0.1', VGW_HTTP_PORT: '0', VGW_SIP_ADDRESS: '127.0.0.1', VGW_SIP_PORT: '0',
    VGW_RTP_PORTS: `${rtp.min}-${rtp.max}`, VGW_DATA_DIR: dataDir, VGW_ADMIN_API_KEY: TEST_ADMIN_KEY, VGW_SIMULATOR: 'off',
    VGW_LOG_LEVEL: 'silent', ...env,
  });
  const gw = await startGateway(config, testLogger(), systemClock, speech);
  const base = `http://127.0.0.1:${gw.httpPort}`;
  return {
    gw, base, dataDir,
    async api(method, path, body, key = TEST_ADMIN_KEY) {
      const res = await fetch(`${base}${path}`, {
        method,
        headers: { authorization: `Bearer ${key}`, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
        body: body !== undefined ? JSON.stringify(body) : undefined,
      });
      const text = await res.text();
      let parsed: unknown = text;
      try {
        parsed = text ? JSON.parse(text) : undefined;
      } catch {
        // not JSON
      }
      return { status: res.status, body: parsed, headers: res.headers };
    },
    close: () => gw.close(0),
  };
}

export interface HookRequest {
  readonly path: string;
  readonly method: string;
  readonly headers: IncomingMessage['headers'];
  readonly body: string;
  readonly json: Record<string, unknown>;
}

/** A local webhook server: `routes[path]` gives the JSON reply (or a status) for each request. */
export async function startHookServer(routes: Record<string, (r: HookRequest) => unknown>): Promise<{ url: string; seen: HookRequest[]; close(): Promise<void> }> {
  const seen: HookRequest[] = [];
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    let body = '';
    req.on('data', (c: Buffer) => { body += c.toString(); });
    req.on('end', () => {
      const path = (req.url ?? '').split('?')[0];
      let json: Record<string, unknown> = {};
      try {
        json = body ? (JSON.parse(body) as Record<string, unknown>) : {};
      } catch {
        // keep {}
      }
      const r: HookRequest = { path, method: req.method ?? '', headers: req.headers, body, json };
      seen.push(r);
      const handler = routes[path];
      const out = handler ? handler(r) : undefined;
      if (out instanceof Promise) return; // never answers (timeout tests)
      if (typeof out === 'string') {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(out);
        return;
      }
      if (typeof out === 'number') {
        res.writeHead(out);
        res.end();
        return;
      }
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(out === undefined ? '' : JSON.stringify(out));
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const a = server.address();
  const url = `http://127.0.0.1:${typeof a === 'object' && a ? a.port : 0}`;
  return { url, seen, close: () => new Promise((r) => { server.closeAllConnections(); server.close(() => r()); }) };
}

/**
 * Polls `check` every 50 ms until it gives a truthy value or `ms` pass. An empty array counts as
 * not there yet: `eventually(() => list.filter(…))` waits for a match (an empty array is truthy,
 * and such a wait returned at once, on the first poll).
 */
export async function eventually<T>(check: () => T | undefined | false | Promise<T | undefined | false>, ms = 10_000, what = 'condition'): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = await check();
    if (v && !(Array.isArray(v) && v.length === 0)) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

export interface Provisioned { accountSid: string; applicationSid: string; carrierSid: string; from: string }

/** Account, application (call_hook + status hook), a carrier whose gateways are the given sipp ports, and a from number. */
export async function provisionSippCarrier(t: TestGateway, hooks: string, gatewayPorts: number[]): Promise<Provisioned> {
  const acc = await t.api('POST', '/v1/Accounts', { name: 'seed account' });
  assert.equal(acc.status, 201, JSON.stringify(acc.body));
  const accountSid = (acc.body as { sid: string }).sid;
  const app = await t.api('POST', '/v1/Applications', {
    name: 'seed app', account_sid: accountSid,
    call_hook: { url: `${hooks}/app`, method: 'POST' }, call_status_hook: { url: `${hooks}/status`, method: 'POST' },
  });
  assert.equal(app.status, 201, JSON.stringify(app.body));
  const carrier = await t.api('POST', '/v1/VoipCarriers', { name: 'sipp-carrier', account_sid: accountSid });
  assert.equal(carrier.status, 201, JSON.stringify(carrier.body));
  const carrierSid = (carrier.body as { sid: string }).sid;
  for (const [i, port] of gatewayPorts.entries()) {
    const gw = await t.api('POST', '/v1/SipGateways', { voip_carrier_sid: carrierSid, ipv4: '127.0.0.1', port, inbound: true, outbound: true, priority: i });
    assert.equal(gw.status, 201, JSON.stringify(gw.body));
  }
  const from = '+4930123456';
  const num = await t.api('POST', '/v1/PhoneNumbers', { number: from, account_sid: accountSid, application_sid: (app.body as { sid: string }).sid, voip_carrier_sid: carrierSid });
  assert.equal(num.status, 201, JSON.stringify(num.body));
  return { accountSid, applicationSid: (app.body as { sid: string }).sid, carrierSid, from };
}

