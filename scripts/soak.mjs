#!/usr/bin/env node
// npm run soak — issue 12 acceptance: SOAK_MINUTES (default 30) of mixed traffic against ONE
// `vgw start` child process (real SIP timers, T1 = 500 ms), its built-in simulator carrier and
// long-lived sipp instances; then it checks that nothing leaked: 0 live calls, one CDR per call,
// one final status per call, a flat heap after warm-up, RTP sockets given back, no restart.
// Exit code 0 only if every check passes. Loopback only. Build first: npx tsc -p tsconfig.json.
//   SOAK_MINUTES=2 npm run soak      a quick run
//   SOAK_CPS (3)                     new calls per second, all scenarios together
//   SOAK_SEED (1)                    the scenario mix of outbound calls
//   SOAK_DRAIN_SECONDS (90)          how long calls may take to end after the traffic stops (the longest lasts ~41 s)
//   SOAK_HEAP_SLOPE_MB_PER_MIN (0.5) the "flat heap" threshold (see README, "Soak")
//   SOAK_RTP_PORTS (24000-25999)     the gateway's VGW_RTP_PORTS
//   SOAK_KEEP=1                      keep the temp folder (data dir, sipp stats and error logs)
import { spawn } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { appendFileSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';

const MINUTES = Number(process.env.SOAK_MINUTES ?? 30);
const CPS = Number(process.env.SOAK_CPS ?? 3);
const SEED = Number(process.env.SOAK_SEED ?? 1);
const DRAIN_S = Number(process.env.SOAK_DRAIN_SECONDS ?? 90);
const HEAP_SLOPE_MAX = Number(process.env.SOAK_HEAP_SLOPE_MB_PER_MIN ?? 0.5);
const HEAP_SAWTOOTH_MB = 10; // what the GC's sawtooth can fake over a short window (see README, "Soak")
const RTP_PORTS = process.env.SOAK_RTP_PORTS ?? '24000-25999';
const SAMPLE_MS = 10_000;
const WARMUP = 0.2; // the first 20 % of the run is left out of the heap verdict
const KEY = 'soak-admin-key-0000000000000000000000';
const FINAL = new Set(['completed', 'failed', 'busy', 'no-answer']);
const root = new URL('..', import.meta.url).pathname;
const SIPP_DIR = join(root, 'test/sipp');
const { freePort } = await import(join(root, 'dist/testkit/ports.js'));
// mulberry32, seeded: a run's mix can be replayed.
const { prng } = await import(join(root, 'dist/kernel/random.js'));
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const MB = 1024 * 1024;

/**
 * The mix (weights: percent of SOAK_CPS). `out`: POST /Calls to the simulator (`number`) or to a
 * sipp UAS (`uas`); `inbound`: a sipp UAC calling `number` at its share of the rate. `app` names
 * the webhook answer; `expect` is the final status the call must end with.
 */
const SCENARIOS = {
  answered: { w: 25, out: { number: '+15550100' }, app: 'short', expect: 'completed' },
  busy: { w: 8, out: { number: '+15550486' }, app: 'short', expect: 'busy' },
  'unavailable-503': { w: 7, out: { number: '+15550503' }, app: 'short', expect: 'failed' },
  'no-answer': { w: 10, out: { number: '+15550487', ringTimeout: [2, 5] }, app: 'short', expect: 'no-answer' },
  'lost-ack': { w: 8, inbound: { scenario: 'uac_no_ack.xml', number: '4930555001', extra: [] }, app: 'answer-hold', expect: 'completed' },
  'cancel-40s': { w: 8, inbound: { scenario: 'uac_cancel.xml', number: '4930555002', extra: ['-d', '40000'] }, app: 'ring-hold', expect: 'no-answer' },
  'ssrc-change': { w: 10, out: { uas: 'soak_uas_ssrc_change.xml' }, app: 'ssrc', expect: 'completed' },
  // sipp counts its wait for the ACK that can never reach bad.invalid as a failed call: expected.
  'bad-contact': { w: 6, out: { uas: 'uas_answer_bad_contact.xml', timeLimit: 1 }, app: 'hold', expect: 'completed', sippFailsOnAckTimeout: true },
  'hook-500': { w: 6, out: { number: '+15550100' }, app: 'http-500', expect: 'completed' },
  'hook-bad-json': { w: 6, out: { number: '+15550100' }, app: 'bad-json', expect: 'completed' },
  'hook-no-reply': { w: 6, out: { number: '+15550100' }, app: 'no-reply', expect: 'completed' },
};
const json = (verbs) => (res) => { res.writeHead(200, { 'content-type': 'application/json' }); res.end(JSON.stringify(verbs())); };
/** What each application webhook answers. Pause never answers an inbound call; `answer` does. */
const APPS = {
  short: json(() => [{ verb: 'pause', length: 1 + Math.floor(Math.random() * 3) }, { verb: 'hangup' }]),
  'answer-hold': json(() => [{ verb: 'answer' }, { verb: 'pause', length: 60 }]),
  'ring-hold': json(() => [{ verb: 'pause', length: 60 }]),
  ssrc: json(() => [{ verb: 'pause', length: 9 }, { verb: 'hangup' }]),
  hold: json(() => [{ verb: 'pause', length: 30 }]),
  'http-500': (res) => { res.writeHead(500, { 'content-type': 'text/plain' }); res.end('soak: failing on purpose'); },
  'bad-json': (res) => { res.writeHead(200, { 'content-type': 'application/json' }); res.end('[{"verb": "pause", "length": '); },
  'no-reply': (res, held) => { held.add(res); res.on('close', () => held.delete(res)); }, // past the 5 s webhook timeout
};


// ---- the gateway: one child process for the whole soak ----------------------------------------

function startGateway(work, ports) {
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('VGW_')));
  Object.assign(env, {
    VGW_DATA_DIR: join(work, 'data'), VGW_HTTP_ADDRESS: '127.0.0.1', VGW_HTTP_PORT: String(ports.http),
    VGW_SIP_ADDRESS: '127.0.0.1', VGW_SIP_PORT: String(ports.sip), VGW_SIMULATOR: 'on', VGW_SIMULATOR_PORT: String(ports.sim),
    VGW_RTP_PORTS: RTP_PORTS, VGW_ADMIN_API_KEY: KEY, VGW_LOG_LEVEL: 'warn',
  });
  const child = spawn(process.execPath, [join(root, 'bin/vgw.js'), 'start'], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  const gw = { child, pid: child.pid, exit: null, base: `http://127.0.0.1:${ports.http}`, log: { counts: new Map(), examples: new Map(), errors: [], other: [], gcClosedFds: 0 } };
  child.on('exit', (code, signal) => { gw.exit = { code, signal, atMin: minutes() }; });
  for (const stream of [child.stdout, child.stderr]) createInterface({ input: stream }).on('line', (l) => logLine(gw.log, l));
  return gw;
}

