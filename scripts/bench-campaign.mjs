#!/usr/bin/env node
// npm run bench:campaign — issue 17's numbers for the campaign dialer, in two parts:
//   1. scheduler: BENCH_CONTACTS (default 20,000) contacts, a quarter each of human, voicemail,
//      busy and no-answer numbers (busy and no-answer retried once), at BENCH_CPS (default 100)
//      through the real Dialer and a real SQLite store, with a fake clock and a fake carrier that
//      answers in simulated time (no SIP, no media). Reports the achieved cps per 10 s window (of
//      simulated time), double dials (a contact with two calls at once), lost outcomes (contacts
//      not done, or attempts that differ from the calls placed), the process CPU per 1,000
//      contacts (scheduler + store: nothing else runs) and the heap every 2,000 calls (it stays
//      flat: the list is read in batches, never whole).
//   2. simulator: BENCH_SIM_CONTACTS (default 20,000; 0 skips it) through a real gateway (this
//      process) to the simulator carrier running in a process of its own (bench-sim-process.mjs),
//      at BENCH_SIM_CPS (default 100; BENCH_SIM_MAX_CONCURRENT, default 400): achieved cps per 10 s
//      window of wall time (from the simulator's call starts), double dials, lost outcomes,
//      outcomes other than the number implies, both processes' CPU per 1,000 contacts and event
//      loop delay, and the gateway's memory every 10 s.
// Build first (npm run build). Run node with --expose-gc for steadier heap figures.
import { join } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const CONTACTS = Number(process.env.BENCH_CONTACTS ?? 20_000);
const CPS = Number(process.env.BENCH_CPS ?? 100);
const SIM_CONTACTS = Number(process.env.BENCH_SIM_CONTACTS ?? 20_000);
const SIM_CPS = Number(process.env.BENCH_SIM_CPS ?? 100);
const SIM_MAX_CONCURRENT = Number(process.env.BENCH_SIM_MAX_CONCURRENT ?? 400);
const SUFFIXES = ['0100', '0101', '0486', '0487'];
const AREAS = ['212', '213', '310', '312', '415', '617', '646', '718', '202', '305', '404', '503', '602', '713', '206', '303'];

const { dialerHarness, flush } = await import(join(root, 'dist/testkit/fake-dialer.js'));

/** Unique valid NANP numbers whose last four digits pick the simulator's behaviour. */
function numberOf(i) {
  const g = Math.floor(i / 4);
  return `+1${AREAS[Math.floor(g / 800) % AREAS.length]}${200 + (g % 800)}${SUFFIXES[i % 4]}`;
}

/**
 * Starts per second in each full 10 s window (times in ms) while the campaign had work: up to the
 * first gap of more than a second (then only retries not yet due were left).
 */
function windows(times) {
  const sorted = [...times].sort((a, b) => a - b);
  const t0 = sorted[0] ?? 0;
  let last = 0;
  while (last + 1 < sorted.length && sorted[last + 1] - sorted[last] <= 1000) last++;
  const end = sorted[last] ?? 0;
  const out = [];
  for (let w = t0; w + 10_000 <= end; w += 10_000) out.push(sorted.filter((t) => t >= w && t < w + 10_000).length / 10);
  return out;
}

function report(label, rates, cps) {
  if (rates.length === 0) return console.log(`${label}: fewer than 10 s of starts`);
  const off = Math.max(...rates.map((r) => Math.abs(r - cps) / cps));
  console.log(`${label}: cps per 10 s window min ${Math.min(...rates).toFixed(1)} max ${Math.max(...rates).toFixed(1)} (target ${cps}; worst ${(off * 100).toFixed(1)} % off over ${rates.length} windows) ${off <= 0.05 ? 'PASS' : 'FAIL'} (±5 %)`);
}

/** Two calls of one number less than `gapMs` apart count as a double dial. */
function doubles(starts, gapMs) {
  const by = new Map();
  for (const s of starts) by.set(s.number, [...(by.get(s.number) ?? []), s.at]);
  let n = 0;
  for (const t of by.values()) for (let i = 1; i < t.length; i++) if (t[i] - t[i - 1] < gapMs) n++;
  return n;
}

async function attemptsOf(store, sid) {
  let sum = 0;
  for (let offset = 0; ; offset += 1000) {
    const page = await store.campaigns.listContacts(sid, { limit: 1000, offset });
    for (const c of page.data) sum += c.attempts;
    if (page.data.length < 1000) return sum;
  }
}

