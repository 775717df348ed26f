#!/usr/bin/env node
// REST API benchmark (issue 4): autocannon against a real listening server on loopback.
//   node scripts/bench-api.mjs            10 s per run (BENCH_SECONDS to change), needs `npm run build`
// Measures a bare Fastify route, authenticated GET /v1/Applications (an account with
// BENCH_APPS applications, default 3) and POST /v1/Applications, all served by one child process
// while autocannon runs in this one, and prints req/s, p99 and the ratio to the bare route.
// Goal: authenticated reads >= 50 % of the bare route. A second bare route answers the same
// bytes as the GET, to separate auth + store cost from response size.
// Each run is repeated BENCH_ROUNDS times (default 5), interleaved (GET, bare, POST, same bytes,
// GET, bare …) so that a slow phase of a shared machine hits every side; the table gives the
// median of each with its min–max, and the ratios and the verdict use the medians. POSTs go to a
// second account, so the GET lists the same BENCH_APPS applications in every round. About 45 s
// per round, 3.5–4 min in all.
import { fork } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import autocannon from 'autocannon';


const dist = new URL('../dist/', import.meta.url).pathname;
const seconds = Number(process.env.BENCH_SECONDS ?? 10);
const connections = Number(process.env.BENCH_CONNECTIONS ?? 50);
const apps = Number(process.env.BENCH_APPS ?? 3);
const { parseRounds, interleaved, spread, formatSpread, medianRatio } = await import(join(dist, 'testkit/bench-rounds.js'));
const rounds = parseRounds(process.env.BENCH_ROUNDS, 5);

async function serve() {
  const { buildApi } = await import(join(dist, 'api/app.js'));
  const { openStore, bootstrapAdminKey } = await import(join(dist, 'store/index.js'));
  const { nullLogger } = await import(join(dist, 'kernel/logger.js'));
  const { default: Fastify } = await import('fastify');
  const dir = mkdtempSync(join(tmpdir(), 'vgw-bench-'));
  const store = await openStore({ dataDir: dir, logger: nullLogger });
  const { token: admin } = await bootstrapAdminKey(store, undefined, nullLogger);
  const api = buildApi({ logger: nullLogger, isReady: () => true, store });
  const bare = Fastify({ logger: false });
  let same = '[]';
  bare.get('/bare', async () => ({ hello: 'world' }));
  bare.get('/same', async (_req, reply) => reply.type('application/json').send(same));
  await api.listen({ host: '127.0.0.1', port: 0 });
  await bare.listen({ host: '127.0.0.1', port: 0 });
  const apiUrl = `http://127.0.0.1:${api.server.address().port}`;
  const post = (path, body, token) =>
    fetch(`${apiUrl}${path}`, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: JSON.stringify(body) }).then((r) => r.json());
  const { sid: account } = await post('/v1/Accounts', { name: 'bench' }, admin);
  const { token } = await post('/v1/ApiKeys', { account_sid: account }, admin);
  // The POST runs write to another account, so the GET answers the same list in every round.
  const { sid: writer } = await post('/v1/Accounts', { name: 'bench-writes' }, admin);
  const { token: postToken } = await post('/v1/ApiKeys', { account_sid: writer }, admin);
  for (let i = 0; i < apps; i++) await post('/v1/Applications', { name: `app-${i}`, call_hook: 'https://agent.example/call', call_status_hook: 'https://agent.example/status' }, token);
  same = await (await fetch(`${apiUrl}/v1/Applications`, { headers: { authorization: `Bearer ${token}` } })).text();
  process.send({ apiUrl, bareUrl: `http://127.0.0.1:${bare.server.address().port}`, token, postToken });
  process.on('message', async () => {
    await api.close();
    await bare.close();
    await store.close();
    rmSync(dir, { recursive: true, force: true });
    process.exit(0);
  });
}

function run(title, opts) {
  return new Promise((resolve, reject) => {
    autocannon({ duration: seconds, connections, pipelining: 1, ...opts }, (err, res) => {
      if (err) return reject(err);
      if (res.non2xx > 0 || res.errors > 0) return reject(new Error(`${title}: ${res.non2xx} non-2xx responses, ${res.errors} errors`));
      resolve({ title, rps: res.requests.average, p99: res.latency.p99, bytes: Math.round(res.throughput.total / res.requests.total) });
    });
  });
}

/** The runs of one round, in order: ours and its baseline alternate. */
function sides(target) {
  const auth = { authorization: `Bearer ${target.token}` };
  const side = (name, title, opts) => ({ name, run: () => run(title, opts) });
  return [
    side('get', `GET /v1/Applications (auth, ${apps} apps)`, { url: `${target.apiUrl}/v1/Applications`, headers: auth }),
    side('bare', 'bare Fastify GET /bare', { url: `${target.bareUrl}/bare` }),
    side('post', 'POST /v1/Applications (auth)', {
      url: `${target.apiUrl}/v1/Applications`,
      method: 'POST',
      headers: { authorization: `Bearer ${target.postToken}`, 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'bench', call_hook: 'https://agent.example/call' }),
    }),
    side('same', 'bare Fastify GET /same (same bytes)', { url: `${target.bareUrl}/same` }),
  ];
}

function report(runs) {
  const rps = (name) => runs[name].map((r) => r.rps);
  const pct = (x) => (Number.isFinite(x) ? `${(x * 100).toFixed(0)} %` : 'n/a');
  console.log(`\nmedian (min–max) of ${rounds} runs each`);
  console.log('run'.padEnd(40), 'req/s'.padStart(22), 'p99 ms'.padStart(14), 'bytes'.padStart(6), 'vs bare'.padStart(9));
  for (const name of ['bare', 'get', 'same', 'post']) {
    const rs = runs[name];
    console.log(
      rs[0].title.padEnd(40),
      formatSpread(spread(rps(name)), 0).padStart(22),
      formatSpread(spread(rs.map((r) => r.p99)), 0).padStart(14),
      String(rs[0].bytes).padStart(6),
      pct(medianRatio(rps(name), rps('bare'))).padStart(9),
    );
  }
  const ratio = medianRatio(rps('get'), rps('bare'));
  const ok = ratio >= 0.5;
  console.log(`\nauthenticated reads: ${pct(ratio)} of the bare route, ratio of the medians (goal >= 50 %: ${ok ? 'met' : 'NOT met'}), ${pct(medianRatio(rps('get'), rps('same')))} of a bare route answering the same bytes`);
  return ok;
}

async function main() {
  if (!existsSync(join(dist, 'api/app.js'))) {
    console.error('dist/ is missing: run `npm run build` first');
    process.exit(1);
  }
  const child = fork(new URL(import.meta.url).pathname, ['--serve'], { stdio: 'inherit', execArgv: process.env.BENCH_PROFILE ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_PROFILE}`] : [] });
  const target = await new Promise((resolve) => child.once('message', resolve));
  console.log(`autocannon: ${connections} connections, ${seconds} s per run, ${rounds} rounds interleaved, loopback\n`);
  const t0 = performance.now();
  let runs;
  try {
    runs = await interleaved(rounds, sides(target), (_name, round, r) =>
      console.log(`round ${round + 1}  ${r.title.padEnd(40)} ${r.rps.toFixed(0).padStart(8)} req/s  p99 ${r.p99} ms  ${r.bytes} bytes`));
  } finally {
    child.send('stop');
  }
  const ok = report(runs);
  console.log(`${((performance.now() - t0) / 1000).toFixed(0)} s`);
  process.exit(ok ? 0 : 1);
}

if (process.argv.includes('--serve')) await serve();
else await main();
