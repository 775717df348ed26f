#!/usr/bin/env node
// The simulator carrier (docs/simulator.md) in a process of its own, for bench:campaign: so that
// the bench measures the gateway's dialer, not the callee's SIP and media sharing its event loop.
//   node scripts/bench-sim-process.mjs RTP_MIN RTP_MAX DATA_DIR
// stdout, one JSON object a line: {"ready": port}, then {"ev": "start"|"end", "number", "at",
// "status"} per call; a line "stop" on stdin ends it with {"cpu_ms", "rss_mib", "loop_p99_ms",
// "loop_max_ms"} and closes the simulator.
import { join } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { lineReader } from './bench-lib.mjs';

const root = new URL('..', import.meta.url).pathname;
const [min, max, dataDir] = process.argv.slice(2);
const { startSimulator } = await import(join(root, 'dist/simulator/index.js'));
const { systemClock } = await import(join(root, 'dist/kernel/clock.js'));
const { testLogger } = await import(join(root, 'dist/testkit/sip-stack.js'));

const out = (o) => process.stdout.write(`${JSON.stringify(o)}\n`);
const loop = monitorEventLoopDelay({ resolution: 10 });
const sim = await startSimulator({ clock: systemClock, logger: testLogger(), port: 0, rtpPorts: { min: Number(min), max: Number(max) }, dataDir, keepCalls: 10 });
sim.on('call-started', (r) => out({ ev: 'start', number: r.number, at: r.startedAt }));
sim.on('call-ended', (r) => out({ ev: 'end', number: r.number, at: r.endedAt, status: r.status }));
const cpu0 = process.cpuUsage();
loop.enable();
out({ ready: sim.port });
const next = lineReader(process.stdin.setEncoding('utf8'));
while ((await next()) !== 'stop');
const cpu = process.cpuUsage(cpu0);
out({ cpu_ms: Math.round((cpu.user + cpu.system) / 1000), rss_mib: Math.round(process.memoryUsage().rss / 2 ** 20), loop_p99_ms: Math.round(loop.percentile(99) / 1e6), loop_max_ms: Math.round(loop.max / 1e6) });
await sim.close();
process.exit(0);
