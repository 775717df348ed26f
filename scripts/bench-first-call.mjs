#!/usr/bin/env node
// npm run bench:first-call — issue 13 item 3: from the first call of a freshly started gateway on,
// no gap over 30 ms between the RTP packets of a call.
//   ours: `vgw start` as a new process (fresh data dir, empty TTS cache); call 1 alone, then
//         BURST calls started at 10/s, each [say, play a 1.5 s tone, hangup] to a sipp UAS; the
//         far end's view is captured with tshark and split per call by SSRC;
//   base: sipp UAC playing a 3 s pcap to a sipp UAS, captured the same way in the same run (what
//         the machine and the capture add by themselves).
// Prints per call the largest gap between consecutive audio packets of one talkspurt (a pause
// between prompts, marked per RFC 3551 §4.1, is shown apart), and the ratio of our worst to sipp's. BENCH_ROUNDS (default 3) fresh gateways, interleaved with the baseline. Needs root
// (tshark, sipp's play_pcap_audio), as the e2e tests do. Build first (npm run build).
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const BURST = Number(process.env.BENCH_BURST ?? 20);
const GOAL_MS = 30;
/** BENCH_VERBOSE=1: print where each gap over the goal fell (ms from the stream's first packet). */
const VERBOSE = process.env.BENCH_VERBOSE === '1';
const { parseRounds, interleaved, spread, formatSpread } = await import(join(root, 'dist/testkit/bench-rounds.js'));
const ROUNDS = parseRounds(process.env.BENCH_ROUNDS, 3);
const { startCli } = await import(join(root, 'dist/testkit/cli-gateway.js'));
const { eventually, provisionSippCarrier, startHookServer } = await import(join(root, 'dist/testkit/gateway.js'));
const { serveAudio, tones, wavBytes } = await import(join(root, 'dist/testkit/audio.js'));
const { startRtpCapture } = await import(join(root, 'dist/testkit/rtp-capture.js'));
const { startSipp } = await import(join(root, 'dist/testkit/sipp.js'));
const { freePort } = await import(join(root, 'dist/testkit/ports.js'));

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/**
 * Per stream (SSRC), in the order the streams started: the largest gap between consecutive audio
 * packets of one talkspurt. Between two prompts a sender may send nothing and marks the first
 * packet after the pause (RFC 3551 §4.1, RFC 3550 §5.1 marker bit); such a pause is not a stall
 * and is reported apart (`pauses`).
 */
function gapsBySsrc(packets) {
  const streams = new Map();
  for (const p of packets) {
    if (p.payloadType !== 0 && p.payloadType !== 8) continue;
    if (!streams.has(p.ssrc)) streams.set(p.ssrc, []);
    streams.get(p.ssrc).push(p);
  }
  const out = [];
  for (const s of streams.values()) {
    if (s.length < 20) continue;
    let gap = 0;
    let pause = 0;
    const over = [];
    for (let i = 1; i < s.length; i++) {
      const ms = (s[i].time - s[i - 1].time) * 1000;
      if (s[i].marker) pause = Math.max(pause, ms);
      else gap = Math.max(gap, ms);
      if (!s[i].marker && ms > GOAL_MS) over.push(`${ms.toFixed(1)} ms at ${((s[i].time - s[0].time) * 1000).toFixed(0)} ms`);
    }
    if (VERBOSE && over.length) console.log(`  SSRC ${s[0].ssrc.toString(16)}: gaps over ${GOAL_MS} ms: ${over.join(', ')}`);
    out.push({ gap, pause });
  }
  return out;
}

function summary(streams) {
  const gaps = streams.map((s) => s.gap);
  return { first: gaps[0] ?? Number.NaN, worst: Math.max(...gaps), calls: gaps.length, p50: spread(gaps).median, pause: Math.max(0, ...streams.map((s) => s.pause)) };
}

/**
 * The gateway's own view since the previous scrape: how late its event loop ran at worst (ms), and
 * its garbage collections so far that took 10 ms or more (prom-client's histogram, by kind).
 */
async function gatewayView(gw) {
  const text = await (await fetch(`${gw.base}/metrics`)).text();
  const m = /vgw_event_loop_delay_seconds\{quantile="1"\} ([0-9.e+-]+)/.exec(text);
  const slowGc = {};
  for (const [, kind, n] of text.matchAll(/vgw_process_nodejs_gc_duration_seconds_count\{kind="(\w+)"\} (\d+)/g)) {
    const fast = new RegExp(`vgw_process_nodejs_gc_duration_seconds_bucket\\{le="0.01",kind="${kind}"\\} (\\d+)`).exec(text);
    slowGc[kind] = Number(n) - Number(fast?.[1] ?? 0);
  }
  return { loop: m ? Number(m[1]) * 1000 : Number.NaN, slowGc };
}