/** The gateway logs one JSON object per line (warn and up here); anything else is kept as text. */
function logLine(log, line) {
  let rec;
  try {
    rec = JSON.parse(line);
  } catch {
    // Node's own warning for a FileHandle nobody closed: a leaked file, closed only by the GC.
    const gcClosed = /Closing file descriptor \d+ on garbage collection/.test(line);
    if (gcClosed) log.gcClosedFds++;
    if (line.trim() && log.other.length < 50 && (!gcClosed || log.gcClosedFds === 1)) log.other.push(line);
    return;
  }
  const key = `${rec.level}: ${rec.msg}`;
  log.counts.set(key, (log.counts.get(key) ?? 0) + 1);
  if (!log.examples.has(key)) log.examples.set(key, line);
  if (rec.level === 'error' && log.errors.length < 40) log.errors.push(line);
}

async function api(method, path, body) {
  const r = await fetch(`${gw.base}${path}`, { signal: AbortSignal.timeout(15_000), method, headers: { authorization: `Bearer ${KEY}`, ...(body ? { 'content-type': 'application/json' } : {}) }, body: body ? JSON.stringify(body) : undefined });
  const text = await r.text();
  return { status: r.status, body: text ? JSON.parse(text) : undefined };
}

async function must(method, path, body) {
  const r = await api(method, path, body);
  if (r.status >= 300) throw new Error(`${method} ${path} → ${r.status} ${JSON.stringify(r.body)}`);
  return r.body;
}

// ---- the webhook server: applications, status hooks, notifyUrl --------------------------------

