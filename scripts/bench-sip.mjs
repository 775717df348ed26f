#!/usr/bin/env node
// npm run bench:sip — call setups per second with 0 failed calls:
//   ours:  our UAC (dist/) → sipp UAS, rising rates
//   base:  sipp UAC → sipp UAS at the same rates, in the same run
// Each step places calls for SECONDS seconds (INVITE, 200, ACK, BYE, 200); a ramp stops at the
// first step with a failure. Both ramps run BENCH_ROUNDS times (default 3), interleaved (ours,
// sipp, ours, sipp …) so that a slow phase of a shared machine hits both; prints per side the
// median of the highest rate with 0 failures with its min–max, and the verdict on the ratio of
// the medians. Loopback only; every step is bounded. About 1–1.5 min per round when both ramps
// reach the top of the range (build first).
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 4);
const RATES = (process.env.BENCH_RATES ?? '200,400,800,1200,1600,2000,2500,3000').split(',').map(Number);
const root = new URL('..', import.meta.url).pathname;
const { parseRounds, interleaved, spread, formatSpread, medianRatio } = await import(join(root, 'dist/testkit/bench-rounds.js'));
const ROUNDS = parseRounds(process.env.BENCH_ROUNDS, 3);
const { createSipStack } = await import(join(root, 'dist/sip/index.js'));
const { systemClock } = await import(join(root, 'dist/kernel/clock.js'));
const { nullLogger } = await import(join(root, 'dist/kernel/logger.js'));
const { freePort } = await import(join(root, 'dist/testkit/ports.js'));
const SIPP = join(root, 'test/sipp');
const SDP = 'v=0\r\no=b 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio 40000 RTP/AVP 0\r\na=rtpmap:0 PCMU/8000\r\n';

function sipp(args) {
  const dir = mkdtempSync(join(tmpdir(), 'bench-sipp-'));
  const child = spawn('sipp', [...args, '-nostdin', '-trace_stat', '-stf', join(dir, 'stat.csv'), '-trace_screen', '-screen_file', join(dir, 'screen.log')], { stdio: 'ignore', cwd: SIPP });
  const done = new Promise((resolve) => child.on('exit', (code) => {
    let screen = '';
    try { screen = readFileSync(join(dir, 'screen.log'), 'utf8'); } catch { /* sipp died before writing */ }
    const grab = (label) => Number((screen.split('\n').filter((l) => l.includes(label)).pop() ?? '').split('|')[2]?.trim() ?? 0) || 0;
    resolve({ code, ok: grab('Successful call'), failed: grab('Failed call'), retrans: grab('Retransmissions') });
  }));
  return { child, done };
}

async function uas(port) {
  const mp = await freePort();
  const cp = await freePort();
  const run = sipp(['-sf', 'uas_bench.xml', '-i', '127.0.0.1', '-p', String(port), '-mi', '127.0.0.1', '-mp', String(mp), '-cp', String(cp), '-timeout', `${SECONDS + 15}s`]);
  await new Promise((r) => setTimeout(r, 300));
  return run;
}

async function oursAt(rate) {
  const port = await freePort();
  const server = await uas(port);
  const stack = await createSipStack({ clock: systemClock, logger: nullLogger, bindAddress: '127.0.0.1', port: 0, publicAddress: '127.0.0.1' });
  const total = rate * SECONDS;
  let ok = 0; let failed = 0; let started = 0;
  const uri = { scheme: 'sip', user: 'bench', host: '127.0.0.1', port, params: {}, headers: {} };
  const from = { uri: { scheme: 'sip', user: 'ours', host: '127.0.0.1', port: stack.transport.port, params: {}, headers: {} } };
  const t0 = performance.now();
  await new Promise((resolve) => {
    const finish = () => { if (ok + failed === total) resolve(); };
    const tick = setInterval(() => {
      const due = Math.min(total, Math.floor(((performance.now() - t0) / 1000) * rate));
      for (; started < due; started++) {
        const inv = stack.ua.invite({ uri, from, body: SDP });
        inv.on('answered', (d) => { d.bye().then((r) => { if ('status' in r && r.status === 200) ok++; else failed++; finish(); }); });
        inv.on('failed', () => { failed++; finish(); });
      }
      if (started >= total) clearInterval(tick);
    }, 5);
    setTimeout(resolve, (SECONDS + 12) * 1000);
  });
  await stack.close();
  server.child.kill('SIGINT');
  const s = await server.done;
  return { ok, failed: failed + (total - ok - failed), peerFailed: s.failed };
}

async function sippAt(rate) {
  const port = await freePort();
  const server = await uas(port);
  const mp = await freePort();
  const cp = await freePort();
  const client = sipp([`127.0.0.1:${port}`, '-sf', 'uac_bench.xml', '-i', '127.0.0.1', '-p', String(await freePort()), '-mi', '127.0.0.1', '-mp', String(mp), '-cp', String(cp), '-r', String(rate), '-m', String(rate * SECONDS), '-l', String(rate * 4), '-timeout', `${SECONDS + 12}s`]);
  const c = await client.done;
  server.child.kill('SIGINT');
  await server.done;
  return { ok: c.ok, failed: c.failed + (rate * SECONDS - c.ok - c.failed) };
}

/** One ramp: rising rates until the first step with a failure; the highest rate with none. */
async function highest(fn) {
  let best = 0;
  const steps = [];
  for (const rate of RATES) {
    const r = await fn(rate);
    steps.push(r.failed > 0 ? `${rate} failed=${r.failed}/${r.ok + r.failed}` : `${rate} ok`);
    if (r.failed > 0) break;
    best = rate;
  }
  return { best, steps };
}

const top = RATES.at(-1);
const t0 = performance.now();
console.log(`bench:sip — ${SECONDS} s per step, rates ${RATES.join(', ')} calls/s (loopback, UDP), ${ROUNDS} rounds interleaved`);
const runs = await interleaved(ROUNDS, [
  { name: 'ours', run: () => highest(oursAt) },
  { name: 'sipp', run: () => highest(sippAt) },
], (side, round, r) => console.log(`round ${round + 1} ${side.padEnd(4)} ${String(r.best).padStart(5)} calls/s  (${r.steps.join(', ')})`));
const ours = runs.ours.map((r) => r.best);
const base = runs.sipp.map((r) => r.best);
const topNote = (xs) => (spread(xs).median === top ? ' (top of the tested range)' : '');
const ratio = medianRatio(ours, base);
console.log('');
console.log(`highest rate with 0 failures, median (min–max) of ${ROUNDS} runs:`);
console.log(`sipp UAC → sipp UAS: ${formatSpread(spread(base), 0)} calls/s${topNote(base)}`);
console.log(`our UAC  → sipp UAS: ${formatSpread(spread(ours), 0)} calls/s${topNote(ours)}`);
console.log(`ratio of the medians ours/sipp = ${Number.isFinite(ratio) ? ratio.toFixed(2) : 'n/a'} (goal ≥ 0.5: ${ratio >= 0.5 ? 'met' : 'NOT met'}); ${((performance.now() - t0) / 1000).toFixed(0)} s`);
process.exit(ratio >= 0.5 ? 0 : 1);
