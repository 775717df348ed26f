#!/usr/bin/env node
// `npm run bench:stream [N]`: the audio-streaming figures of issue 15. Prints numbers; asserts
// nothing. Needs `npm run build` first.
// VGW_MEDIA_THREAD=on: the engine sends and receives on the media I/O thread (docs/media.md).
//
// 1. N (default 200) concurrent calls (real RTP sessions on loopback), each with a `listen`
//    stream to a local WebSocket server in other processes (bench-stream-far.mjs, which is also
//    every call's far end; each caller sends on its own phase of the 20 ms period), both
//    directions: the caller's audio to the socket (8 kHz mono), and
//    L16 streamed back in real time (bidirectionalAudio.streaming) played to the caller. Against
//    the same N calls without streaming (playing a tone), in the same run, rounds interleaved
//    (BENCH_ROUNDS, default 3). Per run: RTP departure jitter p99 (|Δt − 20 ms| per stream, kernel
//    timestamps from dumpcap on lo when it may capture, else "-"), frame loss on the socket path
//    (frames handed to the stream that never reached the server, dropped ones included), the
//    caller frame → on the socket latency p50/p99, two ways: on the wire (the kernel timestamps
//    of the caller's RTP packet and of the TCP segment that completes its WebSocket frame, one
//    dumpcap on lo, bench-stream-wire.mjs: the gateway's own share, the figure the goal is read
//    against), and at the far end (each caller packet carries its send time, read back out of the
//    L16 frame in another process: that adds the far end's scheduling, and the two processes'
//    clocks, `timeOrigin + now()`, can differ by milliseconds), CPU per stream (the streaming
//    run's CPU minus the plain run's,
//    over N, as % of one core), and the gateway's and the far end's event-loop delay p99 and the
//    far end's CPU (is the far end the bottleneck?). The streams use the gateway's stream worker
//    when the build has one (BENCH_STREAM_DIRECT=1: sockets on the media thread, as before it).
//    BENCH_NODE_ARGS go to the child processes' node (e.g. --cpu-prof).
// 2. killAudio → playback stopped: one call plays 5 s of streamed audio; the server sends
//    killAudio; latency = from the send to the end of the last loud frame arriving at the caller
//    (its arrival + 20 ms; the session then sends nothing for a tick, then silence). p50/p99 over
//    BENCH_KILL_TRIALS (default 40).
import { createSocket } from 'node:dgram';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { setMaxListeners } from 'node:events';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { WebSocketServer } from 'ws';
import { departureJitterP99, lineReader, pct, spawnNode, startDumpcap } from './bench-lib.mjs';
import { startWireCapture, wireLatencies } from './bench-stream-wire.mjs';

const here = fileURLToPath(new URL('.', import.meta.url));
const dist = (p) => import(new URL(`../dist/${p}`, import.meta.url).href);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const MEASURE_MS = 5000;
const fmt = (x, d = 2) => (Number.isFinite(x) ? x.toFixed(d) : '-');

async function modules() {
  const [media, streams, clock, logger, timeline] = await Promise.all([
    dist('media/index.js'), dist('call/audio-stream/index.js'), dist('kernel/clock.js'), dist('kernel/logger.js'), dist('call/timeline.js'),
  ]);
  return { media, streams, clock: clock.systemClock, logger: logger.nullLogger, Timeline: timeline.Timeline };
}