/** Every call we learn of (201 or a webhook), by sid. */
const calls = new Map();
function callRec(sid, kind) {
  let c = calls.get(sid);
  if (!c) calls.set(sid, (c = { kind, acked: false, inbound: false, statuses: [], notifies: [] }));
  return c;
}

function startHooks() {
  const held = new Set();
  const unexpected = [];
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (d) => { body += d; });
    req.on('end', () => {
      const [, what, name] = req.url.split('?')[0].split('/');
      let j = {};
      try { j = JSON.parse(body || '{}'); } catch { unexpected.push(`unparsable body at ${req.url}`); }
      if (what === 'app' && APPS[name]) {
        if (j.direction === 'inbound') callRec(j.call_sid, inboundKind(name)).inbound = true;
        APPS[name](res, held);
        return;
      }
      if ((what === 'status' || what === 'notify') && SCENARIOS[name] && j.call_sid) {
        const c = callRec(j.call_sid, name);
        if (j.direction === 'inbound') c.inbound = true;
        if (FINAL.has(j.call_status)) (what === 'status' ? c.statuses : c.notifies).push({ status: j.call_status, sip: j.sip_status });
      } else if (unexpected.length < 20) unexpected.push(`${req.method} ${req.url}`);
      res.writeHead(204);
      res.end();
    });
  });
  return new Promise((r) => server.listen(0, '127.0.0.1', () => r({ server, held, unexpected, url: `http://127.0.0.1:${server.address().port}` })));
}
const inboundKind = (app) => Object.entries(SCENARIOS).find(([, s]) => s.inbound && s.app === app)?.[0] ?? `unknown app ${app}`;

// ---- provisioning through the REST API ---------------------------------------------------------

async function provision(hooksUrl, simPort) {
  const out = (await must('POST', '/v1/Accounts', { name: 'soak-outbound', allow_any_caller_id: true })).sid;
  const inb = (await must('POST', '/v1/Accounts', { name: 'soak-inbound' })).sid;
  const sim = (await must('POST', '/v1/VoipCarriers', { name: 'sim', account_sid: out, is_default: true })).sid;
  await must('POST', '/v1/SipGateways', { voip_carrier_sid: sim, ipv4: '127.0.0.1', port: simPort, inbound: false, outbound: true, protocol: 'udp' });
  const ingress = (await must('POST', '/v1/VoipCarriers', { name: 'sipp-ingress', account_sid: inb })).sid;
  await must('POST', '/v1/SipGateways', { voip_carrier_sid: ingress, ipv4: '127.0.0.1', netmask: 32, inbound: true, outbound: false });
  const apps = {};
  for (const [kind, s] of Object.entries(SCENARIOS)) {
    const account_sid = s.inbound ? inb : out;
    apps[kind] = (await must('POST', '/v1/Applications', { name: `soak ${kind}`, account_sid, call_hook: `${hooksUrl}/app/${s.app}`, call_status_hook: `${hooksUrl}/status/${kind}` })).sid;
    if (s.inbound) await must('POST', '/v1/PhoneNumbers', { number: `+${s.inbound.number}`, account_sid, application_sid: apps[kind], voip_carrier_sid: ingress });
  }
  return { out, inb, apps };
}

// ---- sipp: long-lived instances, stopped with SIGUSR1 (soft exit: no new calls, let calls end) --

async function startSipp(work, name, args) {
  const [port, mediaPort, controlPort] = [await freePort(), await freePort(), await freePort()];
  const stats = join(work, `sipp-${name}.csv`);
  const all = [...args, '-i', '127.0.0.1', '-p', String(port), '-mi', '127.0.0.1', '-mp', String(mediaPort), '-cp', String(controlPort),
    '-l', '2000', '-nostdin', '-trace_stat', '-stf', stats, '-fd', '10', '-trace_err', '-error_file', join(work, `sipp-${name}-errors.log`)];
  const child = spawn('sipp', all, { cwd: SIPP_DIR, stdio: ['ignore', 'ignore', 'pipe'] });
  const s = { name, port, child, stderr: '', exit: null, statsFile: stats, errorFile: join(work, `sipp-${name}-errors.log`) };
  child.stderr.on('data', (d) => { if (s.stderr.length < 4000) s.stderr += d; });
  s.done = new Promise((r) => child.on('exit', (code, signal) => { s.exit = { code, signal }; r(); }));
  return s;
}