/** Slow collections between two views, e.g. "major 1" ("none" when there were none). */
function slowGcBetween(before, after) {
  const out = Object.entries(after.slowGc).map(([k, n]) => [k, n - (before.slowGc[k] ?? 0)]).filter(([, n]) => n > 0);
  return out.length === 0 ? 'none' : out.map(([k, n]) => `${k} ${n}`).join(', ');
}

async function ours() {
  const env = {
    VGW_DATA_DIR: mkdtempSync(join(tmpdir(), 'bench-first-')), VGW_SIP_ADDRESS: '127.0.0.1', VGW_SIP_PORT: String(await freePort()),
    VGW_SIMULATOR: 'off', VGW_RTP_PORTS: '30000-31999',
  };
  const tone = await serveAudio(wavBytes(tones([1000], 1500, 12000)));
  const hooks = await startHookServer({ '/app': () => [{ verb: 'say', text: 'Hello, this is a call from the gateway.' }, { verb: 'play', url: `${tone.url}/tone.wav` }, { verb: 'hangup' }] });
  const sipp = await startSipp({ scenario: 'uas_ring_answer.xml', calls: BURST + 1, timeoutSeconds: 60 });
  const gw = await startCli(env);
  const capture = await startRtpCapture(sipp.mediaPort);
  try {
    const p = await provisionSippCarrier(gw, hooks.url, [sipp.port]);
    const before = await gatewayView(gw); // a scrape resets the gateway's event-loop histogram: the calls' own comes next
    const done = () => hooks.seen.filter((h) => h.path === '/status' && h.json.call_status === 'completed').length;
    const call = () => gw.api('POST', `/v1/Accounts/${p.accountSid}/Calls`, { application_sid: p.applicationSid, from: p.from, to: { type: 'phone', number: '15550009' } });
    await call();
    await eventually(() => done() >= 1, 30_000, 'the first call completed');
    for (let i = 0; i < BURST; i++) {
      void call();
      await sleep(100);
    }
    await eventually(() => done() >= BURST + 1, 60_000, 'every call completed');
    const after = await gatewayView(gw);
    return { ...summary(gapsBySsrc(await capture.stop())), loop: after.loop, gc: slowGcBetween(before, after) };
  } finally {
    sipp.kill();
    await capture.stop().catch(() => undefined);
    await gw.stop('SIGTERM');
    await hooks.close();
    await tone.close();
  }
}

async function base() {
  const uas = await startSipp({ scenario: 'uas_ring_answer.xml', calls: 1, timeoutSeconds: 15 });
  const capture = await startRtpCapture(uas.mediaPort);
  const uac = await startSipp({ scenario: 'uac_play_wait_bye.xml', target: `127.0.0.1:${uas.port}`, calls: 1, timeoutSeconds: 15 });
  try {
    await sleep(4000);
    return summary(gapsBySsrc(await capture.stop()));
  } finally {
    uac.kill();
    uas.kill();
    await capture.stop().catch(() => undefined);
  }
}

const t0 = performance.now();
console.log(`bench:first-call — a fresh gateway's first call, then ${BURST} more at 10/s (say + 1.5 s play each); ${ROUNDS} rounds interleaved with sipp→sipp`);
const runs = await interleaved(ROUNDS, [
  { name: 'ours', run: ours },
  { name: 'sipp', run: base },
], (side, round, r) => console.log(`round ${round + 1} ${side.padEnd(4)} first call ${r.first.toFixed(1)} ms, worst of ${r.calls} call(s) ${r.worst.toFixed(1)} ms, median ${r.p50.toFixed(1)} ms; longest marked pause between prompts ${r.pause.toFixed(0)} ms${r.loop !== undefined ? `; the gateway's event loop at worst ${r.loop.toFixed(1)} ms late, its collections of 10 ms or more: ${r.gc}` : ''}`));
const worst = (side) => runs[side].map((r) => r.worst);
const firsts = runs.ours.map((r) => r.first);
console.log('\nlargest gap between RTP packets of one talkspurt of a call, median (min–max) of the rounds:');
console.log(`sipp UAC → sipp UAS (pcap):      ${`${formatSpread(spread(worst('sipp')), 1)} ms`}`);
console.log(`ours, first call of a fresh node: ${`${formatSpread(spread(firsts), 1)} ms`}`);
console.log(`ours, worst call of each round:   ${`${formatSpread(spread(worst('ours')), 1)} ms`}`);
const ratio = spread(worst('ours')).median / spread(worst('sipp')).median;
const met = Math.max(...worst('ours')) <= GOAL_MS;
console.log(`ratio of the medians ours/sipp = ${ratio.toFixed(2)}; goal: no gap over ${GOAL_MS} ms in any call of any round: ${met ? 'met' : 'NOT met'}; ${Math.round((performance.now() - t0) / 1000)} s`);