async function schedulerPart() {
  const h = await dialerHarness(Date.parse('2026-12-02T12:00:00Z'));
  const config = { name: 'bench', application_sid: 'app', from: '+12125550000', pacing: { cps: CPS }, timeout: 5, retry: { busy: { delay: 30, max_attempts: 2 }, 'no-answer': { delay: 30, max_attempts: 2 } } };
  const c = await h.store.campaigns.create({ account_sid: h.accountSid, name: 'bench', config });
  for (let i = 0; i < CONTACTS; i += 1000) {
    const batch = Array.from({ length: Math.min(1000, CONTACTS - i) }, (_, k) => ({ number: numberOf(i + k), timezone: null, tag: null }));
    await h.store.campaigns.addContacts(c.campaign_sid, batch);
  }
  await h.store.campaigns.update(c.campaign_sid, { state: 'running' });
  const heap = [];
  const cpu0 = process.cpuUsage();
  await h.dialer.start(await h.store.campaigns.get(c.campaign_sid));
  for (let step = 0, nextHeap = 0; ; step++) {
    h.clock.advance(5);
    await flush();
    if (h.carrier.starts.length >= nextHeap) {
      globalThis.gc?.();
      heap.push(`${nextHeap}: ${(process.memoryUsage().heapUsed / 2 ** 20).toFixed(0)} MiB`);
      nextHeap += 2000;
    }
    if (step % 200 === 0 && (await h.store.campaigns.get(c.campaign_sid)).state === 'completed') break;
  }
  const cpu = process.cpuUsage(cpu0);
  const counts = await h.store.campaigns.countContacts(c.campaign_sid);
  const notDone = counts.states.pending + counts.states.dialing + counts.states.scheduled;
  const attempts = await attemptsOf(h.store, c.campaign_sid);
  const lost = notDone + Math.abs(attempts - h.carrier.starts.length);
  const dd = doubles(h.carrier.starts, 5000);
  console.log(`scheduler: ${CONTACTS} contacts, ${h.carrier.starts.length} calls, outcomes ${JSON.stringify(counts.outcomes)}`);
  report('scheduler', windows(h.carrier.starts.map((s) => s.at)), CPS);
  console.log(`scheduler: double dials ${dd}, lost outcomes ${lost} ${dd === 0 && lost === 0 ? 'PASS' : 'FAIL'}`);
  console.log(`scheduler: CPU ${((cpu.user + cpu.system) / 1000 / (CONTACTS / 1000)).toFixed(0)} ms per 1,000 contacts (dialer + SQLite store; fake carrier)`);
  console.log(`scheduler: heap by calls placed — ${heap.join(', ')}`);
  h.carrier.starts.length = 0;
  globalThis.gc?.();
  console.log(`scheduler: heap once the bench's own record of the starts is dropped — ${(process.memoryUsage().heapUsed / 2 ** 20).toFixed(0)} MiB`);
  await h.close();
}

/** The simulator in its own process (scripts/bench-sim-process.mjs): its call starts and ends, its figures. */
async function startSimProcess(rtpMin) {
  const { mkdtempSync } = await import('node:fs');
  const { tmpdir } = await import('node:os');
  const { spawnNode } = await import('./bench-lib.mjs');
  const { p, next } = spawnNode([join(root, 'scripts/bench-sim-process.mjs'), String(rtpMin), String(rtpMin + 3999), mkdtempSync(join(tmpdir(), 'vgw-bench-sim-'))]);
  const port = JSON.parse(await next()).ready;
  const starts = [];
  const ends = [];
  const final = (async () => {
    for (;;) {
      const o = JSON.parse(await next());
      if (o.ev === 'start') starts.push({ number: o.number, at: o.at });
      else if (o.ev === 'end') ends.push(o);
      else return o;
    }
  })();
  return { port, starts, ends, async stop() { p.stdin.write('stop\n'); const f = await final; await new Promise((r) => p.on('close', r)); return f; } };
}

/** What each number's ending implies when AMD is off (docs/simulator.md). */
const EXPECTED = { '0100': 'answered', '0101': 'answered', '0486': 'busy', '0487': 'no-answer' };

