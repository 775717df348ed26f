#!/usr/bin/env node
// npm run bench:cluster — the cluster of issue 16 on one machine, everything on loopback: PostgreSQL,
// Redis, Kamailio (deploy/kamailio) and two `vgw start` nodes, started by this script and stopped at
// the end (also on failure and on Ctrl-C).
//
// 1. Inbound call rate. Rising rates (BENCH_RATES, BENCH_SECONDS s per step, sipp -r/-m); a ramp
//    stops at its first step with a failed call, or whose calls are not all over BENCH_SLACK s
//    (default 1.5) after its last INVITE was due (a backlog: the rate was offered, not carried),
//    and reports the highest step before it:
//      cluster  sipp UAC → Kamailio → node A + node B (round robin)
//      direct   sipp UAC → node A alone (same processes, same app)
//    The calls are short: the app answers (`answer`, then a long `pause`) and the caller hangs up
//    right after its ACK (test/sipp/uac_bench_ring.xml, the same caller as the baselines). They carry
//    signalling and one webhook each and almost no media, so the figure is about the SIP path and
//    the dispatcher rather than about RTP on a 2-core machine. BENCH_APP_PAUSE=N (s) instead lets
//    the app hang up after N s of `pause` (sipp uac_wait_bye.xml): N × rate calls up at once, with
//    media. (Not [answer, hangup]: the node's BYE can overtake its own 200 inside Kamailio, see
//    docs/cluster.md.) In the cluster ramps, each call's node is counted from its webhook's
//    `fs_sip_address`: each node's share.
//    Baselines in the same run (BENCH_KAMAILIO_BASELINE=0 to skip): sipp UAC → sipp UAS, directly
//    and through a second Kamailio — what the SIP edge itself costs.
// 2. Cross-node live control. BENCH_HOLD_CALLS outbound calls placed through node A to a sipp UAS
//    that holds them; then BENCH_PUTS sequential `PUT /Calls/{sid}` {"listen_status": pause|resume}
//    (202, no stream, so nothing changes on the call) through node A (the owner) and through node B
//    (relayed to A), alternating A/B; p50/p99 of each and the difference.
//
// Every side runs BENCH_ROUNDS times (default 2), interleaved, so that a slow phase of the shared
// machine hits all of them; medians with min–max; ratios of medians. Nothing is asserted on time:
// goals are printed as met / NOT met. About 4 min with the defaults. Build first (npx tsc -p
// tsconfig.json). Knobs: BENCH_ROUNDS, BENCH_SECONDS, BENCH_RATES, BENCH_APP_PAUSE, BENCH_PUTS,
// BENCH_HOLD_CALLS, BENCH_KAMAILIO_BASELINE, BENCH_KAMAILIO_SHM_MB (default 256: the
// testkit's 64 runs out of transactions at ~500 calls/s), BENCH_SLACK.
import { spawn } from 'node:child_process';
import { Agent, request } from 'undici';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const dist = (p) => import(join(root, 'dist', p));
const { parseRounds, interleaved, spread, formatSpread, medianRatio } = await dist('testkit/bench-rounds.js');
const { startTestPostgres } = await dist('testkit/postgres.js');
const { startTestRedis } = await dist('testkit/redis.js');
const { startKamailio } = await dist('testkit/kamailio.js');
const { startCli } = await dist('testkit/cli-gateway.js');
const { TEST_ADMIN_KEY } = await dist('testkit/gateway.js');
const { freePort } = await dist('testkit/ports.js');
const { pct } = await import('./bench-lib.mjs');

const ROUNDS = parseRounds(process.env.BENCH_ROUNDS, 2);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 3);
const RATES = (process.env.BENCH_RATES ?? '100,200,300,400,500,600,800,1000').split(',').map(Number);
const APP_PAUSE = Number(process.env.BENCH_APP_PAUSE ?? 0);
if (!(APP_PAUSE >= 0)) throw new Error(`BENCH_APP_PAUSE must be a number of seconds, got "${process.env.BENCH_APP_PAUSE}"`);
/** The caller: hangs up itself right after its ACK (default), or waits for the app's BYE. */
const UAC = APP_PAUSE > 0 ? 'uac_wait_bye.xml' : 'uac_bench_ring.xml';
const PUTS = Number(process.env.BENCH_PUTS ?? 2000);
/** A step whose calls are not all over SLACK s after its last INVITE was due has not kept up. */
const SLACK = Number(process.env.BENCH_SLACK ?? 1.5);
const HOLD_CALLS = Number(process.env.BENCH_HOLD_CALLS ?? 4);
const KAM_BASELINE = process.env.BENCH_KAMAILIO_BASELINE !== '0';
/** Kamailio's shared memory (MB): transactions stay there ~5 s after they end (tm wait timer). */
const KAM_SHM_MB = Number(process.env.BENCH_KAMAILIO_SHM_MB ?? 256);
const SIPP_DIR = join(root, 'test/sipp');
const NUMBER = '+4930555000';
const DIALED = NUMBER.slice(1);

