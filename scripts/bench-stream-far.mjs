#!/usr/bin/env node
// Far end of `npm run bench:stream` (a separate process): the callers and the listen server.
// - UDP: takes every RTP stream the gateway sends and sends one PCMU stream back to each source
//   (the caller's audio), each caller on its own random phase of the 20 ms period (independent
//   callers are not in step; a burst of N packets at once would measure the burst's queueing). Each packet's first 3 payload bytes carry a counter written in μ-law
//   codes that decode to distinct L16 values, so the frame can be recognised when it comes out
//   of the WebSocket; its send time is kept.
// - WebSocket (subprotocol audio.jambonz.org): each stream's metadata names the session's RTP
//   port; binary frames are decoded back to the counter → caller frame → on the socket latency.
//   With BENCH_BACK=1 in the metadata (`back: true`) it streams L16 back: 20 ms frames in real time.
// Prints "<udpPort> <wsPort>" on stdout; then "measure\n" starts the window, "stop\n" prints a
// JSON summary and exits.
import { createSocket } from 'node:dgram';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { WebSocketServer } from 'ws';

const { ULAW_DECODE: ULAW } = await import(new URL('../dist/media/codec/g711.js', import.meta.url).href);
/** L16 value → the μ-law code (0..126) that decodes to it. */
const CODE = new Map();
for (let i = 0; i < 127; i++) CODE.set(ULAW[i], i);

const now = () => performance.timeOrigin + performance.now();
const sources = new Map(); // port -> { addr, seq, counter, sentAt: Map<counter, t> }
let measuring = false;
const latencies = [];
let framesReceived = 0;
let framesMeasured = 0;

const udp = createSocket('udp4');
udp.on('message', (m, rinfo) => {
  if (m.length < 12 || sources.has(rinfo.port)) return;
  sources.set(rinfo.port, { addr: rinfo.address, seq: 0, counter: 0, sentAt: new Map(), ssrc: (Math.random() * 2 ** 32) >>> 0 });
});
await new Promise((r) => udp.bind(0, '127.0.0.1', r));

const pkt = Buffer.alloc(172, 0xff);
pkt[0] = 0x80;
pkt[1] = 0;
/** Each caller sends on its own phase of the 20 ms period (independent callers are not in step). */
const phase = () => Math.random() * 20;
function sendRtp(port, s, t) {
  s.seq = (s.seq + 1) & 0xffff;
  s.counter++;
  pkt.writeUInt16BE(s.seq, 2);
  pkt.writeUInt32BE((s.counter * 160) >>> 0, 4);
  pkt.writeUInt32BE(s.ssrc, 8);
  let c = s.counter;
  for (let k = 0; k < 3; k++) {
    pkt[12 + k] = c % 127;
    c = Math.floor(c / 127);
  }
  if (measuring) s.sentAt.set(s.counter, t);
  udp.send(pkt, port, s.addr);
}
setInterval(() => {
  const t = now();
  for (const [port, s] of sources) {
    s.due ??= t + phase();
    // Catch up after a stall, but never more than 3 frames at once.
    for (let k = 0; s.due <= t && k < 3; k++, s.due += 20) sendRtp(port, s, t);
    if (s.due <= t) s.due = t + 20;
  }
}, 1);

const wss = new WebSocketServer({ host: '127.0.0.1', port: 0, handleProtocols: (p) => (p.has('audio.jambonz.org') ? 'audio.jambonz.org' : false) });
await new Promise((r) => wss.once('listening', r));
const back = Buffer.alloc(320);
for (let i = 0; i < 160; i++) back.writeInt16LE(Math.round(5000 * Math.sin((2 * Math.PI * 500 * i) / 8000)), i * 2);
const backStreams = new Map(); // ws -> next due time
wss.on('connection', (ws) => {
  let port = 0;
  ws.on('message', (data, isBinary) => {
    if (!isBinary) {
      const m = JSON.parse(data.toString());
      if (m.port) port = m.port;
      if (m.back) backStreams.set(ws, now() + phase());
      return;
    }
    framesReceived++;
    if (!measuring) return;
    framesMeasured++;
    const s = sources.get(port);
    if (!s || data.length < 6) return;
    let c = 0;
    for (let k = 2; k >= 0; k--) {
      const code = CODE.get(data.readInt16LE(k * 2));
      if (code === undefined) return;
      c = c * 127 + code;
    }
    const sent = s.sentAt.get(c);
    if (sent !== undefined) latencies.push(now() - sent);
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

process.stdout.write(`${udp.address().port} ${wss.address().port}\n`);
let buf = '';
let cpu0 = process.cpuUsage();
const eld = monitorEventLoopDelay({ resolution: 1 });
process.stdin.on('data', (d) => {
  buf += d;
  for (let i = buf.indexOf('\n'); i >= 0; i = buf.indexOf('\n')) {
    const cmd = buf.slice(0, i);
    buf = buf.slice(i + 1);
    if (cmd === 'measure') {
      measuring = true;
      cpu0 = process.cpuUsage();
      eld.enable();
    }
    if (cmd === 'stop') {
      measuring = false;
      latencies.sort((a, b) => a - b);
      const p = (q) => (latencies.length ? latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))] : NaN);
      const cpu = process.cpuUsage(cpu0);
      // The far end's own load: its CPU and how late its event loop ran (both inflate the latency it measures).
      const far = { cpuMs: (cpu.user + cpu.system) / 1000, eldP99: eld.percentile(99) / 1e6 };
      process.stdout.write(`${JSON.stringify({ framesReceived, framesMeasured, matched: latencies.length, p50: p(0.5), p99: p(0.99), far })}\n`);
      process.exit(0);
    }
  }
});