/** sipp's last statistics line (-trace_stat), by column name. */
function sippStats(s) {
  if (!existsSync(s.statsFile)) return {};
  const lines = readFileSync(s.statsFile, 'utf8').trim().split('\n');
  if (lines.length < 2) return {};
  const head = lines[0].split(';');
  const last = lines[lines.length - 1].split(';');
  const v = (k) => Number(last[head.indexOf(k)] ?? NaN);
  return { created: v('TotalCallCreated'), incoming: v('IncomingCall(C)'), ok: v('SuccessfulCall(C)'), failed: v('FailedCall(C)'), unexpected: v('FailedUnexpectedMessage(C)') };
}

/** A sipp UAS is ready once its SIP port is taken. */
async function bound(port) {
  for (let i = 0; i < 100; i++) {
    const taken = await new Promise((r) => {
      const u = createSocket('udp4');
      u.once('error', () => r(true));
      u.bind(port, '127.0.0.1', () => u.close(() => r(false)));
    });
    if (taken) return;
    await sleep(50);
  }
  throw new Error(`sipp did not bind ${port}`);
}

// ---- traffic -----------------------------------------------------------------------------------

const posts = new Map(); // kind → { posted, acked, refused: Map(status → n) }
function placeCall(kind, ids, hooksUrl, uasPorts, rand) {
  const s = SCENARIOS[kind].out;
  const to = s.uas ? { type: 'sip', sipUri: `sip:${kind}@127.0.0.1:${uasPorts[kind]}` } : { type: 'phone', number: s.number };
  const body = { application_sid: ids.apps[kind], from: '+15557770000', to, notifyUrl: `${hooksUrl}/notify/${kind}` };
  if (s.ringTimeout) body.timeout = s.ringTimeout[0] + Math.floor(rand() * (s.ringTimeout[1] - s.ringTimeout[0] + 1));
  if (s.timeLimit) body.timeLimit = s.timeLimit;
  const p = posts.get(kind) ?? { posted: 0, acked: 0, refused: new Map() };
  posts.set(kind, p);
  p.posted++;
  const refuse = (why) => p.refused.set(why, (p.refused.get(why) ?? 0) + 1);
  return api('POST', `/v1/Accounts/${ids.out}/Calls`, body).then((r) => {
    if (r.status === 201) {
      p.acked++;
      callRec(r.body.sid, kind).acked = true;
    } else refuse(`${r.status} ${r.body?.msg ?? r.body?.message ?? ''}`);
  }, (e) => refuse(`fetch: ${e.message}`));
}

/** Outbound calls at their share of SOAK_CPS until `until` (or until the gateway exits). */
async function outboundTraffic(until, ids, hooksUrl, uasPorts) {
  const rand = prng(SEED);
  const kinds = Object.entries(SCENARIOS).filter(([, s]) => s.out);
  const total = kinds.reduce((n, [, s]) => n + s.w, 0);
  const rate = (CPS * total) / 100;
  const pending = new Set();
  const t0 = Date.now();
  let started = 0;
  while (Date.now() < until && !gw.exit) {
    const due = Math.floor(((Date.now() - t0) / 1000) * rate);
    for (; started < due; started++) {
      let x = rand() * total;
      const [kind] = kinds.find(([, s]) => (x -= s.w) < 0) ?? kinds[kinds.length - 1];
      const p = placeCall(kind, ids, hooksUrl, uasPorts, rand);
      pending.add(p);
      p.finally(() => pending.delete(p));
    }
    await sleep(50);
  }
  await Promise.all(pending);
}

// ---- samples -----------------------------------------------------------------------------------

const t0 = Date.now();
const minutes = () => (Date.now() - t0) / 60_000;

function parseMetrics(text) {
  const m = new Map();
  for (const line of text.split('\n')) {
    if (!line || line.startsWith('#')) continue;
    const i = line.lastIndexOf(' ');
    m.set(line.slice(0, i), Number(line.slice(i + 1)));
  }
  return m;
}

