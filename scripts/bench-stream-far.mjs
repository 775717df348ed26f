#!/usr/bin/env node
// Far end of `npm run bench:stream` (separate processes, so that the figure is the gateway's and
// not the far end's own queueing):
// - the primary process is every caller: it takes each RTP stream the gateway sends and sends one
//   PCMU stream back to each source, each caller on its own random phase of the 20 ms period
//   (independent callers are not in step). Each packet's payload starts with 7 μ-law codes that
//   decode to distinct L16 values: a counter (3) and the send time (4, in 10 μs units of the
//   machine-wide clock `performance.timeOrigin + performance.now()`), so the frame carries its own
//   send time when it comes out of the WebSocket.
// - BENCH_FAR_WS (default 2) cluster workers share the WebSocket port (subprotocol
//   audio.jambonz.org): each frame received is decoded back to its send time → caller frame → on
//   the socket latency, timed on receipt with the same clock. With `back: true` in the metadata
//   they stream L16 back: 20 ms frames in real time.
// Prints "<udpPort> <wsPort>" on stdout; then "measure\n" starts the window, "stop\n" prints a
// JSON summary (with the far end's own CPU and event-loop delay) and exits.
import cluster from 'node:cluster';
import { createSocket } from 'node:dgram';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { WebSocketServer } from 'ws';

const { ULAW_DECODE: ULAW } = await import(new URL('../dist/media/codec/g711.js', import.meta.url).href);
/** L16 value → the μ-law code (0..126) that decodes to it. */
const CODE = new Map();
for (let i = 0; i < 127; i++) CODE.set(ULAW[i], i);
const WRAP = 127 ** 4;
const now = () => performance.timeOrigin + performance.now();
const phase = () => Math.random() * 20;

/** Reads n codes (base 127, least significant first) from L16 samples at `at`; undefined when one is not a code. */
function readCodes(data, at, n) {
  let v = 0;
  for (let k = n - 1; k >= 0; k--) {
    const code = CODE.get(data.readInt16LE((at + k) * 2));
    if (code === undefined) return undefined;
    v = v * 127 + code;
  }
  return v;
}

function wsWorker() {
  let measuring = false;
  const latencies = [];
  let framesReceived = 0;
  let framesMeasured = 0;
  let cpu0 = process.cpuUsage();
  const eld = monitorEventLoopDelay({ resolution: 1 });
  const wss = new WebSocketServer({ host: '127.0.0.1', port: Number(process.env.FAR_WS_PORT), handleProtocols: (p) => (p.has('audio.jambonz.org') ? 'audio.jambonz.org' : false) });
  const back = Buffer.alloc(320);
  for (let i = 0; i < 160; i++) back.writeInt16LE(Math.round(5000 * Math.sin((2 * Math.PI * 500 * i) / 8000)), i * 2);
  const backStreams = new Map(); // ws -> next due time
  wss.on('connection', (ws) => {
    ws.on('message', (data, isBinary) => {
      if (!isBinary) {
        const m = JSON.parse(data.toString());
        if (m.back) backStreams.set(ws, now() + phase());
        return;
      }
      framesReceived++;
      if (!measuring || data.length < 14) return;
      framesMeasured++;
      const sent = readCodes(data, 3, 4);
      if (sent !== undefined) latencies.push((((Math.round(now() * 100) - sent) % WRAP) + WRAP) % WRAP / 100);
    });
    ws.on('close', () => backStreams.delete(ws));
  });
  setInterval(() => {
    const t = now();
    for (const [ws, due] of backStreams) {
      if (due > t) continue;
      ws.send(back);
      backStreams.set(ws, due + 20 <= t ? t + 20 : due + 20);
    }
  }, 1);
  process.on('message', (cmd) => {
    if (cmd === 'measure') {
      measuring = true;
      cpu0 = process.cpuUsage();
      eld.enable();
    } else if (cmd === 'stop') {
      const cpu = process.cpuUsage(cpu0);
      process.send({ framesReceived, framesMeasured, latencies, cpuMs: (cpu.user + cpu.system) / 1000, eldP99: eld.percentile(99) / 1e6 });
    }
  });
  wss.once('listening', () => process.send('listening'));
}

