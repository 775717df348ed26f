#!/usr/bin/env node
// npm run bench:calls — outbound call creation through the REST API against a sipp UAS:
//   * for rising rates, POST /Calls for SECONDS seconds; the app is [pause 1, hangup];
//     a rate passes when every POST got 201 and every call reached `completed`;
//   * the gateway-added delay (POST handled → INVITE sent, from each call's timeline) p50/p99
//     at 100 calls/s;
//   * in the same run, sipp UAC → sipp UAS at the same rates as the baseline (ratio).
// Loopback only, every step bounded. Build first (npm run build).
import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 5);
const RATES = (process.env.BENCH_RATES ?? '100,200,300,400,500,700').split(',').map(Number);
const root = new URL('..', import.meta.url).pathname;
const { startGateway } = await import(join(root, 'dist/main.js'));
const { loadConfig } = await import(join(root, 'dist/config/config.js'));
const { nullLogger } = await import(join(root, 'dist/kernel/logger.js'));
const { freePort } = await import(join(root, 'dist/testkit/ports.js'));
const SIPP = join(root, 'test/sipp');
const KEY = 'bench-admin-key-000000000000000000';

function sipp(args) {
  const child = spawn('sipp', [...args, '-nostdin'], { stdio: 'ignore', cwd: SIPP });
  return { child, done: new Promise((r) => child.on('exit', (code) => r(code))) };
}

const finals = new Map();
const hookServer = createServer((req, res) => {
  let body = '';
  req.on('data', (c) => { body += c; });
  req.on('end', () => {
    if (req.url.startsWith('/app')) {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify([{ verb: 'pause', length: 1 }, { verb: 'hangup' }]));
      return;
    }
    try {
      const j = JSON.parse(body);
      if (['completed', 'failed', 'busy', 'no-answer'].includes(j.call_status)) finals.set(j.call_sid, j.call_status);
    } catch { /* ignore */ }
    res.writeHead(204);
    res.end();
  });
});
await new Promise((r) => hookServer.listen(0, '127.0.0.1', r));
const hooks = `http://127.0.0.1:${hookServer.address().port}`;

const sippPort = await freePort();
const uas = sipp(['-sf', 'uas_bench.xml', '-i', '127.0.0.1', '-p', String(sippPort), '-mi', '127.0.0.1', '-mp', String(await freePort()), '-cp', String(await freePort()), '-timeout', `${(SECONDS + 20) * RATES.length + 60}s`]);
await new Promise((r) => setTimeout(r, 300));

const dataDir = mkdtempSync(join(tmpdir(), 'bench-calls-'));
const config = loadConfig([], { VGW_HTTP_ADDRESS: '127.0.0.1', VGW_HTTP_PORT: '0', VGW_SIP_ADDRESS: '127.0.0.1', VGW_SIP_PORT: '0', VGW_DATA_DIR: dataDir, VGW_ADMIN_API_KEY: KEY, VGW_SIMULATOR: 'off', VGW_LOG_LEVEL: 'silent' });
const gw = await startGateway(config, nullLogger);
const base = `http://127.0.0.1:${gw.httpPort}`;
const store = gw.store;
const account = await store.accounts.create({ name: 'bench', allow_any_caller_id: true });
const app = await store.applications.create({ name: 'bench', account_sid: account.account_sid, call_hook: `${hooks}/app`, call_status_hook: `${hooks}/status` });
const carrier = await store.voipCarriers.create({ name: 'sipp', account_sid: account.account_sid, is_default: true });
await store.sipGateways.create({ voip_carrier_sid: carrier.voip_carrier_sid, ipv4: '127.0.0.1', port: sippPort, outbound: true, inbound: false, protocol: 'udp' });
const body = JSON.stringify({ application_sid: app.application_sid, from: '15550000', to: { type: 'phone', number: '15551111' } });
const post = () => fetch(`${base}/v1/Accounts/${account.account_sid}/Calls`, { method: 'POST', headers: { authorization: `Bearer ${KEY}`, 'content-type': 'application/json' }, body })
  .then(async (r) => (r.status === 201 ? (await r.json()).sid : null), () => null);

