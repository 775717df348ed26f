#!/usr/bin/env node
// `npm run bench:media [N…]`: for each N (default 250 500 1000 2000), N concurrent G.711 calls
// VGW_MEDIA_THREAD=on: the engine sends and receives on the media I/O thread (docs/media.md).
// sending and receiving on loopback, first from a bare Node dgram loop (the baseline), then from
// the media engine (dist/media), each against a separate receiver process
// (bench-media-receiver.mjs) that counts loss and sends a stream back to every call. Then, at the
// largest N ≤ 1000, the engine again with synthetic control-plane work on the same thread (what
// SIP, HTTP, webhooks and the store do in the gateway): BENCH_LOAD_MS (default 2) ms of JSON every
// 15–35 ms. BENCH_NO_LOAD=1 skips that.
//
// Departure jitter is |Δt − 20 ms| between consecutive packets of one stream, timed by the
// kernel: dumpcap captures the sender's packets on the loopback interface, and a loopback send
// is delivered inside the sender's own send(2), so the capture timestamp is the departure
// time. The receiver's own user-space arrival times are printed too ("rx app p99"), but they
// mostly measure the receiver: its event loop is busy with the same 50,000 packets/s each way.
// Without dumpcap (or the right to capture) the departure columns fall back to those.
//
// Windows are aligned: each sender signals when its set-up and warm-up are over, and only then
// do its CPU window, the capture and the receiver's loss window start together.
// Every run is repeated BENCH_ROUNDS times (default 3), interleaved (engine, bare, engine, bare
// …, with engine+load after each bare at its N) so that a slow phase of a shared machine hits
// both; each run's row is printed, then per side the median of each column with its min–max,
// and the verdict at 1,000 calls uses the medians (CPU and p99 as ratios of the medians to
// bare). Needs `npm run build` first. 9–14 s per run (set-up, 2 s warm-up, 5 s window): about
// 6 min for the default N and rounds.
import { spawnSync } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { departureDeltas, lineReader, spawnNode, startDumpcap } from './bench-lib.mjs';

const WARMUP_MS = 2000;
const MEASURE_MS = 5000;
const LOAD_MS = Number(process.env.BENCH_LOAD_MS ?? 2);
const here = fileURLToPath(new URL('.', import.meta.url));
const { parseRounds, interleaved, spread, formatSpread, medianRatio } = await import('../dist/testkit/bench-rounds.js');
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));


/** True when dumpcap is installed and may capture on lo (root, or the wireshark group). */
function dumpcapUsable() {
  const r = spawnSync('dumpcap', ['-D'], { encoding: 'utf8' });
  return r.status === 0 && /\blo\b/.test(r.stdout);
}
let canCapture = false;

/** Departure jitter from a pcap file (classic format, as `dumpcap -P` writes). */
function pcapJitter(file) {
  const deltas = departureDeltas(file);
  deltas.sort((x, y) => x - y);
  const q = (p) => (deltas.length ? deltas[Math.min(deltas.length - 1, Math.floor(p * deltas.length))] : NaN);
  return { jitterP50: q(0.5), jitterP99: q(0.99), jitterMax: q(1), intervals: deltas.length };
}

async function measure(mode, n) {
  const rx = spawnNode([`${here}bench-media-receiver.mjs`]);
  const port = Number(await rx.next());
  const child = spawnNode([fileURLToPath(import.meta.url), '--child', mode, String(n), String(port)]);
  if ((await child.next()) !== 'ready') throw new Error(`${mode} child failed to start`);
  const dir = mkdtempSync(join(tmpdir(), 'bench-media-'));
  const cap = canCapture ? await startDumpcap(port, join(dir, 'tx.pcap')) : null;
  child.p.stdin.write('measure\n');
  rx.p.stdin.write('measure\n');
  await sleep(MEASURE_MS);
  child.p.stdin.write('stop\n');
  rx.p.stdin.write('stop\n');
  const recv = JSON.parse(await rx.next());
  const sender = JSON.parse(await child.next());
  await cap?.stop();
  const departure = cap ? pcapJitter(join(dir, 'tx.pcap')) : { jitterP50: recv.jitterP50, jitterP99: recv.jitterP99, jitterMax: NaN };
  rmSync(dir, { recursive: true, force: true });
  return { ...sender, ...departure, lossPct: recv.lossPct, rxAppP99: recv.jitterP99, rxPackets: recv.packets };
}