async function sample() {
  const m = parseMetrics(await (await fetch(`${gw.base}/metrics`, { signal: AbortSignal.timeout(15_000) })).text());
  let live = 0;
  for (const a of await must('GET', '/v1/Accounts')) live += (await must('GET', `/v1/Accounts/${a.account_sid}/Calls`)).length;
  const g = (k) => m.get(k) ?? NaN;
  return {
    t: minutes(), live, active: g('vgw_active_calls'), heap: g('vgw_process_nodejs_heap_size_used_bytes') / MB,
    rss: g('vgw_process_process_resident_memory_bytes') / MB, external: g('vgw_process_nodejs_external_memory_bytes') / MB, fds: g('vgw_process_process_open_fds'),
    udp: g('vgw_process_nodejs_active_resources{type="UDPWrap"}') || 0, timers: g('vgw_process_nodejs_active_resources{type="Timeout"}') || 0,
    lagP99: g('vgw_process_nodejs_eventloop_lag_p99_seconds') * 1000, started: g('vgw_process_process_start_time_seconds'),
  };
}

/** Least-squares slope of y over x. */
function slope(points) {
  const n = points.length;
  if (n < 2) return NaN;
  const mx = points.reduce((a, p) => a + p[0], 0) / n;
  const my = points.reduce((a, p) => a + p[1], 0) / n;
  const sxy = points.reduce((a, p) => a + (p[0] - mx) * (p[1] - my), 0);
  const sxx = points.reduce((a, p) => a + (p[0] - mx) ** 2, 0);
  return sxy / sxx;
}

// ---- the end: CDRs and checks --------------------------------------------------------------------

async function allCdrs(accountSid) {
  const rows = [];
  for (let page = 1; ; page++) {
    const r = await must('GET', `/v1/Accounts/${accountSid}/RecentCalls?count=500&page=${page}`);
    rows.push(...r.data);
    if (r.data.length < 500 || rows.length >= r.total) return { rows, total: r.total };
  }
}

/** One CDR per expected sid: none missing, no duplicates, none we never heard of. */
function compareCdrs(label, cdrs, expected) {
  const seen = new Map();
  for (const c of cdrs.rows) seen.set(c.call_sid, (seen.get(c.call_sid) ?? 0) + 1);
  const dup = [...seen].filter(([, n]) => n > 1).map(([s]) => s);
  const missing = [...expected].filter((s) => !seen.has(s));
  const extra = [...seen.keys()].filter((s) => !expected.has(s));
  const ok = dup.length === 0 && missing.length === 0 && extra.length === 0 && cdrs.total === cdrs.rows.length;
  return { ok, text: `${label}: ${expected.size} calls, ${cdrs.rows.length} CDRs (total ${cdrs.total}); duplicates ${dup.length}, missing ${missing.length}${missing.length ? ` (${missing.slice(0, 5).join(', ')})` : ''}, unknown ${extra.length}${extra.length ? ` (${extra.slice(0, 5).join(', ')})` : ''}` };
}

function heapVerdict(samples, runMinutes) {
  const after = samples.filter((s) => s.t >= runMinutes * WARMUP && s.t <= runMinutes);
  const heap = after.map((s) => s.heap);
  const slopeMb = slope(after.map((s) => [s.t, s.heap]));
  const rssSlope = slope(after.map((s) => [s.t, s.rss]));
  const extSlope = slope(after.map((s) => [s.t, s.external]));
  const window = runMinutes * (1 - WARMUP);
  const limit = Math.max(HEAP_SLOPE_MAX, HEAP_SAWTOOTH_MB / window);
  const ok = after.length >= 5 && slopeMb <= limit;
  return { ok, text: `heap used after warm-up (${after.length} samples, ${(runMinutes * WARMUP).toFixed(1)}–${runMinutes.toFixed(1)} min): slope ${slopeMb.toFixed(3)} MB/min (flat: ≤ ${limit.toFixed(2)}), min ${Math.min(...heap).toFixed(1)} MB, max ${Math.max(...heap).toFixed(1)} MB; RSS slope ${rssSlope.toFixed(3)} MB/min, min ${Math.min(...after.map((s) => s.rss)).toFixed(0)} MB, max ${Math.max(...after.map((s) => s.rss)).toFixed(0)} MB; external (Buffers) slope ${extSlope.toFixed(3)} MB/min, max ${Math.max(...after.map((s) => s.external)).toFixed(1)} MB` };
}