// ---------------------------------------------------------------- teardown (also on Ctrl-C)

/** Stop functions, run last-in first-out by `teardown`. */
const cleanups = [];
/** Live sipp children (killed at teardown). */
const sipps = new Set();
let tearingDown;
/** The signal that interrupted the run, if one did. */
let interrupted;

function teardown() {
  tearingDown ??= (async () => {
    for (const c of sipps) c.kill('SIGKILL');
    while (cleanups.length) {
      const { what, stop } = cleanups.pop();
      try {
        await stop();
      } catch (e) {
        console.error(`teardown: stopping ${what} failed: ${e.message}`);
      }
    }
  })();
  return tearingDown;
}

for (const [sig, code] of [['SIGINT', 130], ['SIGTERM', 143]]) {
  process.on(sig, () => {
    interrupted = sig;
    console.error(`\n${sig}: stopping everything this bench started`);
    void teardown().finally(() => process.exit(code));
  });
}

// ---------------------------------------------------------------- sipp

/**
 * sipp with a screen file only (no message trace: it would cost more than the calls). sipp does
 * not always honour its own -timeout under overload: past `deadlineS` it gets SIGINT (it writes
 * its screen and quits), 3 s later SIGKILL.
 */
function sipp(args, deadlineS) {
  if (tearingDown) throw new Error('stopping: no new sipp');
  const dir = mkdtempSync(join(tmpdir(), 'bench-cluster-sipp-'));
  const child = spawn('sipp', [...args, '-nostdin', '-trace_screen', '-screen_file', join(dir, 'screen.log')], { stdio: ['ignore', 'ignore', 'pipe'], cwd: SIPP_DIR });
  sipps.add(child);
  let stderr = '';
  child.stderr.on('data', (d) => { stderr += d; });
  const timers = deadlineS === undefined ? [] : [
    setTimeout(() => child.kill('SIGINT'), deadlineS * 1000),
    setTimeout(() => child.kill('SIGKILL'), (deadlineS + 3) * 1000),
  ];
  const done = new Promise((resolve) => child.on('exit', (code) => {
    for (const t of timers) clearTimeout(t);
    sipps.delete(child);
    let screen = '';
    try { screen = readFileSync(join(dir, 'screen.log'), 'utf8'); } catch { /* sipp died before writing it: counted as failures below */ }
    rmSync(dir, { recursive: true, force: true });
    const grab = (label) => Number((screen.split('\n').filter((l) => l.includes(label)).pop() ?? '').split('|')[2]?.trim() ?? 0) || 0;
    resolve({ code, ok: grab('Successful call'), failed: grab('Failed call'), retrans: grab('Retransmissions'), stderr });
  }));
  return { child, done };
}

async function ports() {
  return ['-mi', '127.0.0.1', '-mp', String(await freePort()), '-cp', String(await freePort())];
}

/**
 * One step: `rate` calls/s for SECONDS s from a sipp UAC to `target`; failed = not successful;
 * late = the calls took more than SLACK s past the step (and the app's pause) to end (a backlog).
 */
async function uacStep(target, scenario, rate, total = rate * SECONDS) {
  const t0 = performance.now();
  const r = await sipp([target, '-sf', scenario, '-s', DIALED, '-i', '127.0.0.1', '-p', String(await freePort()), ...(await ports()),
    '-r', String(rate), '-m', String(total), '-l', String(total), '-timeout', `${total / rate + APP_PAUSE + 10}s`], total / rate + APP_PAUSE + 12).done;
  const took = (performance.now() - t0) / 1000;
  return { ok: r.ok, failed: total - r.ok, retrans: r.retrans, took, late: took > total / rate + APP_PAUSE + SLACK };
}