// ---- child processes -------------------------------------------------------------------------
// Each prints "ready" after set-up and warm-up, measures CPU between "measure" and "stop" on
// stdin, then prints its JSON result.

async function measuredWindow(onStop = () => ({})) {
  process.stdout.write('ready\n');
  const next = lineReader(process.stdin);
  while ((await next()) !== 'measure');
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  const start = onStop();
  while ((await next()) !== 'stop');
  const c = process.cpuUsage(c0);
  return { cpu: (c.user + c.system) / 1000 / (performance.now() - t0), start };
}

async function bareChild(n, port) {
  const socks = [];
  let received = 0;
  for (let i = 0; i < n; i++) {
    const s = createSocket('udp4');
    await new Promise((r) => s.bind(0, '127.0.0.1', r));
    await new Promise((r) => s.connect(port, '127.0.0.1', r));
    s.on('message', () => { received++; });
    s.on('error', () => undefined); // ECONNREFUSED once the receiver has gone
    const pkts = Array.from({ length: 8 }, () => { const b = Buffer.alloc(172, 0xff); b[0] = 0x80; b.writeUInt32BE(i + 1, 8); return b; });
    socks.push({ s, pkts, seq: 0 });
  }
  const start = performance.now();
  let tick = 0;
  let timer;
  const loop = () => {
    tick++;
    for (const x of socks) {
      const b = x.pkts[x.seq & 7];
      x.seq = (x.seq + 1) & 0xffff;
      b[2] = x.seq >> 8;
      b[3] = x.seq & 0xff;
      b.writeUInt32BE((x.seq * 160) >>> 0, 4);
      x.s.send(b, 0, 172);
    }
    timer = setTimeout(loop, Math.max(0, start + tick * 20 - performance.now()));
  };
  loop();
  await sleep(WARMUP_MS);
  const { cpu } = await measuredWindow();
  clearTimeout(timer);
  for (const x of socks) x.s.close();
  return { cpu, received };
}

/**
 * Synthetic control-plane work on the sender's main thread (what SIP, HTTP, webhooks and the
 * store do in the gateway): `ms` of JSON round trips every 15–35 ms.
 */
function startMainThreadLoad(ms) {
  const doc = { calls: Array.from({ length: 300 }, (_, i) => ({ sid: `CA${i}`, from: '+15551234567', to: '+15557654321', tag: { n: i, list: [1, 2, 3] }, status: 'in-progress' })) };
  let timer;
  const work = () => {
    const t = performance.now();
    while (performance.now() - t < ms) JSON.parse(JSON.stringify(doc));
    timer = setTimeout(work, 15 + Math.random() * 20);
  };
  work();
  return () => clearTimeout(timer);
}

async function engineChild(n, port, mode) {
  const { MediaEngine } = await import('../dist/media/index.js');
  const { systemClock } = await import('../dist/kernel/clock.js');
  const { nullLogger } = await import('../dist/kernel/logger.js');
  const engine = new MediaEngine({ clock: systemClock, logger: nullLogger, portRange: { min: 20000, max: 29999 }, bindAddress: '127.0.0.1', rtcpIntervalMs: 5000, ioThread: process.env.VGW_MEDIA_THREAD === 'on' });
  const stopLoad = mode === 'engine+load' ? startMainThreadLoad(LOAD_MS) : () => undefined;
  const loop = Int16Array.from({ length: 8000 }, (_, i) => Math.round(6000 * Math.sin((2 * Math.PI * 440 * i) / 8000)));
  // 1 s of tone read a 160-sample frame at a time, round and round (8000 is a multiple of 160).
  const looping = { description: 'loop', open: async () => { let pos = 0; return { read(out) { out.set(loop.subarray(pos, pos + out.length)); pos = (pos + out.length) % loop.length; return out.length; } }; } };
  let received = 0;
  for (let i = 0; i < n; i++) {
    const s = await engine.createSession();
    s.setRemote({ address: '127.0.0.1', port, codec: 'PCMU', payloadType: 0, dtmfPayloadType: 101 });
    s.onAudio(() => { received++; });
    s.play(looping).catch(() => undefined);
  }
  await sleep(WARMUP_MS);
  // Skipped ticks are counted over the measurement window only.
  const { cpu, start } = await measuredWindow(() => engine.schedulerStats.skippedTicks);
  stopLoad();
  const stats = engine.schedulerStats;
  await engine.close();
  return { cpu, received, skippedTicks: stats.skippedTicks - start };
}

