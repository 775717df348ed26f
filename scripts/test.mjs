#!/usr/bin/env node
// Runs the compiled test files with Node's test runner.
//   node scripts/test.mjs           unit tests (in parallel), then end-to-end tests (one at a time)
//   node scripts/test.mjs unit      unit tests only
//   node scripts/test.mjs e2e       end-to-end tests only (*.e2e.test.js: sipp, real sockets)
//   node scripts/test.mjs FILTER    only test files whose path contains FILTER
// The portal's component tests (vitest, no browser) run with `all`, `unit` and `portal`.
import { readdirSync, statSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';

const root = new URL('../dist/', import.meta.url).pathname;
if (!existsSync(root)) {
  console.error('dist/ is missing: run `npm run build` first');
  process.exit(1);
}
function walk(dir, out) {
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) walk(p, out);
    else if (name.endsWith('.test.js')) out.push(p);
  }
  return out;
}
const all = walk(root, []).sort();
const mode = process.argv[2] ?? 'all';
const isE2e = (f) => f.endsWith('.e2e.test.js');
let unit = all.filter((f) => !isE2e(f));
let e2e = all.filter(isE2e);
if (mode === 'unit') e2e = [];
else if (mode === 'e2e') unit = [];
else if (mode !== 'all') {
  unit = unit.filter((f) => f.includes(mode));
  e2e = e2e.filter((f) => f.includes(mode));
}
const reporter = process.env.CI ? ['--test-reporter=spec'] : [];
function run(files, concurrency) {
  if (files.length === 0) return 0;
  const r = spawnSync(process.execPath, ['--test', `--test-concurrency=${concurrency}`, '--test-timeout=180000', ...reporter, ...files], { stdio: 'inherit' });
  return r.status ?? 1;
}
const a = run(unit, 2);
let c = 0;
if (mode === 'all' || mode === 'unit' || mode === 'portal') {
  const vitest = new URL('../node_modules/vitest/vitest.mjs', import.meta.url).pathname;
  c = spawnSync(process.execPath, [vitest, 'run', '--config', new URL('../src/portal/vitest.config.ts', import.meta.url).pathname], { stdio: 'inherit' }).status ?? 1;
}
const b = run(e2e, 1);
process.exit(a || b || c);