/** A sipp UAS that stays up for the whole run (answers Kamailio's OPTIONS probes too). */
async function longUas() {
  const port = await freePort();
  const run = sipp(['-sf', 'uas_bench_node.xml', '-i', '127.0.0.1', '-p', String(port), ...(await ports())]);
  cleanups.push({ what: 'sipp UAS', stop: async () => { run.child.kill('SIGKILL'); await run.done; } });
  await new Promise((r) => setTimeout(r, 300));
  return port;
}

// ---------------------------------------------------------------- hook server

/** Calls per node (`fs_sip_address` of the call_hook request), since the last reset. */
let perNode = new Map();
const hookServer = createServer((req, res) => {
  let body = '';
  req.on('data', (c) => { body += c; });
  req.on('end', () => {
    const path = (req.url ?? '').split('?')[0];
    if (path === '/app') {
      const host = JSON.parse(body).fs_sip_address;
      perNode.set(host, (perNode.get(host) ?? 0) + 1);
      const verbs = APP_PAUSE > 0 ? [{ verb: 'answer' }, { verb: 'pause', length: APP_PAUSE }, { verb: 'hangup' }] : [{ verb: 'answer' }, { verb: 'pause', length: 10 }];
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify(verbs));
      return;
    }
    if (path === '/hold') {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify([{ verb: 'pause', length: 600 }]));
      return;
    }
    res.writeHead(204);
    res.end();
  });
});

// ---------------------------------------------------------------- the cluster

async function startInfra() {
  const [pg, redis] = await Promise.all([startTestPostgres(), startTestRedis()]);
  cleanups.push({ what: 'PostgreSQL', stop: () => pg.stop() }, { what: 'Redis', stop: () => redis.stop() });
  await new Promise((r) => hookServer.listen(0, '127.0.0.1', r));
  cleanups.push({ what: 'hook server', stop: () => new Promise((r) => { hookServer.closeAllConnections(); hookServer.close(r); }) });
  return { pg, redis, hooks: `http://127.0.0.1:${hookServer.address().port}` };
}

async function startNode(id, pg, redis, rtpBase) {
  const sipPort = await freePort();
  const dir = mkdtempSync(join(tmpdir(), `bench-cluster-${id}-`));
  const cli = await startCli({
    VGW_DATABASE_URL: pg.url, VGW_REDIS_URL: redis.url, VGW_NODE_ID: id,
    VGW_SIP_ADDRESS: '127.0.0.1', VGW_SIP_PORT: String(sipPort), VGW_RTP_PORTS: `${rtpBase}-${rtpBase + 3999}`,
    VGW_DATA_DIR: dir, VGW_SIMULATOR: 'off',
  });
  cleanups.push({ what: `node ${id}`, stop: async () => { await cli.stop('SIGKILL'); rmSync(dir, { recursive: true, force: true }); } });
  return { id, sipPort, sipHost: `127.0.0.1:${sipPort}`, cli };
}

async function kamailio(nodes) {
  const kam = await startKamailio({ port: await freePort(), nodes: nodes.map((port) => ({ address: '127.0.0.1', port })), pingIntervalSec: 1, shmMb: KAM_SHM_MB });
  cleanups.push({ what: 'Kamailio', stop: () => kam.stop() });
  return kam;
}

