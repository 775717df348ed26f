#!/usr/bin/env node
// `npm run bench:media [N…]`: for each N (default 250 500 1000 2000), N concurrent G.711 calls
// sending and receiving on loopback, first from a bare Node dgram loop (the baseline), then from
// the media engine (dist/media), each against a separate receiver process
// (bench-media-receiver.mjs) that measures arrival jitter and loss. Prints per N the sender
// process CPU (share of one core), jitter p50/p99, loss, and the CPU ratio engine/bare.
// Needs `npm run build` first. About 12 s per N.
import { spawn } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { fileURLToPath } from 'node:url';

const WARMUP_MS = 1500;
const MEASURE_MS = 4000;
const here = fileURLToPath(new URL('.', import.meta.url));

function startReceiver() {
  const p = spawn(process.execPath, [`${here}bench-media-receiver.mjs`], { stdio: ['pipe', 'pipe', 'inherit'] });
  let buf = '';
  const lines = [];
  const waiters = [];
  p.stdout.on('data', (d) => {
    buf += d;
    for (let i = buf.indexOf('\n'); i >= 0; i = buf.indexOf('\n')) {
      const line = buf.slice(0, i);
      buf = buf.slice(i + 1);
      const w = waiters.shift();
      if (w) w(line); else lines.push(line);
    }
  });
  const next = () => new Promise((r) => (lines.length ? r(lines.shift()) : waiters.push(r)));
  return { p, next };
}

function runChild(mode, n, port) {
  return new Promise((resolve, reject) => {
    const c = spawn(process.execPath, [fileURLToPath(import.meta.url), '--child', mode, String(n), String(port)], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    c.stdout.on('data', (d) => { out += d; });
    c.on('close', (code) => (code === 0 ? resolve(JSON.parse(out.trim().split('\n').pop())) : reject(new Error(`${mode} child exited ${code}`))));
  });
}

async function measure(mode, n) {
  const rx = startReceiver();
  const port = Number(await rx.next());
  const child = runChild(mode, n, port);
  await new Promise((r) => setTimeout(r, WARMUP_MS + 200));
  rx.p.stdin.write('measure');
  await new Promise((r) => setTimeout(r, MEASURE_MS - 400));
  rx.p.stdin.write('stop\n');
  const recv = JSON.parse(await rx.next());
  const sender = await child;
  return { ...sender, ...recv };
}

// ---- child processes -------------------------------------------------------------------------

function cpuWindow() {
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  return () => {
    const c = process.cpuUsage(c0);
    return (c.user + c.system) / 1000 / (performance.now() - t0);
  };
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
  await new Promise((r) => setTimeout(r, WARMUP_MS));
  const cpu = cpuWindow();
  await new Promise((r) => setTimeout(r, MEASURE_MS));
  const share = cpu();
  clearTimeout(timer);
  for (const x of socks) x.s.close();
  return { cpu: share, received };
}

async function engineChild(n, port) {
  const { MediaEngine } = await import('../dist/media/index.js');
  const { systemClock } = await import('../dist/kernel/clock.js');
  const { nullLogger } = await import('../dist/kernel/logger.js');
  const engine = new MediaEngine({ clock: systemClock, logger: nullLogger, portRange: { min: 20000, max: 29999 }, bindAddress: '127.0.0.1', rtcpIntervalMs: 5000 });
  const loop = Int16Array.from({ length: 8000 }, (_, i) => Math.round(6000 * Math.sin((2 * Math.PI * 440 * i) / 8000)));
  const looping = { description: 'loop', open: async () => { let pos = 0; return { read(out) { for (let i = 0; i < out.length; i++) { out[i] = loop[pos]; pos = pos + 1 === loop.length ? 0 : pos + 1; } return out.length; } }; } };
  const sessions = [];
  let received = 0;
  for (let i = 0; i < n; i++) {
    const s = await engine.createSession();
    s.setRemote({ address: '127.0.0.1', port, codec: 'PCMU', payloadType: 0, dtmfPayloadType: 101 });
    s.onAudio(() => { received++; });
    s.play(looping).catch(() => undefined);
    sessions.push(s);
  }
  await new Promise((r) => setTimeout(r, WARMUP_MS));
  const cpu = cpuWindow();
  // Skipped ticks counted over the measurement window only (not the set-up of N sessions).
  const skippedBefore = engine.schedulerStats.skippedTicks;
  await new Promise((r) => setTimeout(r, MEASURE_MS));
  const share = cpu();
  const stats = engine.schedulerStats;
  await engine.close();
  return { cpu: share, received, skippedTicks: stats.skippedTicks - skippedBefore, maxLateMs: Math.round(stats.maxLateMs) };
}

async function main() {
  const args = process.argv.slice(2);
  if (args[0] === '--child') {
    const [, mode, n, port] = args;
    const r = mode === 'bare' ? await bareChild(Number(n), Number(port)) : await engineChild(Number(n), Number(port));
    process.stdout.write(`${JSON.stringify(r)}\n`);
    process.exit(0);
  }
  const ns = args.length ? args.map(Number) : [250, 500, 1000, 2000];
  const fmt = (x, d = 2) => (Number.isFinite(x) ? x.toFixed(d) : String(x));
  console.log('calls  sender  cpu(core)  jitter p50/p99 ms  loss %   rx pkts/s');
  for (const n of ns) {
    const bare = await measure('bare', n);
    const eng = await measure('engine', n);
    for (const [name, r] of [['bare', bare], ['engine', eng]]) {
      console.log(`${String(n).padStart(5)}  ${name.padEnd(6)}  ${fmt(r.cpu).padStart(9)}  ${fmt(r.jitterP50).padStart(7)} / ${fmt(r.jitterP99).padEnd(7)}  ${fmt(r.lossPct, 3).padStart(6)}   ${Math.round(r.received / ((WARMUP_MS + MEASURE_MS) / 1000))}`);
    }
    const ok = eng.lossPct === 0 && eng.jitterP99 <= 5 && eng.cpu <= 1.5 * bare.cpu;
    console.log(`${String(n).padStart(5)}  ratio engine/bare CPU = ${fmt(eng.cpu / bare.cpu)}${n === 1000 ? `  goal (0 loss, p99 ≤ 5 ms, ≤ 1.5×): ${ok ? 'met' : 'NOT met'}` : ''}${eng.skippedTicks ? `  skipped ticks ${eng.skippedTicks}` : ''}`);
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