function scenarioTable(cdrBySid) {
  const lines = [];
  let ok = true;
  for (const [kind, s] of Object.entries(SCENARIOS)) {
    const mine = [...calls.entries()].filter(([, c]) => c.kind === kind && (c.acked || c.inbound));
    const finals = new Map();
    const reasons = new Map();
    let wrong = 0;
    for (const [sid, c] of mine) {
      const f = c.statuses.map((x) => x.status).join('+') || 'none';
      finals.set(f, (finals.get(f) ?? 0) + 1);
      if (f !== s.expect) wrong++;
      const cdr = cdrBySid.get(sid);
      const r = cdr ? `${cdr.sip_status ?? '-'} ${cdr.termination_reason ?? '-'}` : 'no CDR';
      reasons.set(r, (reasons.get(r) ?? 0) + 1);
    }
    if (wrong > 0) ok = false;
    const p = posts.get(kind);
    const head = s.out ? `posted ${p?.posted ?? 0}, 201 ${p?.acked ?? 0}${p?.refused.size ? `, refused ${JSON.stringify(Object.fromEntries(p.refused))}` : ''}` : `inbound ${mine.length}`;
    const fmt = (m) => [...m].sort((a, b) => b[1] - a[1]).map(([k, n]) => `${k} ×${n}`).join(', ');
    lines.push(`  ${kind.padEnd(16)} ${head}; final status: ${fmt(finals)}${wrong ? ` — ${wrong} not "${s.expect}"` : ''}; CDR: ${fmt(reasons)}`);
  }
  return { ok, text: lines.join('\n') };
}

// ---- main --------------------------------------------------------------------------------------

const work = mkdtempSync(join(tmpdir(), 'vgw-soak-'));
const ports = { http: await freePort(), sip: await freePort(), sim: await freePort() };
const gw = startGateway(work, ports);
const sipps = [];
let hooks;
const cleanup = () => {
  for (const s of sipps) if (!s.exit) s.child.kill('SIGKILL');
  if (!gw.exit) gw.child.kill('SIGKILL');
};
process.on('SIGINT', () => { cleanup(); process.exit(130); });

async function waitHealthy() {
  for (let i = 0; i < 400 && !gw.exit; i++) {
    if (await fetch(`${gw.base}/health`).then((r) => r.status === 200, () => false)) return;
    await sleep(50);
  }
  throw new Error(`the gateway did not start: ${JSON.stringify(gw.exit)} ${gw.log.other.join('\n')}`);
}

async function run() {
  await waitHealthy();
  hooks = await startHooks();
  const ids = await provision(hooks.url, ports.sim);
  const uasPorts = {};
  for (const [kind, s] of Object.entries(SCENARIOS).filter(([, x]) => x.out?.uas)) {
    const u = await startSipp(work, kind, ['-sf', s.out.uas]);
    sipps.push(u);
    uasPorts[kind] = u.port;
    await bound(u.port);
  }
  console.log(`soak: ${MINUTES} min at ${CPS} calls/s; gateway pid ${gw.pid} (http ${ports.http}, sip ${ports.sip}, simulator ${ports.sim}, rtp ${RTP_PORTS}); work dir ${work}`);
  const samples = [await sample()];
  const baseline = samples[0];
  for (const [kind, s] of Object.entries(SCENARIOS).filter(([, x]) => x.inbound)) {
    const periodMs = Math.round(1000 / ((CPS * s.w) / 100));
    sipps.push(await startSipp(work, kind, [`127.0.0.1:${ports.sip}`, '-sf', s.inbound.scenario, '-s', s.inbound.number, '-r', '1', '-rp', String(periodMs), ...s.inbound.extra]));
  }
  const sampler = setInterval(() => {
    sample().then((s) => {
      samples.push(s);
      appendFileSync(join(work, 'samples.csv'), `${Object.values(s).join(',')}\n`);
      if (samples.length % 6 === 1) console.log(`  t=${s.t.toFixed(1)} min live=${s.live} active=${s.active} heap=${s.heap.toFixed(1)} MB rss=${s.rss.toFixed(0)} MB fds=${s.fds} udp=${s.udp} timers=${s.timers} lag p99=${s.lagP99.toFixed(0)} ms calls=${calls.size}`);
    }, (e) => console.log(`  sample failed: ${e.message}`));
  }, SAMPLE_MS);
  await outboundTraffic(t0 + MINUTES * 60_000, ids, hooks.url, uasPorts);
  const runMinutes = minutes();
  for (const s of sipps) if (!s.exit) s.child.kill('SIGUSR1');
  console.log(`traffic stopped at ${runMinutes.toFixed(1)} min; draining (≤ ${DRAIN_S} s)`);
  const drained = await drain(DRAIN_S * 1000);
  clearInterval(sampler);
  await settle();
  const end = await sample().catch(() => undefined);
  return report({ ids, samples, baseline, end, drained, runMinutes });
}