/** One run: a far end, a child gateway process with N calls (streaming or plain), a 5 s window. */
async function run(mode, n) {
  const far = spawnNode([`${here}bench-stream-far.mjs`]);
  const [udpPort, wsPort] = (await far.next()).split(' ').map(Number);
  const child = spawnNode([fileURLToPath(import.meta.url), '--child', mode, String(n), String(udpPort), String(wsPort)]);
  if ((await child.next()) !== 'ready') throw new Error(`${mode} child failed`);
  const dir = mkdtempSync(join(tmpdir(), 'bench-stream-'));
  const cap = await startDumpcap(udpPort, join(dir, 'tx.pcap'));
  const wire = mode === 'stream' ? await startWireCapture(udpPort, wsPort, join(dir, 'wire.pcap')) : null;
  far.p.stdin.write('measure\n');
  child.p.stdin.write('measure\n');
  await sleep(MEASURE_MS);
  child.p.stdin.write('stop\n');
  const sent = JSON.parse(await child.next());
  await sleep(300);
  far.p.stdin.write('stop\n');
  const got = JSON.parse(await far.next());
  await cap?.stop();
  await wire?.stop();
  const p99 = cap ? departureJitterP99(join(dir, 'tx.pcap')) : NaN;
  const onWire = wire ? wireLatencies(join(dir, 'wire.pcap'), await ulawCodes()) : [];
  rmSync(dir, { recursive: true, force: true });
  const handed = sent.framesSent + sent.framesDropped;
  return { p99, cpuMs: sent.cpuMs, lossPct: handed ? (100 * (handed - got.framesReceived)) / handed : NaN, dropped: sent.framesDropped, droppedInWindow: sent.droppedInWindow, handed, latP50: got.p50, latP99: got.p99, matched: got.matched, wireP50: onWire.length ? pct(onWire, 0.5) : NaN, wireP99: onWire.length ? pct(onWire, 0.99) : NaN, wireMatched: onWire.length, eldP99: sent.eldP99, farCpuMs: got.far.cpuMs, farEldP99: got.far.eldP99, batches: sent.batches };
}

/** L16 value → the μ-law code (0..126) that decodes to it (the far end's codes, read back). */
async function ulawCodes() {
  const { ULAW_DECODE } = await dist('media/codec/g711.js');
  const m = new Map();
  for (let i = 0; i < 127; i++) m.set(ULAW_DECODE[i], i);
  return m;
}

async function child(mode, n, udpPort, wsPort) {
  const m = await modules();
  const engine = new m.media.MediaEngine({ clock: m.clock, logger: m.logger, portRange: { min: 20000, max: 29999 }, bindAddress: '127.0.0.1', rtcpIntervalMs: 5000, ioThread: process.env.VGW_MEDIA_THREAD === 'on' });
  const totals = new m.streams.StreamTotals();
  // The gateway's stream worker when this build has one (BENCH_STREAM_DIRECT=1: sockets on the media thread).
  const pool = m.streams.StreamSocketPool && process.env.BENCH_STREAM_DIRECT !== '1' ? new m.streams.StreamSocketPool({ logger: m.logger, totals }) : undefined;
  const tone = Int16Array.from({ length: 8000 }, (_, i) => Math.round(6000 * Math.sin((2 * Math.PI * 440 * i) / 8000)));
  const looping = { description: 'tone', open: async () => { let i = 0; return { read(out) { for (let k = 0; k < out.length; k++) out[k] = tone[(i + k) % tone.length]; i += out.length; return out.length; } }; } };
  const stop = new AbortController();
  setMaxListeners(n + 10, stop.signal);
  for (let i = 0; i < n; i++) {
    const s = await engine.createSession();
    s.setRemote({ address: '127.0.0.1', port: udpPort, codec: 'PCMU', payloadType: 0, dtmfPayloadType: 101 });
    if (mode === 'plain') {
      s.play(looping).catch(() => undefined);
      continue;
    }
    const timeline = new m.Timeline(m.clock, 50);
    const info = () => ({ call_sid: `bench-${i}`, direction: 'inbound', from: 'a', to: 'b', call_id: `c${i}`, sip_status: 200, call_status: 'in-progress', account_sid: 'acc', trace_id: 't', fs_sip_address: 'h' });
    const host = { timeline, info, onDtmf: () => () => undefined, play: (src, sig) => s.play(src, sig).then((r) => ({ interrupted: r.reason !== 'finished' })), interrupt: () => undefined };
    m.streams.startAudioStream({ clock: m.clock, logger: m.logger, totals, streamSockets: pool }, host, s, {
      url: `ws://127.0.0.1:${wsPort}/`, sampleRate: 8000, mixType: 'mono', metadata: { port: s.localPort, back: true },
      bidirectional: { enabled: true, streaming: true, sampleRate: 8000 },
    }, stop.signal);
  }
  await sleep(2000);
  process.stdout.write('ready\n');
  const next = lineReader(process.stdin);
  while ((await next()) !== 'measure');
  const cpu0 = process.cpuUsage();
  const eld = monitorEventLoopDelay({ resolution: 1 });
  eld.enable();
  const base = { sent: totals.framesSent, dropped: totals.framesDropped, batches: pool?.batchesSent ?? 0 };
  while ((await next()) !== 'stop');
  const cpu = process.cpuUsage(cpu0);
  const eldP99 = eld.percentile(99) / 1e6;
  const batches = (pool?.batchesSent ?? 0) - base.batches;
  // Streams end first; the worker's last counts come back within a turn or two. The far end's
  // tally, taken 300 ms after this report, covers every frame still in flight.
  stop.abort();
  await sleep(100);
  // Frame totals over the whole run (the far end counts every frame it ever received).
  const out = { framesSent: totals.framesSent, framesDropped: totals.framesDropped, droppedInWindow: totals.framesDropped - base.dropped, cpuMs: (cpu.user + cpu.system) / 1000, eldP99, batches };
  process.stdout.write(`${JSON.stringify(out)}\n`);
  await engine.close();
  process.exit(0);
}

