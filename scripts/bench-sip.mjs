#!/usr/bin/env node
// npm run bench:sip — call setups per second with 0 failed calls:
//   ours:  our UAC (dist/) → sipp UAS, rising rates
//   base:  sipp UAC → sipp UAS at the same rates, in the same run
// Each step places calls for SECONDS seconds (INVITE, 200, ACK, BYE, 200). Prints the highest
// rate with 0 failures for each and the ratio ours/sipp. Loopback only; every step is bounded.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 4);
const RATES = (process.env.BENCH_RATES ?? '200,400,800,1200,1600,2000,2500,3000').split(',').map(Number);
const root = new URL('..', import.meta.url).pathname;
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

async function highest(name, fn) {
  let best = 0;
  for (const rate of RATES) {
    const r = await fn(rate);
    console.log(`${name.padEnd(5)} ${String(rate).padStart(5)} calls/s: ok=${r.ok} failed=${r.failed}`);
    if (r.failed > 0) break;
    best = rate;
  }
  return best;
}

console.log(`bench:sip — ${SECONDS} s per step, rates ${RATES.join(', ')} calls/s (loopback, UDP)`);
const base = await highest('sipp', sippAt);
const ours = await highest('ours', oursAt);
console.log('');
console.log(`sipp UAC → sipp UAS: highest rate with 0 failures = ${base} calls/s`);
console.log(`our UAC  → sipp UAS: highest rate with 0 failures = ${ours} calls/s`);
console.log(`ratio ours/sipp = ${base ? (ours / base).toFixed(2) : 'n/a'} (goal ≥ 0.5)`);