async function primary() {
  const sources = new Map(); // port -> { addr, seq, counter, ssrc, due }
  const udp = createSocket('udp4');
  udp.on('message', (m, rinfo) => {
    if (m.length < 12 || sources.has(rinfo.port)) return;
    sources.set(rinfo.port, { addr: rinfo.address, seq: 0, counter: 0, ssrc: (Math.random() * 2 ** 32) >>> 0 });
  });
  await new Promise((r) => udp.bind(0, '127.0.0.1', r));
  const pkt = Buffer.alloc(172, 0xff);
  pkt[0] = 0x80;
  pkt[1] = 0; // PCMU
  const writeCodes = (at, v, n) => {
    for (let k = 0; k < n; k++) {
      pkt[12 + at + k] = v % 127;
      v = Math.floor(v / 127);
    }
  };
  const sendRtp = (port, s) => {
    s.seq = (s.seq + 1) & 0xffff;
    s.counter++;
    pkt.writeUInt16BE(s.seq, 2);
    pkt.writeUInt32BE((s.counter * 160) >>> 0, 4);
    pkt.writeUInt32BE(s.ssrc, 8);
    writeCodes(0, s.counter % 127 ** 3, 3);
    writeCodes(3, Math.round(now() * 100) % WRAP, 4);
    udp.send(pkt, port, s.addr);
  };
  setInterval(() => {
    const t = now();
    for (const [port, s] of sources) {
      s.due ??= t + phase();
      // Catch up after a stall, but never more than 3 frames at once.
      for (let k = 0; s.due <= t && k < 3; k++, s.due += 20) sendRtp(port, s);
      if (s.due <= t) s.due = t + 20;
    }
  }, 1);
  // The WebSocket processes share one port (cluster); find a free one first.
  const probe = new WebSocketServer({ host: '127.0.0.1', port: 0 });
  await new Promise((r) => probe.once('listening', r));
  const wsPort = probe.address().port;
  await new Promise((r) => probe.close(r));
  const workers = Array.from({ length: Number(process.env.BENCH_FAR_WS ?? 2) }, () => cluster.fork({ FAR_WS_PORT: String(wsPort) }));
  await Promise.all(workers.map((w) => new Promise((r) => w.once('message', r))));
  let cpu0 = process.cpuUsage();
  const eld = monitorEventLoopDelay({ resolution: 1 });
  process.stdout.write(`${udp.address().port} ${wsPort}\n`);
  let buf = '';
  process.stdin.on('data', async (d) => {
    buf += d;
    for (let i = buf.indexOf('\n'); i >= 0; i = buf.indexOf('\n')) {
      const cmd = buf.slice(0, i);
      buf = buf.slice(i + 1);
      if (cmd === 'measure') {
        cpu0 = process.cpuUsage();
        eld.enable();
        for (const w of workers) w.send('measure');
      }
      if (cmd === 'stop') {
        const cpu = process.cpuUsage(cpu0);
        const parts = await Promise.all(workers.map((w) => new Promise((r) => { w.once('message', r); w.send('stop'); })));
        const latencies = parts.flatMap((p) => p.latencies).sort((a, b) => a - b);
        const p = (q) => (latencies.length ? latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))] : NaN);
        const sum = (k) => parts.reduce((n, x) => n + x[k], 0);
        // The far end's own load: its CPU (all processes) and its worst event-loop delay.
        const far = { cpuMs: (cpu.user + cpu.system) / 1000 + sum('cpuMs'), eldP99: Math.max(eld.percentile(99) / 1e6, ...parts.map((x) => x.eldP99)) };
        process.stdout.write(`${JSON.stringify({ framesReceived: sum('framesReceived'), framesMeasured: sum('framesMeasured'), matched: latencies.length, p50: p(0.5), p99: p(0.99), far })}\n`);
        for (const w of workers) w.kill();
        process.exit(0);
      }
    }
  });
}

if (cluster.isPrimary) await primary();
else wsWorker();
