// Helpers the bench scripts share: line-delimited child output, child node processes, kernel-timestamped
// RTP captures with dumpcap, and the departure jitter of a capture.
import { spawn, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

/** The p-quantile of the finite values of `xs` (NaN when there are none). */
export const pct = (xs, p) => {
  const s = [...xs].filter(Number.isFinite).sort((a, b) => a - b);
  return s.length ? s[Math.min(s.length - 1, Math.floor(p * s.length))] : NaN;
};

/** Reads newline-delimited lines from a stream; `next()` resolves with the next one. */
export function lineReader(stream) {
  let buf = '';
  const lines = [];
  const waiters = [];
  stream.on('data', (d) => {
    buf += d;
    for (let i = buf.indexOf('\n'); i >= 0; i = buf.indexOf('\n')) {
      const line = buf.slice(0, i);
      buf = buf.slice(i + 1);
      const w = waiters.shift();
      if (w) w(line); else lines.push(line);
    }
  });
  return () => new Promise((r) => (lines.length ? r(lines.shift()) : waiters.push(r)));
}

/** A child node process; BENCH_NODE_ARGS (e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof") go to its node. */
export function spawnNode(args) {
  const extra = (process.env.BENCH_NODE_ARGS ?? '').split(' ').filter(Boolean);
  const p = spawn(process.execPath, [...extra, ...args], { stdio: ['pipe', 'pipe', 'inherit'] });
  return { p, next: lineReader(p.stdout) };
}

export function startDumpcap(port, file) {
  return captureLo(`udp dst port ${port}`, file, { snaplen: 64, bufferMb: 64 });
}

/** dumpcap on lo with a capture filter; null when this machine may not capture there. */
export async function captureLo(filter, file, { snaplen, bufferMb }) {
  const ok = spawnSync('dumpcap', ['-D'], { encoding: 'utf8' });
  if (ok.status !== 0 || !/\blo\b/.test(ok.stdout)) return null;
  const p = spawn('dumpcap', ['-P', '-i', 'lo', '-s', String(snaplen), '-B', String(bufferMb), '-f', filter, '-w', file], { stdio: ['ignore', 'ignore', 'pipe'] });
  const next = lineReader(p.stderr);
  const closed = new Promise((r) => p.on('close', r));
  for (;;) {
    const line = await Promise.race([next(), closed.then(() => null)]);
    if (line === null) return null;
    if (/^Capturing on/.test(line)) break;
  }
  return { stop: () => { p.kill('SIGINT'); return closed; } };
}

/** |Δt − 20 ms| between consecutive packets of each SSRC, from a classic pcap (dumpcap -P). */
export function departureDeltas(file) {
  const b = readFileSync(file);
  const nano = b.readUInt32LE(0) === 0xa1b23c4d;
  const link = b.readUInt32LE(20);
  const l2 = { 1: 14, 113: 16, 276: 20 }[link];
  if (l2 === undefined) throw new Error(`unexpected pcap link type ${link}`);
  const last = new Map(); // ssrc -> [ms, seq]
  const deltas = [];
  for (let off = 24; off + 16 <= b.length;) {
    const t = b.readUInt32LE(off) * 1000 + b.readUInt32LE(off + 4) / (nano ? 1e6 : 1e3);
    const incl = b.readUInt32LE(off + 8);
    const ip = off + 16 + l2;
    off += 16 + incl;
    const rtp = ip + (b[ip] & 15) * 4 + 8;
    if (b[ip + 9] !== 17 || rtp + 12 > off) continue;
    const seq = b.readUInt16BE(rtp + 2);
    const ssrc = b.readUInt32BE(rtp + 8);
    const prev = last.get(ssrc);
    if (prev && ((prev[1] + 1) & 0xffff) === seq) deltas.push(Math.abs(t - prev[0] - 20));
    last.set(ssrc, [t, seq]);
  }
  return deltas;
}

/** The p99 of `departureDeltas`. */
export function departureJitterP99(file) {
  return pct(departureDeltas(file), 0.99);
}