async function benchStreams(n) {
  const rounds = Number(process.env.BENCH_ROUNDS ?? 3);
  const rs = { plain: [], stream: [] };
  for (let r = 0; r < rounds; r++) {
    for (const mode of ['stream', 'plain']) {
      const x = await run(mode, n);
      rs[mode].push(x);
      const extra = mode === 'stream'
        ? `  socket loss ${fmt(x.lossPct, 3)} % (${x.dropped} dropped of ${x.handed}, ${x.droppedInWindow} in the window)  caller frame → socket p50 ${fmt(x.latP50)} ms p99 ${fmt(x.latP99)} ms (${x.matched} frames; on the wire p50 ${fmt(x.wireP50)} ms p99 ${fmt(x.wireP99)} ms, ${x.wireMatched} frames)`
        : '';
      console.log(`  ${n} calls ${mode === 'stream' ? 'streaming both ways' : 'without streaming  '} #${r + 1}: departure jitter p99 ${fmt(x.p99)} ms  CPU ${fmt(x.cpuMs / MEASURE_MS * 100, 1)} % of a core${extra}`);
      console.log(`      gateway event-loop delay p99 ${fmt(x.eldP99)} ms${x.batches ? ` (${fmt(x.batches / MEASURE_MS * 1000, 0)} batches/s to the stream worker)` : ''};  far end: CPU ${fmt(x.farCpuMs / MEASURE_MS * 100, 1)} % of a core, event-loop delay p99 ${fmt(x.farEldP99)} ms`);
    }
  }
  const med = (mode, k) => pct(rs[mode].map((x) => x[k]), 0.5);
  const cpuPerStream = ((med('stream', 'cpuMs') - med('plain', 'cpuMs')) / MEASURE_MS / n) * 100;
  console.log(`${n} calls streaming both ways (medians of ${rounds}): departure jitter p99 ${fmt(med('stream', 'p99'))} ms vs ${fmt(med('plain', 'p99'))} ms without (ratio ${fmt(med('stream', 'p99') / med('plain', 'p99'))}×; goal ≤ 5 ms)`);
  console.log(`  socket frame loss ${fmt(med('stream', 'lossPct'), 3)} %;  caller frame → on the socket p99 ${fmt(med('stream', 'latP99'))} ms at the far end, ${fmt(med('stream', 'wireP99'))} ms on the wire (p50 ${fmt(med('stream', 'wireP50'))} ms; goal ≤ 5 ms);  CPU per stream ${fmt(cpuPerStream, 3)} % of a core (streaming run ${fmt(med('stream', 'cpuMs') / MEASURE_MS * 100, 1)} % vs plain ${fmt(med('plain', 'cpuMs') / MEASURE_MS * 100, 1)} %)`);
}

