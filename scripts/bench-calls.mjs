#!/usr/bin/env node
// npm run bench:calls — outbound call creation through the REST API against a sipp UAS:
//   * for rising rates, POST /Calls for SECONDS seconds; the app is [pause 1, hangup];
//     a rate passes when every POST got 201 and every call reached `completed`;
//   * the gateway-added delay (POST handled → INVITE sent, from each call's timeline) p50/p99
//     at 100 calls/s;
//   * in the same run, sipp UAC → sipp UAS at the same rates as the baseline (ratio).
// Both ramps (each stops at its first step with a failure) run BENCH_ROUNDS times (default 3),
// interleaved (ours, sipp, ours, sipp …) so that a slow phase of a shared machine hits both;
// prints per side the median of the highest rate with its min–max, the median delay, and the
// verdicts on the medians. Loopback only, every step bounded. About 1.5 min per round when both
// ramps reach the top of the range, 4–5 min in all. Build first (npm run build).
import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 5);
const RATES = (process.env.BENCH_RATES ?? '100,200,300,400,500,700').split(',').map(Number);
const root = new URL('..', import.meta.url).pathname;
const { parseRounds, interleaved, spread, formatSpread, medianRatio } = await import(join(root, 'dist/testkit/bench-rounds.js'));
const ROUNDS = parseRounds(process.env.BENCH_ROUNDS, 3);
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
const uas = sipp(['-sf', 'uas_bench.xml', '-i', '127.0.0.1', '-p', String(sippPort), '-mi', '127.0.0.1', '-mp', String(await freePort()), '-cp', String(await freePort()), '-timeout', `${(SECONDS + 20) * RATES.length * 2 * ROUNDS + 60}s`]);
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

/** Our ramp: rising rates until the first step with a failed call; the delay at 100 calls/s. */
async function rampOurs() {
  let best = 0;
  let delay;
  const steps = [];
  for (const rate of RATES) {
    const r = await oursAt(rate);
    steps.push(r.failed > 0 ? `${rate} failed=${r.failed}/${r.ok + r.failed}` : `${rate} ok`);
    if (rate === 100) delay = await addedDelay(r.sids);
    if (r.failed > 0) break;
    best = rate;
  }
  return { best, steps, delay };
}

/** The baseline's ramp: sipp UAC → sipp UAS at the same rates. */
async function rampSipp() {
  let best = 0;
  const steps = [];
  for (const rate of RATES) {
    const ok = await sippAt(rate);
    steps.push(`${rate} ${ok ? 'ok' : 'failures'}`);
    if (!ok) break;
    best = rate;
  }
  return { best, steps };
}

const t0 = performance.now();
console.log(`bench:calls — ${SECONDS} s per step, rates ${RATES.join(', ')} calls/s; app [pause 1, hangup]; ${ROUNDS} rounds interleaved`);
const runs = await interleaved(ROUNDS, [
  { name: 'ours', run: rampOurs },
  { name: 'sipp', run: rampSipp },
], (side, round, r) => {
  const d = r.delay ? `; added delay at 100 calls/s p50 ${r.delay.p50} ms, p99 ${r.delay.p99} ms over ${r.delay.n} calls` : '';
  console.log(`round ${round + 1} ${side.padEnd(4)} ${String(r.best).padStart(4)} calls/s  (${r.steps.join(', ')})${d}`);
});
const top = RATES.at(-1);
const ours = runs.ours.map((r) => r.best);
const baseline = runs.sipp.map((r) => r.best);
const topNote = (xs) => (spread(xs).median === top ? ' (top of the tested range)' : '');
const delays = runs.ours.map((r) => r.delay).filter(Boolean);
const rateOk = spread(ours).median >= 200;
const p99 = spread(delays.map((d) => d.p99));
const delayOk = p99.median <= 5;
const ratio = medianRatio(ours, baseline);
console.log('');
console.log(`median (min–max) of ${ROUNDS} runs:`);
console.log(`highest create-call rate with 0 failed calls: ${formatSpread(spread(ours), 0)} calls/s${topNote(ours)} (goal ≥ 200: ${rateOk ? 'met' : 'NOT met'})`);
if (delays.length) console.log(`gateway-added delay (POST handled → INVITE sent) at 100 calls/s: p50 ${formatSpread(spread(delays.map((d) => d.p50)), 1)} ms, p99 ${formatSpread(p99, 1)} ms (goal p99 ≤ 5 ms: ${delayOk ? 'met' : 'NOT met'})`);
console.log(`sipp → sipp at the same rates: ${formatSpread(spread(baseline), 0)} calls/s${topNote(baseline)}; ratio of the medians ours/sipp = ${Number.isFinite(ratio) ? ratio.toFixed(2) : 'n/a'}`);
console.log(`${((performance.now() - t0) / 1000).toFixed(0)} s`);
uas.child.kill('SIGINT');
await gw.close(0);
hookServer.close();
process.exit(rateOk && (delays.length === 0 || delayOk) ? 0 : 1);