/** Until no call is live (API and metric) and every sipp has ended, at most `ms`. */
async function drain(ms) {
  const until = Date.now() + ms;
  while (Date.now() < until && !gw.exit) {
    const s = await sample().catch(() => undefined);
    if (s && s.live === 0 && s.active === 0 && sipps.every((x) => x.exit)) return { ok: true, seconds: (ms - (until - Date.now())) / 1000 };
    await sleep(1000);
  }
  for (const s of sipps) if (!s.exit) s.child.kill('SIGKILL');
  return { ok: false, seconds: ms / 1000 };
}

/** Final status hooks may trail the call's end a little; idle HTTP keep-alive sockets close after 10 s. */
async function settle() {
  const until = Date.now() + 15_000;
  const pendingHooks = () => [...calls.values()].some((c) => (c.acked || c.inbound) && c.statuses.length === 0);
  while (Date.now() < until && pendingHooks()) await sleep(250);
  await sleep(Math.max(0, until - Date.now()));
}

async function report({ ids, samples, baseline, end, drained, runMinutes }) {
  const checks = [];
  const check = (ok, text) => checks.push({ ok, text });
  check(!gw.exit && new Set(samples.map((s) => s.started)).size === 1 && (await fetch(`${gw.base}/health`).then((r) => r.status, () => 0)) === 200,
    `gateway pid ${gw.pid} never exited (exit: ${JSON.stringify(gw.exit)}), one process start time, /health 200 at the end`);
  check(drained.ok && end?.live === 0 && end?.active === 0, `drained in ${drained.seconds.toFixed(0)} s: live calls ${end?.live} (GET /Calls, every account), vgw_active_calls ${end?.active}`);
  check(end?.udp === baseline.udp, `UDP sockets: ${baseline.udp} before traffic, peak ${Math.max(...samples.map((s) => s.udp))}, ${end?.udp} after (RTP/RTCP pairs given back)`);
  check(end?.fds <= baseline.fds + 10, `open fds: ${baseline.fds} before traffic, peak ${Math.max(...samples.map((s) => s.fds))}, ${end?.fds} after (≤ before + 10); timers ${baseline.timers} before, ${end?.timers} after`);
  check(gw.log.gcClosedFds === 0, `files left for the garbage collector to close ("Closing file descriptor N on garbage collection"): ${gw.log.gcClosedFds}`);
  const heap = heapVerdict(samples, runMinutes);
  check(heap.ok, heap.text);
  const outCdrs = await allCdrs(ids.out);
  const inCdrs = await allCdrs(ids.inb);
  const outSids = new Set([...calls].filter(([, c]) => c.acked).map(([s]) => s));
  const inSids = new Set([...calls].filter(([, c]) => c.inbound).map(([s]) => s));
  const o = compareCdrs('outbound (201)', outCdrs, outSids);
  const i = compareCdrs('inbound (seen at the webhooks)', inCdrs, inSids);
  check(o.ok, o.text);
  check(i.ok, i.text);
  const uacs = sipps.filter((s) => SCENARIOS[s.name].inbound).map((s) => [s, sippStats(s)]);
  const created = uacs.reduce((n, [, st]) => n + (st.created || 0), 0);
  check(created === inSids.size && created === inCdrs.rows.length, `inbound: sipp placed ${created} calls, the webhooks saw ${inSids.size}, RecentCalls holds ${inCdrs.rows.length}`);
  for (const s of sipps) check(...sippVerdict(s));
  const tracked = [...calls.values()].filter((c) => c.acked || c.inbound);
  const oneFinal = tracked.filter((c) => c.statuses.length !== 1 || (!c.inbound && c.notifies.length !== 1));
  check(oneFinal.length === 0, `exactly one final status per call at call_status_hook (and notifyUrl, outbound): ${tracked.length - oneFinal.length}/${tracked.length}`);
  const cdrBySid = new Map([...outCdrs.rows, ...inCdrs.rows].map((c) => [c.call_sid, c]));
  const table = scenarioTable(cdrBySid);
  check(table.ok, 'every scenario ended with its expected final status');
  check(hooks.unexpected.length === 0, `webhook server: ${hooks.unexpected.length} unexpected requests ${hooks.unexpected.slice(0, 5).join('; ')}`);
  print({ checks, table, samples, runMinutes });
  return checks.every((c) => c.ok);
}