async function simulatorPart() {
  const { startTestGateway, startHookServer, eventually, TEST_ADMIN_KEY } = await import(join(root, 'dist/testkit/gateway.js'));
  const { freePort } = await import(join(root, 'dist/testkit/ports.js'));
  const { DEMO_FROM } = await import(join(root, 'dist/cli/demo.js'));
  const { monitorEventLoopDelay } = await import('node:perf_hooks');
  const base = 40000 + (process.pid % 4) * 6000;
  const sim = await startSimProcess(base + 2000);
  // The gateway's own simulator stays idle (it provisions the demo account); calls go to the child.
  const t = await startTestGateway({ VGW_SIMULATOR: 'on', VGW_SIMULATOR_PORT: String(await freePort()), VGW_RTP_PORTS: `${base}-${base + 1999}` });
  const hooks = await startHookServer({ '/app': () => [{ verb: 'pause', length: 1 }, { verb: 'hangup' }] });
  const loop = monitorEventLoopDelay({ resolution: 10 });
  try {
    const account = t.gw.demo.accountSid;
    const carrier = await t.api('POST', '/v1/VoipCarriers', { name: 'bench-sim', account_sid: account });
    await t.api('POST', '/v1/SipGateways', { voip_carrier_sid: carrier.body.sid, ipv4: '127.0.0.1', port: sim.port, inbound: true, outbound: true });
    const created = await t.api('POST', `/v1/Accounts/${account}/Campaigns`, {
      name: 'bench', call_hook: `${hooks.url}/app`, from: DEMO_FROM, trunk: 'bench-sim', timeout: 2, pacing: { cps: SIM_CPS, max_concurrent: SIM_MAX_CONCURRENT },
      retry: { busy: { delay: 5, max_attempts: 2 }, 'no-answer': { delay: 5, max_attempts: 2 } },
    });
    const sid = created.body.sid;
    const numbers = Array.from({ length: SIM_CONTACTS }, (_, i) => numberOf(i));
    const csv = `number\n${numbers.join('\n')}\n`;
    const up = await fetch(`${t.base}/v1/Accounts/${account}/Campaigns/${sid}/Contacts`, { method: 'POST', headers: { authorization: `Bearer ${TEST_ADMIN_KEY}`, 'content-type': 'text/csv' }, body: csv });
    console.log(`simulator (own process, port ${sim.port}): upload ${JSON.stringify(await up.json())}`);
    globalThis.gc?.();
    const mem = [];
    const sample = setInterval(() => mem.push(`${sim.starts.length}: heap ${(process.memoryUsage().heapUsed / 2 ** 20).toFixed(0)} rss ${(process.memoryUsage().rss / 2 ** 20).toFixed(0)}`), 10_000);
    const cpu0 = process.cpuUsage();
    loop.enable();
    await t.api('PUT', `/v1/Accounts/${account}/Campaigns/${sid}`, { state: 'running' });
    await eventually(async () => (await t.api('GET', `/v1/Accounts/${account}/Campaigns/${sid}`)).body.state === 'completed', 60 * 60_000, 'completed');
    const cpu = process.cpuUsage(cpu0);
    loop.disable();
    clearInterval(sample);
    const view = (await t.api('GET', `/v1/Accounts/${account}/Campaigns/${sid}`)).body;
    const attempts = await attemptsOf(t.gw.store, sid);
    const lost = view.counts.pending + view.counts.dialing + view.counts.scheduled + Math.abs(attempts - sim.starts.length);
    const dd = doubles(sim.starts, 2000);
    let wrong = 0;
    for (let offset = 0; ; offset += 1000) {
      const page = await t.gw.store.campaigns.listContacts(sid, { limit: 1000, offset });
      for (const c of page.data) if (c.outcome !== EXPECTED[c.number.slice(-4)]) wrong++;
      if (page.data.length < 1000) break;
    }
    const s = await sim.stop();
    console.log(`simulator: ${SIM_CONTACTS} contacts, ${sim.starts.length} calls, counts ${JSON.stringify(view.counts)}`);
    report('simulator', windows(sim.starts.map((x) => x.at)), SIM_CPS);
    console.log(`simulator: cps per 10 s window: ${windows(sim.starts.map((x) => x.at)).map((r) => r.toFixed(1)).join(' ')}`);
    console.log(`simulator: double dials ${dd}, lost outcomes ${lost}, outcomes other than the number implies ${wrong} ${dd === 0 && lost === 0 && wrong === 0 ? 'PASS' : 'FAIL'}`);
    console.log(`simulator: gateway process (dialer, API, SIP, media, hook server) CPU ${((cpu.user + cpu.system) / 1000 / (SIM_CONTACTS / 1000)).toFixed(0)} ms per 1,000 contacts; event loop delay p99 ${(loop.percentile(99) / 1e6).toFixed(0)} ms, max ${(loop.max / 1e6).toFixed(0)} ms`);
    console.log(`simulator: simulator process CPU ${(s.cpu_ms / (SIM_CONTACTS / 1000)).toFixed(0)} ms per 1,000 contacts, rss ${s.rss_mib} MiB, event loop delay p99 ${s.loop_p99_ms} ms, max ${s.loop_max_ms} ms`);
    console.log(`simulator: gateway memory (MiB) by calls started — ${mem.join(', ')}`);
  } finally {
    await hooks.close();
    await t.close();
  }
}

if (CONTACTS > 0) await schedulerPart();
if (SIM_CONTACTS > 0) await simulatorPart();