/** killAudio → the first silent packet at the caller, in-process: one call, its stream, its far end. */
async function benchKill(m) {
  const trials = Number(process.env.BENCH_KILL_TRIALS ?? 40);
  const engine = new m.media.MediaEngine({ clock: m.clock, logger: m.logger, portRange: { min: 30000, max: 30999 }, bindAddress: '127.0.0.1', ioThread: process.env.VGW_MEDIA_THREAD === 'on' });
  const { ULAW_DECODE } = await dist('media/codec/g711.js');
  const caller = createSocket('udp4');
  await new Promise((r) => caller.bind(0, '127.0.0.1', r));
  let onPacket = () => undefined;
  caller.on('message', (msg) => onPacket(msg));
  const wss = new WebSocketServer({ host: '127.0.0.1', port: 0, handleProtocols: () => 'audio.jambonz.org' });
  await new Promise((r) => wss.once('listening', r));
  const clip = Buffer.alloc(5 * 16000);
  for (let i = 0; i < clip.length / 2; i++) clip.writeInt16LE(Math.round(8000 * Math.sin((2 * Math.PI * 600 * i) / 8000)), i * 2);
  const loud = (msg) => {
    let s = 0;
    for (let i = 12; i < msg.length; i++) s += Math.abs(ULAW_DECODE[msg[i]]);
    return s / (msg.length - 12) > 500;
  };
  const results = [];
  const pool = m.streams.StreamSocketPool && process.env.BENCH_STREAM_DIRECT !== '1' ? new m.streams.StreamSocketPool({ logger: m.logger }) : undefined;
  for (let t = 0; t < trials; t++) {
    const s = await engine.createSession();
    s.setRemote({ address: '127.0.0.1', port: caller.address().port, codec: 'PCMU', payloadType: 0, dtmfPayloadType: 101 });
    const conn = new Promise((r) => wss.once('connection', r));
    const host = { timeline: new m.Timeline(m.clock, 50), info: () => ({ call_sid: 'k' }), onDtmf: () => () => undefined, play: (src, sig) => s.play(src, sig).then((r) => ({ interrupted: r.reason !== 'finished' })), interrupt: () => undefined };
    const ctl = new AbortController();
    const stream = m.streams.startAudioStream({ clock: m.clock, logger: m.logger, streamSockets: pool }, host, s, { url: `ws://127.0.0.1:${wss.address().port}/`, sampleRate: 8000, mixType: 'mono', bidirectional: { enabled: true, streaming: true, sampleRate: 8000 } }, ctl.signal);
    const ws = await conn;
    for (let i = 0; i < clip.length; i += 320) ws.send(clip.subarray(i, i + 320));
    // Wait until the caller hears the clip, then kill it 300–500 ms in.
    let lastLoud = NaN;
    await new Promise((r) => { onPacket = (msg) => { if (loud(msg)) { lastLoud = performance.now(); r(); } }; });
    await sleep(300 + Math.random() * 200);
    onPacket = (msg) => { if (loud(msg)) lastLoud = performance.now(); };
    const t0 = performance.now();
    ws.send(JSON.stringify({ type: 'killAudio' }));
    // Playback stopped = the end of the last loud frame heard (its arrival + 20 ms of audio).
    await sleep(200);
    results.push(Math.max(0, lastLoud + 20 - t0));
    onPacket = () => undefined;
    stream.stop();
    await stream.ended;
    await s.close();
  }
  await pool?.close();
  wss.close();
  caller.close();
  await engine.close();
  console.log(`killAudio → playback stopped (end of the last loud frame at the caller): p50 ${fmt(pct(results, 0.5))} ms  p99 ${fmt(pct(results, 0.99))} ms  (${trials} trials; goal ≤ 25 ms)`);
}

async function main() {
  const args = process.argv.slice(2);
  if (args[0] === '--child') return child(args[1], Number(args[2]), Number(args[3]), Number(args[4]));
  const n = Number(args[0] ?? 200);
  const m = await modules();
  await benchKill(m);
  await benchStreams(n);
  process.exit(0);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