/** A sipp instance: no failed call (bad-contact: none but its ACK timeouts), every call we placed reached it, it ended by itself. */
function sippVerdict(s) {
  const st = sippStats(s);
  const sc = SCENARIOS[s.name];
  const failedOk = sc.sippFailsOnAckTimeout ? st.unexpected === 0 : st.failed === 0;
  const reached = sc.out ? st.incoming === (posts.get(s.name)?.acked ?? 0) : true;
  const text = `sipp ${s.name}: created ${st.created}, successful ${st.ok}, failed ${st.failed}${sc.sippFailsOnAckTimeout ? ' (its ACK timeouts; unexpected messages ' + st.unexpected + ')' : ''}${sc.out ? `, INVITEs received ${st.incoming} of ${posts.get(s.name)?.acked ?? 0}` : ''}, exit ${JSON.stringify(s.exit)}`;
  const detail = failedOk ? '' : `\n      ${firstLines(s.errorFile, 8)}`;
  return [failedOk && reached && s.exit?.signal !== 'SIGKILL', text + detail];
}

function firstLines(file, n) {
  return existsSync(file) ? readFileSync(file, 'utf8').split('\n').filter(Boolean).slice(0, n).join('\n      ') : '(no error file)';
}

function print({ checks, table, samples, runMinutes }) {
  const during = samples.filter((s) => s.t <= runMinutes);
  const lag = during.slice(1).map((s) => s.lagP99).filter(Number.isFinite).sort((a, b) => a - b);
  console.log(`\nscenarios (${calls.size} calls):\n${table.text}`);
  console.log(`live calls during traffic: max ${Math.max(...during.map((s) => s.live))}; event-loop lag p99 per 10 s: median ${lag[Math.floor(lag.length / 2)]?.toFixed(1)} ms, max ${lag.at(-1)?.toFixed(1)} ms`);
  const log = [...gw.log.counts].sort((a, b) => b[1] - a[1]);
  console.log(`gateway log (warn and up): ${log.length ? '' : 'nothing'}`);
  for (const [k, n] of log.slice(0, 15)) console.log(`  ${String(n).padStart(6)} × ${k}\n           e.g. ${gw.log.examples.get(k).slice(0, 400)}`);
  if (gw.log.errors.length) console.log(`error lines (first ${gw.log.errors.length}):\n  ${gw.log.errors.join('\n  ')}`);
  if (gw.log.other.length) console.log(`other output:\n  ${gw.log.other.join('\n  ')}`);
  console.log('\nchecks:');
  for (const c of checks) console.log(`  ${c.ok ? 'PASS' : 'FAIL'}  ${c.text}`);
}

let ok = false;
try {
  ok = await run();
} catch (e) {
  console.error(`soak aborted: ${e.stack ?? e}`);
}
for (const r of hooks?.held ?? []) r.destroy();
hooks?.server.close();
if (!gw.exit) {
  gw.child.kill('SIGTERM');
  await Promise.race([new Promise((r) => gw.child.once('exit', r)), sleep(10_000)]);
}
cleanup();
if (process.env.SOAK_KEEP) console.log(`kept ${work}`);
else rmSync(work, { recursive: true, force: true });
console.log(ok ? '\nsoak: PASS' : '\nsoak: FAIL');
process.exit(ok ? 0 : 1);
