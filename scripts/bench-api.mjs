#!/usr/bin/env node
// REST API benchmark (issue 4): autocannon against a real listening server on loopback.
//   node scripts/bench-api.mjs            10 s per run (BENCH_SECONDS to change), needs `npm run build`
// Measures a bare Fastify route, authenticated GET /v1/Applications (an account with
// BENCH_APPS applications, default 3) and POST /v1/Applications, all served by one child process
// while autocannon runs in this one, and prints req/s, p99 and the ratio to the bare route.
// Goal: authenticated reads >= 50 % of the bare route. A second bare route answers the same
// bytes as the GET, to separate auth + store cost from response size.
import { fork } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import autocannon from 'autocannon';


const dist = new URL('../dist/', import.meta.url).pathname;
const seconds = Number(process.env.BENCH_SECONDS ?? 10);
const connections = Number(process.env.BENCH_CONNECTIONS ?? 50);
const apps = Number(process.env.BENCH_APPS ?? 3);

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
  for (let i = 0; i < apps; i++) await post('/v1/Applications', { name: `app-${i}`, call_hook: 'https://agent.example/call', call_status_hook: 'https://agent.example/status' }, token);
  same = await (await fetch(`${apiUrl}/v1/Applications`, { headers: { authorization: `Bearer ${token}` } })).text();
  process.send({ apiUrl, bareUrl: `http://127.0.0.1:${bare.server.address().port}`, token });
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

async function main() {
  if (!existsSync(join(dist, 'api/app.js'))) {
    console.error('dist/ is missing: run `npm run build` first');
    process.exit(1);
  }
  const child = fork(new URL(import.meta.url).pathname, ['--serve'], { stdio: 'inherit', execArgv: process.env.BENCH_PROFILE ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_PROFILE}`] : [] });
  const target = await new Promise((resolve) => child.once('message', resolve));
  const auth = { authorization: `Bearer ${target.token}` };
  console.log(`autocannon: ${connections} connections, ${seconds} s per run, loopback\n`);
  const results = [];
  try {
    results.push(await run('bare Fastify GET /bare', { url: `${target.bareUrl}/bare` }));
    results.push(await run(`GET /v1/Applications (auth, ${apps} apps)`, { url: `${target.apiUrl}/v1/Applications`, headers: auth }));
    results.push(await run('bare Fastify GET /same (same bytes)', { url: `${target.bareUrl}/same` }));
    results.push(
      await run('POST /v1/Applications (auth)', {
        url: `${target.apiUrl}/v1/Applications`,
        method: 'POST',
        headers: { ...auth, 'content-type': 'application/json' },
        body: JSON.stringify({ name: 'bench', call_hook: 'https://agent.example/call' }),
      }),
    );
  } finally {
    child.send('stop');
  }
  const bare = results[0].rps;
  console.log('run'.padEnd(40), 'req/s'.padStart(10), 'p99 ms'.padStart(8), 'bytes'.padStart(7), 'vs bare'.padStart(9));
  for (const r of results) {
    console.log(r.title.padEnd(40), r.rps.toFixed(0).padStart(10), String(r.p99).padStart(8), String(r.bytes).padStart(7), `${((r.rps / bare) * 100).toFixed(0)} %`.padStart(9));
  }
  const ratio = results[1].rps / bare;
  const ok = ratio >= 0.5;
  console.log(`\nauthenticated reads: ${(ratio * 100).toFixed(0)} % of the bare route (goal >= 50 %: ${ok ? 'met' : 'NOT met'}), ${((results[1].rps / results[2].rps) * 100).toFixed(0)} % of a bare route answering the same bytes`);
  process.exit(ok ? 0 : 1);
}

if (process.argv.includes('--serve')) await serve();
else await main();