async function until(check, ms, what) {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = await check();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

async function ok(res, status, what) {
  if (res.status !== status) throw new Error(`${what}: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body;
}

/** Account, inbound app bound to NUMBER, a carrier whose inbound gateway is all of loopback. */
async function provision(a, hooks, kamPort) {
  const acc = await ok(await a.cli.api('POST', '/v1/Accounts', { name: 'bench' }), 201, 'account');
  const app = await ok(await a.cli.api('POST', '/v1/Applications', { name: 'bench', account_sid: acc.sid, call_hook: `${hooks}/app` }), 201, 'application');
  const carrier = await ok(await a.cli.api('POST', '/v1/VoipCarriers', { name: 'edge', account_sid: acc.sid, outbound_sip_proxy: `sip:127.0.0.1:${kamPort}` }), 201, 'carrier');
  await ok(await a.cli.api('POST', '/v1/SipGateways', { voip_carrier_sid: carrier.sid, ipv4: '127.0.0.0', netmask: 8, inbound: true, outbound: false }), 201, 'inbound gateway');
  await ok(await a.cli.api('POST', '/v1/PhoneNumbers', { number: NUMBER, account_sid: acc.sid, application_sid: app.sid, voip_carrier_sid: carrier.sid }), 201, 'number');
  return acc.sid;
}

async function startCluster() {
  const { pg, redis, hooks } = await startInfra();
  // One after the other: the first migrates the shared store.
  const a = await startNode('node-a', pg, redis, 20000);
  const b = await startNode('node-b', pg, redis, 24000);
  const kam = await kamailio([a.sipPort, b.sipPort]);
  const accountSid = await provision(a, hooks, kam.port);
  const cluster = { a, b, kam, hooks, accountSid };
  await bothActive(cluster);
  return cluster;
}

function bothActive({ kam }) {
  return until(async () => (await kam.nodeStates()).filter((s) => s.state === 'active').length === 2, 15_000, 'both nodes active in the dispatcher');
}

/** No live call left in the cluster (the previous step's calls have ended). */
async function idle({ a, accountSid }) {
  try {
    await until(async () => (await a.cli.api('GET', `/v1/Accounts/${accountSid}/Calls`)).body.length === 0, 20_000, 'no live calls');
  } catch (e) {
    const left = (await a.cli.api('GET', `/v1/Accounts/${accountSid}/Calls`)).body;
    console.log(`  (${e.message}: ${left.length} left, e.g. ${JSON.stringify(left[0])}; going on)`);
  }
}

// ---------------------------------------------------------------- 1. inbound rate

/** One ramp: rising rates until the first step with a failure; the highest rate with none. */
async function ramp(stepAt) {
  let best = 0;
  const steps = [];
  const split = new Map();
  for (const rate of RATES) {
    perNode = new Map();
    const r = await stepAt(rate);
    const took = ` ${r.took.toFixed(1)}s`;
    steps.push(r.failed > 0 ? `${rate} failed=${r.failed}/${r.ok + r.failed}${took}` : `${rate} ${r.late ? 'late' : 'ok'}${took}`);
    if (r.failed > 0 || r.late) break;
    best = rate;
    for (const [host, n] of perNode) split.set(host, (split.get(host) ?? 0) + n);
  }
  return { best, steps, split };
}

function gatewaySide(cluster, target, needBoth) {
  return () => ramp(async (rate) => {
    await idle(cluster);
    if (needBoth) await bothActive(cluster);
    return uacStep(target, UAC, rate);
  });
}

function sippSide(target) {
  return () => ramp((rate) => uacStep(target, 'uac_bench_ring.xml', rate));
}

/** Not counted: a first batch through each path (JIT, store connections, caches on both nodes). */
async function warmUp(cluster) {
  for (const target of [cluster.a.sipHost, `127.0.0.1:${cluster.kam.port}`]) {
    const r = await uacStep(target, UAC, 100, 300);
    if (r.failed > 0) console.log(`  (warm-up through ${target}: ${r.failed} of 300 calls failed)`);
    await idle(cluster);
  }
}

async function inboundRates(cluster) {
  await warmUp(cluster);
  const sides = [
    { name: 'direct', run: gatewaySide(cluster, cluster.a.sipHost, false) },
    { name: 'cluster', run: gatewaySide(cluster, `127.0.0.1:${cluster.kam.port}`, true) },
  ];
  if (KAM_BASELINE) {
    const uas = await longUas();
    const edge = await kamailio([uas]);
    await until(async () => (await edge.nodeStates()).some((s) => s.state === 'active'), 15_000, 'the sipp UAS active behind the baseline Kamailio');
    sides.push({ name: 'sipp', run: sippSide(`127.0.0.1:${uas}`) }, { name: 'sipp+kam', run: sippSide(`127.0.0.1:${edge.port}`) });
  }
  return interleaved(ROUNDS, sides, (side, round, r) => {
    const share = side === 'cluster' ? `; split ${splitText(r.split, cluster)}` : '';
    console.log(`round ${round + 1} ${side.padEnd(8)} ${String(r.best).padStart(4)} calls/s  (${r.steps.join(', ')})${share}`);
  });
}

function splitText(split, { a, b }) {
  const na = split.get(a.sipHost) ?? 0;
  const nb = split.get(b.sipHost) ?? 0;
  const other = [...split.values()].reduce((s, n) => s + n, 0) - na - nb;
  const pc = (n) => (na + nb > 0 ? ((100 * n) / (na + nb)).toFixed(1) : '-');
  return `node-a ${na} (${pc(na)} %), node-b ${nb} (${pc(nb)} %)${other ? `, elsewhere ${other}` : ''}`;
}

// ---------------------------------------------------------------- 2. cross-node PUT

/** HOLD_CALLS outbound calls through node A to a sipp UAS that holds them; their sids, in progress. */
async function holdCalls(cluster) {
  const { a, b, accountSid, hooks } = cluster;
  const uas = sipp(['-sf', 'uas_rr_hold.xml', '-i', '127.0.0.1', '-p', String(await freePort()), ...(await ports()), '-m', String(HOLD_CALLS)]);
  const uasPort = Number(uas.child.spawnargs[uas.child.spawnargs.indexOf('-p') + 1]);
  await new Promise((r) => setTimeout(r, 300));
  const carrier = await ok(await a.cli.api('POST', '/v1/VoipCarriers', { name: 'hold', account_sid: accountSid }), 201, 'hold carrier');
  await ok(await a.cli.api('POST', '/v1/SipGateways', { voip_carrier_sid: carrier.sid, ipv4: '127.0.0.1', port: uasPort, inbound: false, outbound: true }), 201, 'outbound gateway');
  const sids = [];
  for (let i = 0; i < HOLD_CALLS; i++) {
    const body = { from: NUMBER, to: { type: 'phone', number: `+1555010${i}`, trunk: 'hold' }, call_hook: `${hooks}/hold` };
    sids.push((await ok(await a.cli.api('POST', `/v1/Accounts/${accountSid}/Calls`, body), 201, 'hold call')).sid);
  }
  await until(async () => {
    const live = (await b.cli.api('GET', `/v1/Accounts/${accountSid}/Calls`)).body;
    return sids.every((sid) => live.some((c) => c.call_sid === sid && c.call_status === 'in-progress' && c.fs_sip_address === a.sipHost));
  }, 15_000, 'the held calls in progress on node A');
  return { sids, uas };
}

/** The PUT client: undici's request over one kept-alive connection per node (lighter than fetch, so less of the tail is the client's). */
const putAgent = new Agent({ connections: 1, keepAliveTimeout: 60_000 });

async function timedPut(base, path, body) {
  const t0 = performance.now();
  const res = await request(`${base}${path}`, { method: 'PUT', headers: { authorization: `Bearer ${TEST_ADMIN_KEY}`, 'content-type': 'application/json' }, body, dispatcher: putAgent });
  await res.body.dump();
  return { ms: performance.now() - t0, status: res.statusCode };
}

/** PUTS PUTs through each node, alternating (A then B, B then A, …); latencies and non-202 answers. */
async function putRound(cluster, sids) {
  const { a, b, accountSid } = cluster;
  const out = { owner: [], relayed: [], errors: [] };
  const warmup = 50;
  for (let i = 0; i < PUTS + warmup; i++) {
    const path = `/v1/Accounts/${accountSid}/Calls/${sids[i % sids.length]}`;
    const body = JSON.stringify({ listen_status: i % 2 === 0 ? 'pause' : 'resume' });
    const order = i % 2 === 0 ? [[a, 'owner'], [b, 'relayed']] : [[b, 'relayed'], [a, 'owner']];
    for (const [node, key] of order) {
      const r = await timedPut(node.cli.base, path, body);
      if (r.status !== 202) out.errors.push(`${key} ${r.status}`);
      if (i >= warmup) out[key].push(r.ms);
    }
  }
  return out;
}

async function crossNodePuts(cluster) {
  const { sids, uas } = await holdCalls(cluster);
  const rounds = [];
  try {
    for (let round = 0; round < ROUNDS; round++) {
      const r = await putRound(cluster, sids);
      const q = (xs, p) => pct(xs, p);
      const row = { ownerP50: q(r.owner, 0.5), ownerP99: q(r.owner, 0.99), relayedP50: q(r.relayed, 0.5), relayedP99: q(r.relayed, 0.99), errors: r.errors };
      rounds.push(row);
      console.log(`round ${round + 1} PUT  owner (A) p50 ${row.ownerP50.toFixed(2)} ms p99 ${row.ownerP99.toFixed(2)} ms; via B p50 ${row.relayedP50.toFixed(2)} ms p99 ${row.relayedP99.toFixed(2)} ms; non-202: ${r.errors.length}${r.errors.length ? ` (${r.errors.slice(0, 3).join(', ')})` : ''}`);
    }
  } finally {
    for (const sid of sids) await cluster.a.cli.api('DELETE', `/v1/Accounts/${cluster.accountSid}/Calls/${sid}`);
    await Promise.race([uas.done, new Promise((r) => setTimeout(r, 5000))]);
    uas.child.kill('SIGKILL');
  }
  return rounds;
}

// ---------------------------------------------------------------- report

function reportRates(runs, cluster) {
  const top = RATES.at(-1);
  const best = (side) => (runs[side] ?? []).map((r) => r.best);
  const line = (label, side) => {
    const xs = best(side);
    if (!xs.length) return;
    console.log(`${label}: ${formatSpread(spread(xs), 0)} calls/s${spread(xs).median === top ? ' (top of the tested range)' : ''}`);
  };
  console.log(`\nhighest inbound rate with 0 failed calls and no backlog (all over ≤ ${SLACK} s after the step), median (min–max) of ${ROUNDS} runs:`);
  line('sipp UAC → node A (1 node, direct)         ', 'direct');
  line('sipp UAC → Kamailio → node A + node B      ', 'cluster');
  const ratio = medianRatio(best('cluster'), best('direct'));
  console.log(`ratio of the medians cluster/direct = ${Number.isFinite(ratio) ? ratio.toFixed(2) : 'n/a'}`);
  const split = new Map();
  for (const r of runs.cluster) for (const [h, n] of r.split) split.set(h, (split.get(h) ?? 0) + n);
  const na = split.get(cluster.a.sipHost) ?? 0;
  const share = na / Math.max(1, [...split.values()].reduce((s, n) => s + n, 0));
  console.log(`split over the cluster steps with 0 failures: ${splitText(split, cluster)} (goal each node 40–60 %: ${share >= 0.4 && share <= 0.6 ? 'met' : 'NOT met'})`);
  if (runs.sipp) {
    line('baseline sipp UAC → sipp UAS               ', 'sipp');
    line('baseline sipp UAC → Kamailio → sipp UAS    ', 'sipp+kam');
    const k = medianRatio(best('sipp+kam'), best('sipp'));
    console.log(`ratio of the medians through-Kamailio/direct for sipp = ${Number.isFinite(k) ? k.toFixed(2) : 'n/a'}`);
  }
}

function reportPuts(rounds) {
  const s = (key) => spread(rounds.map((r) => r[key]));
  const added = (k1, k2) => spread(rounds.map((r) => r[k1] - r[k2]));
  console.log(`\nPUT /Calls/{sid} {listen_status}, ${PUTS} per node per round on ${HOLD_CALLS} calls owned by node A, median (min–max) of ${ROUNDS} rounds:`);
  console.log(`on the owner (A):         p50 ${formatSpread(s('ownerP50'))} ms, p99 ${formatSpread(s('ownerP99'))} ms`);
  console.log(`via B (relayed to A):     p50 ${formatSpread(s('relayedP50'))} ms, p99 ${formatSpread(s('relayedP99'))} ms`);
  console.log(`added by the relay:       p50 ${formatSpread(added('relayedP50', 'ownerP50'))} ms, p99 ${formatSpread(added('relayedP99', 'ownerP99'))} ms`);
  const p99 = s('relayedP99').median;
  console.log(`goal cross-node p99 ≤ 10 ms: ${p99 <= 10 ? 'met' : 'NOT met'}; non-202 answers: ${rounds.reduce((n, r) => n + r.errors.length, 0)}`);
}

// ---------------------------------------------------------------- main

const t0 = performance.now();
let exitCode = 0;
try {
  console.log(`bench:cluster — ${ROUNDS} rounds interleaved; ${SECONDS} s per step at ${RATES.join(', ')} calls/s; ${APP_PAUSE > 0 ? `app [answer, pause ${APP_PAUSE}, hangup]` : 'app [answer, pause], the caller hangs up after its ACK'}; ${PUTS} PUTs per node per round`);
  const cluster = await startCluster();
  console.log(`started PostgreSQL, Redis, Kamailio :${cluster.kam.port}, node-a ${cluster.a.sipHost}, node-b ${cluster.b.sipHost} in ${((performance.now() - t0) / 1000).toFixed(0)} s`);
  const runs = await inboundRates(cluster);
  const puts = await crossNodePuts(cluster);
  reportRates(runs, cluster);
  reportPuts(puts);
} catch (e) {
  console.error(interrupted ? `bench:cluster interrupted (${interrupted})` : `bench:cluster failed: ${e.stack ?? e}`);
  exitCode = 1;
} finally {
  await teardown();
  console.log(`${((performance.now() - t0) / 1000).toFixed(0)} s, everything stopped`);
}
process.exit(exitCode);