async function main() {
  const args = process.argv.slice(2);
  if (args[0] === '--child') {
    const [, mode, n, port] = args;
    const r = mode === 'bare' ? await bareChild(Number(n), Number(port)) : await engineChild(Number(n), Number(port), mode);
    process.stdout.write(`${JSON.stringify(r)}\n`);
    process.exit(0);
  }
  const ns = args.length ? args.map(Number) : [250, 500, 1000, 2000];
  const rounds = parseRounds(process.env.BENCH_ROUNDS, 3);
  canCapture = dumpcapUsable();
  const source = canCapture ? 'kernel timestamps (dumpcap on lo)' : 'the receiver process (dumpcap unavailable)';
  console.log(`departure jitter |Δt − 20 ms| per stream, from ${source}; ${MEASURE_MS / 1000} s window after ${WARMUP_MS / 1000} s warm-up; ${rounds} rounds interleaved`);
  console.log('calls  sender           cpu(core)  departure jitter p50 / p99 / max ms   loss %   rx app p99 ms');
  // How much control-plane work on the same thread moves the packets: at the largest N ≤ 1000.
  const loadN = process.env.BENCH_NO_LOAD ? NaN : Math.max(...ns.filter((x) => x <= 1000));
  const t0 = performance.now();
  for (const n of ns) {
    const sides = [{ name: 'engine', run: () => measure('engine', n) }, { name: 'bare', run: () => measure('bare', n) }];
    if (n === loadN) sides.push({ name: 'engine+load', run: () => measure('engine+load', n) });
    if (n === loadN) console.log(`(engine+load: ${LOAD_MS} ms of JSON work on the sender's thread every 15–35 ms: signalling, webhooks, store)`);
    const runs = await interleaved(rounds, sides, (name, round, r) => row(n, `${name} #${round + 1}`, r));
    for (const side of sides) summary(n, side.name, runs[side.name]);
    verdict(n, runs.engine, runs.bare);
  }
  console.log(`${((performance.now() - t0) / 1000).toFixed(0)} s`);
}

const fmt = (x, d = 2) => (Number.isFinite(x) ? x.toFixed(d) : '-');

/** One run's absolute figures. */
function row(n, name, r) {
  console.log(`${String(n).padStart(5)}  ${name.padEnd(15)}  ${fmt(r.cpu).padStart(9)}  ${fmt(r.jitterP50).padStart(11)} / ${fmt(r.jitterP99).padStart(5)} / ${fmt(r.jitterMax).padEnd(14)}  ${fmt(r.lossPct, 3).padStart(6)}   ${fmt(r.rxAppP99).padStart(8)}`);
}

/** A side's runs: the median of each column with its min–max. */
function summary(n, name, rs) {
  const col = (key, d = 2) => formatSpread(spread(rs.map((r) => r[key])), d);
  const ticks = rs.some((r) => r.skippedTicks) ? `  skipped ticks ${col('skippedTicks', 0)}` : '';
  console.log(`${String(n).padStart(5)}  ${name.padEnd(11)} median (min–max) of ${rs.length}: cpu ${col('cpu')}  p50 ${col('jitterP50')}  p99 ${col('jitterP99')}  max ${col('jitterMax')}  loss % ${col('lossPct', 3)}  rx app p99 ${col('rxAppP99')}${ticks}`);
}

/** Goal at 1,000 calls, on the medians: 0 loss, departure p99 ≤ 5 ms, CPU ≤ 1.5× the bare loop. */
function verdict(n, engine, bare) {
  const med = (rs, key) => spread(rs.map((r) => r[key])).median;
  const of = (key) => medianRatio(engine.map((r) => r[key]), bare.map((r) => r[key]));
  const cpu = of('cpu');
  const ok = med(engine, 'lossPct') === 0 && med(engine, 'jitterP99') <= 5 && cpu <= 1.5;
  const goal = n === 1000 ? `  goal (median loss 0, median p99 ≤ 5 ms, CPU ≤ 1.5× bare): ${ok ? 'met' : 'NOT met'}` : '';
  console.log(`${String(n).padStart(5)}  engine vs bare, ratio of the medians: CPU ${fmt(cpu)}×, departure p99 ${fmt(of('jitterP99'))}×${goal}`);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