async function oursAt(rate) {
  const sids = [];
  const pending = [];
  const total = rate * SECONDS;
  const t0 = performance.now();
  let started = 0;
  while (started < total) {
    const due = Math.min(total, Math.floor(((performance.now() - t0) / 1000) * rate));
    for (; started < due; started++) pending.push(post().then((sid) => sids.push(sid)));
    await new Promise((r) => setTimeout(r, 5));
  }
  await Promise.all(pending);
  const ok = sids.filter(Boolean);
  const deadline = Date.now() + 20_000;
  while (Date.now() < deadline && ok.some((s) => !finals.has(s))) await new Promise((r) => setTimeout(r, 100));
  const completed = ok.filter((s) => finals.get(s) === 'completed').length;
  return { ok: completed, failed: total - completed, sids: ok };
}

async function addedDelay(sids) {
  const delays = [];
  for (const sid of sids) {
    const r = await fetch(`${base}/v1/Accounts/${account.account_sid}/Calls/${sid}/Timeline`, { headers: { authorization: `Bearer ${KEY}` } });
    const tl = (await r.json()).timeline ?? [];
    const e = tl.find((x) => x.event === 'api-request');
    if (e) delays.push(e.detail.added_delay_ms);
  }
  delays.sort((a, b) => a - b);
  const q = (p) => delays[Math.min(delays.length - 1, Math.floor(p * delays.length))];
  return { n: delays.length, p50: q(0.5), p99: q(0.99) };
}

async function sippAt(rate) {
  const port = await freePort();
  const server = sipp(['-sf', 'uas_bench.xml', '-i', '127.0.0.1', '-p', String(port), '-mi', '127.0.0.1', '-mp', String(await freePort()), '-cp', String(await freePort()), '-timeout', `${SECONDS + 15}s`]);
  await new Promise((r) => setTimeout(r, 300));
  const client = sipp([`127.0.0.1:${port}`, '-sf', 'uac_bench.xml', '-i', '127.0.0.1', '-p', String(await freePort()), '-mi', '127.0.0.1', '-mp', String(await freePort()), '-cp', String(await freePort()), '-r', String(rate), '-m', String(rate * SECONDS), '-timeout', `${SECONDS + 12}s`]);
  const code = await client.done;
  server.child.kill('SIGINT');
  await server.done;
  return code === 0;
}

console.log(`bench:calls — ${SECONDS} s per step, rates ${RATES.join(', ')} calls/s; app [pause 1, hangup]`);
let best = 0;
let delay;
for (const rate of RATES) {
  const r = await oursAt(rate);
  console.log(`ours  ${String(rate).padStart(4)} calls/s: completed=${r.ok} failed=${r.failed}`);
  if (rate === 100) delay = await addedDelay(r.sids);
  if (r.failed > 0) break;
  best = rate;
}
let baseline = 0;
for (const rate of RATES) {
  const ok = await sippAt(rate);
  console.log(`sipp  ${String(rate).padStart(4)} calls/s: ${ok ? 'ok' : 'failures'}`);
  if (!ok) break;
  baseline = rate;
}
console.log('');
console.log(`highest create-call rate with 0 failed calls: ${best} calls/s (goal ≥ 200)`);
if (delay) console.log(`gateway-added delay (POST handled → INVITE sent) at 100 calls/s: p50 ${delay.p50} ms, p99 ${delay.p99} ms over ${delay.n} calls (goal p99 ≤ 5 ms)`);
console.log(`sipp → sipp at the same rates: ${baseline} calls/s${baseline === RATES.at(-1) ? ' (or more; top of the tested range)' : ''}; ratio ours/sipp = ${baseline ? (best / baseline).toFixed(2) : 'n/a'}`);
uas.child.kill('SIGINT');
await gw.close(0);
hookServer.close();
process.exit(0);
